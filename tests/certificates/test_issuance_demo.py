"""The demo: student_li downloads a signed certificate at once; one pass waits with its reason."""

import io

import pytest
from django.core.management import call_command

from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.issuance.notes import request_note

pytestmark = pytest.mark.django_db


def test_the_demo_issues_signed_certificates_and_shows_a_waiting_pass(client):
    call_command("seed_demo", stdout=io.StringIO())
    issued_once = IssuedCertificate.objects.count()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    li = IssuedCertificate.objects.get(person__user__username="student_li")
    assert li.certificate.name == "Web前端开发" and li.pdf and li.seal is not None
    # The issuance demo's own ten, plus the passes of the demo pipeline's finalized session.
    assert IssuedCertificate.objects.count() == issued_once >= 10
    waiting = IssuanceRequest.objects.get(status="blocked")
    assert waiting.block_code == "glyph" and "U+2A6A5" in request_note(waiting)
    client.login(username="student_li", password="Demo-1plusX-2026")
    assert client.get(f"/certificates/{li.number}/pdf").status_code == 200
