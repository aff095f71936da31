"""The signed transcript: Chinese text in an embedded CJK font, the platform's signature, reuse while
nothing changed, and the public share page with the name masked and no ID number."""

import io
import re

import pytest
from pypdf import PdfReader

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates.issuance import signing
from certificates.issuance.revocation import certificate_revoke
from core.errors import AppError, Forbidden, NotInScope
from credit_bank.models import Transcript
from credit_bank.selectors import transcript_get_own, transcript_pdf_bytes, transcript_verify
from credit_bank.services.transcripts import transcript_issue, transcript_withdraw
from tests.credit_bank.factories import approve, request_conversion

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(outcome, rule, student_user, hubei_institution_user):
    return approve(hubei_institution_user, request_conversion(student_user, outcome, rule))


def pdf_text(content: bytes) -> str:
    """The PDF's text without line breaks (a table cell may wrap a long course name)."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def embedded_fonts(content: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            if descriptor is not None and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]))
    return names


def test_the_transcript_is_a_signed_chinese_pdf_with_real_text(approved, student_user, issued):
    transcript, new = transcript_issue(actor=actor_for(student_user))
    content = transcript_pdf_bytes(transcript)
    assert new and content.startswith(b"%PDF-")
    text = pdf_text(content)
    for expected in ("学分银行成绩单", "李小明", "Web前端开发基础", "WEB101", "专业基础课", issued.number, transcript.number,
                     "软件技术"):
        assert expected in text, expected
    assert student_user.person.id_number not in text and student_user.person.id_number[-4:] in text  # masked
    assert any("WenQuanYi" in name or "Noto" in name for name in embedded_fonts(content))
    check = signing.check_pdf(content)
    assert check.signed and check.intact and check.by_issuer and check.whole_file
    assert AuditEntry.objects.filter(action="credit.transcript_issued", object_id=str(transcript.pk)).exists()


def test_a_tampered_transcript_fails_the_signature_check(approved, student_user):
    transcript, _new = transcript_issue(actor=actor_for(student_user))
    content = bytearray(transcript_pdf_bytes(transcript))
    offset = content.find(b"/Title")
    content[offset + 10] ^= 0x01
    check = signing.check_pdf(bytes(content))
    assert not (check.intact and check.by_issuer)


def test_the_same_transcript_until_something_changes(outcome, rule, student_user, hubei_institution_user):
    first, new = transcript_issue(actor=actor_for(student_user))
    again, new_again = transcript_issue(actor=actor_for(student_user))
    assert new and not new_again and again.pk == first.pk
    approve(hubei_institution_user, request_conversion(student_user, outcome, rule))
    third, new_third = transcript_issue(actor=actor_for(student_user))
    assert new_third and third.pk != first.pk and third.token != first.token
    assert "Web前端开发基础" in pdf_text(transcript_pdf_bytes(third))
    assert Transcript.objects.count() == 2


def test_a_student_without_outcomes_has_no_transcript(social_learner_user):
    with pytest.raises(AppError, match="还没有学习成果"):
        transcript_issue(actor=actor_for(social_learner_user))
    assert not Transcript.objects.exists()


def test_only_the_holder_gets_the_transcript(approved, student_user, social_learner_user, hubei_institution_user):
    transcript, _new = transcript_issue(actor=actor_for(student_user))
    with pytest.raises(NotInScope):
        transcript_get_own(actor=actor_for(social_learner_user), number=transcript.number)
    with pytest.raises(Forbidden):
        transcript_get_own(actor=actor_for(hubei_institution_user), number=transcript.number)
    with pytest.raises(Forbidden):
        transcript_issue(actor=actor_for(hubei_institution_user))


def test_the_share_link_shows_the_content_masked(approved, student_user, issued, org_a_user,
                                                 django_capture_on_commit_callbacks):
    transcript, _new = transcript_issue(actor=actor_for(student_user))
    check = transcript_verify(token=transcript.token)
    assert check.found and not check.withdrawn and check.number == transcript.number
    assert check.content["holder_name"] == "李*明" and "id_number_masked" not in check.content
    assert check.content["conversions"][0]["course_name"] == "Web前端开发基础"
    assert not check.changed_since and check.revoked_since == ()
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="撤销")
    later = transcript_verify(token=transcript.token)
    assert later.changed_since and later.revoked_since == (issued.number,)
    assert not transcript_verify(token="not-a-token").found
    assert not transcript_verify(token="").found


def test_the_student_stops_sharing(approved, student_user, social_learner_user):
    transcript, _new = transcript_issue(actor=actor_for(student_user))
    with pytest.raises(NotInScope):
        transcript_withdraw(actor=actor_for(social_learner_user), transcript=transcript)
    transcript_withdraw(actor=actor_for(student_user), transcript=transcript)
    check = transcript_verify(token=transcript.token)
    assert check.found and check.withdrawn and check.content is None
    with pytest.raises(AppError, match="已停用"):
        transcript_withdraw(actor=actor_for(student_user), transcript=transcript)
    # Asking again issues a new transcript with a new link.
    fresh, new = transcript_issue(actor=actor_for(student_user))
    assert new and fresh.token != transcript.token
