"""The portal's own confirmation step for destructive actions (instead of the browser's confirm()).

A destructive button posts its form to the action with ``?confirm=1``; the view, after its access
check, calls ``confirmation_step``, which answers with a page stating in plain words what will happen
and a 确认 button that posts the same fields again without ``confirm``. Only that second post acts.
It needs no JavaScript. A form that uploads files cannot be posted twice, so it asks for the same
acknowledgement with ``ConsequenceField``, a required checkbox whose label states the consequence.
"""

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

CONFIRM_PARAMETER = "confirm"


def confirmation_step(request, *, title, consequence, confirm_label, cancel_url: str, subject: str = ""):
    """The confirmation page while the action is only being asked for, or None once it is confirmed."""
    if request.method != "POST" or request.GET.get(CONFIRM_PARAMETER) != "1":
        return None
    fields = [(name, value) for name in request.POST if name != "csrfmiddlewaretoken"
              for value in request.POST.getlist(name)]
    return render(request, "includes/confirm.html", {
        "title": title, "consequence": consequence, "confirm_label": confirm_label, "cancel_url": cancel_url,
        "subject": subject, "fields": fields, "action": request.path})


class ConsequenceField(forms.BooleanField):
    """A required 'I understand what will happen' checkbox, for forms that cannot be posted twice."""

    def __init__(self, *, consequence, **kwargs):
        kwargs.setdefault("error_messages", {"required": _("请先勾选确认：您已知悉此操作的后果。")})
        super().__init__(label=consequence, required=True, **kwargs)
