"""Template filters of issuance: ``{{ request|request_note }}``, why a pass was not issued, in the
reader's language (certificates.issuance.notes)."""

from django import template

from certificates.issuance.notes import request_note as _request_note

register = template.Library()


@register.filter
def request_note(request) -> str:
    return _request_note(request)
