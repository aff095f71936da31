"""The holder's public credential page, its downloads (OB3, poster, 查验报告) and the org's
verification counts (issue 17, item 4): each tried by the right person and the wrong ones."""

import datetime
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from accounts.models import AuditEntry
from certificates.credential import poster
from certificates.credential.models import CredentialPage, VerificationCount
from certificates.credential.services import verification_counts_flush
from certificates.issuance import signing
from certificates.issuance.revocation import certificate_revoke
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(org_a, hubei, hubei_institution, student_user):
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[student_user.person],
                          institution=hubei_institution)
    return issued


def client_of(request, as_user, persona):
    return as_user(request.getfixturevalue(persona)) if persona != "anonymous" else request.getfixturevalue("client")


def shared(as_user, student_user, issued) -> CredentialPage:
    response = as_user(student_user).post(reverse("issued:share", args=[issued.number]), {"public": "on"})
    assert response.status_code == 302
    return CredentialPage.objects.get(issued=issued)


# --- the share toggle --------------------------------------------------------------------------------

def test_sharing_is_off_by_default_and_the_holder_turns_it_on_and_off(as_user, student_user, issued, client):
    assert not CredentialPage.objects.filter(issued=issued, public=True).exists()
    page = shared(as_user, student_user, issued)
    assert page.public and len(page.token) >= 32 and issued.number not in page.token
    url = reverse("credential:public", args=[page.token])
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="certificate.shared", object_id=str(issued.pk)).exists()

    as_user(student_user).post(reverse("issued:share", args=[issued.number]), {"public": "off"})
    assert client.get(url).status_code == 404
    assert client.get(reverse("credential:public_report", args=[page.token])).status_code == 404
    assert AuditEntry.objects.filter(action="certificate.unshared", object_id=str(issued.pk)).exists()

    again = shared(as_user, student_user, issued)
    assert again.token == page.token and client.get(url).status_code == 200


@pytest.mark.parametrize("persona,expected", [
    ("org_a_user", 404), ("hubei_institution_user", 404), ("ministry_user", 404), ("hubei_user", 404),
    ("org_b_user", 404), ("social_learner_user", 404), ("shandong_institution_user", 404)])
def test_only_the_holder_turns_sharing_on(request, as_user, issued, persona, expected):
    response = client_of(request, as_user, persona).post(reverse("issued:share", args=[issued.number]), {"public": "on"})
    assert response.status_code == expected
    assert not CredentialPage.objects.filter(issued=issued, public=True).exists()


def test_anonymous_visitors_cannot_toggle_and_a_get_changes_nothing(client, as_user, student_user, issued):
    assert client.post(reverse("issued:share", args=[issued.number]), {"public": "on"}).status_code == 302
    assert as_user(student_user).get(reverse("issued:share", args=[issued.number])).status_code == 405
    assert not CredentialPage.objects.filter(issued=issued, public=True).exists()


def test_a_random_token_is_404(client, as_user, student_user, issued):
    shared(as_user, student_user, issued)
    assert client.get(reverse("credential:public", args=["x" * 32])).status_code == 404
    assert client.get(reverse("credential:public", args=[issued.token])).status_code == 404  # not the QR token
    assert client.get(f"/c/{issued.number}/").status_code == 404


# --- the public page ---------------------------------------------------------------------------------

def test_the_public_page_shows_the_masked_name_and_never_the_full_name_or_id(client, as_user, student_user, issued):
    page = shared(as_user, student_user, issued)
    client.logout()  # shared() signed the test client in as the holder: the page is for a visitor
    response = client.get(reverse("credential:public", args=[page.token]))
    html = response.content.decode()
    assert "Web前端开发" in html and issued.org.name in html and issued.number in html and "有效" in html
    assert issued.holder_name not in html and issued.id_number not in html and issued.id_number[-4:] not in html
    assert issued.holder_name[0] + "*" in html
    assert 'src="data:image/png;base64,' in html  # the org's seal, as on the certificate
    assert "<script" not in html.split("</header>")[-1]  # the content needs no JavaScript
    assert "max-age=60" in response["Cache-Control"]


def test_the_public_page_is_private_for_the_signed_in_whose_header_is_their_own(client, as_user, student_user,
                                                                                    issued):
    page = shared(as_user, student_user, issued)
    url = reverse("credential:public", args=[page.token])
    anonymous = Client().get(url)
    assert "public" in anonymous["Cache-Control"] and "max-age=60" in anonymous["Cache-Control"]
    holder = as_user(student_user).get(url)
    assert holder.status_code == 200 and student_user.full_name in holder.content.decode()  # the header names them
    assert "private" in holder["Cache-Control"] and "public" not in holder["Cache-Control"]
    assert "Cookie" in holder["Vary"]


def test_the_public_page_shows_revocation_live_with_the_reason(client, as_user, student_user, org_a_user, issued):
    from accounts.scoping import actor_for

    page = shared(as_user, student_user, issued)
    certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="考核作弊，经查属实")
    html = client.get(reverse("credential:public", args=[page.token])).content.decode()
    assert "已撤销" in html and "考核作弊，经查属实" in html


def test_the_public_page_in_english(client, as_user, student_user, issued):
    page = shared(as_user, student_user, issued)
    html = client.get(reverse("credential:public", args=[page.token]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vocational Skill Level Certificate" in html and "Holder" in html and "持证人" not in html


def test_the_public_page_lists_the_skills_of_the_certificates_level(client, as_user, student_user, issued):
    page = shared(as_user, student_user, issued)
    url = reverse("credential:public", args=[page.token])
    html = client.get(url).content.decode()
    assert "证书所证明的能力" in html and "培训评价组织尚未登记该等级的职业技能要求" in html
    assert issued.level == "junior"
    levels = issued.certificate.levels
    levels.filter(level="junior").update(skills="能使用 HTML5 和 CSS3 完成静态网页制作\n能使用 JavaScript 实现网页交互")
    levels.filter(level="senior").update(skills="能制定前端开发规范")
    html = client.get(url).content.decode()
    assert "<li>能使用 HTML5 和 CSS3 完成静态网页制作</li>" in html and "<li>能使用 JavaScript 实现网页交互</li>" in html
    assert "能制定前端开发规范" not in html  # another level's skills are not what this holder proved
    assert "尚未登记该等级" not in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Skill requirements (Junior)" in english or "Skill requirements (" in english
    assert "职业技能要求" not in english and "能使用 HTML5 和 CSS3 完成静态网页制作" in english
    report = client.get(reverse("credential:public_report", args=[page.token]))
    text = report_text(report.content)
    assert "职业技能要求" in text and "能使用 HTML5 和 CSS3 完成静态网页制作" in text


def test_the_english_public_page_says_plainly_when_no_skills_are_recorded(client, as_user, student_user, issued):
    page = shared(as_user, student_user, issued)
    html = client.get(reverse("credential:public", args=[page.token]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "has not recorded the skill requirements of this level yet" in html and "尚未登记" not in html


# --- the holder's downloads ----------------------------------------------------------------------------

@pytest.mark.parametrize("persona,expected", [
    ("student_user", 200), ("org_a_user", 200), ("org_b_user", 404), ("shandong_institution_user", 404),
    ("social_learner_user", 404)])
def test_the_credential_page_is_scoped(request, as_user, issued, persona, expected):
    response = client_of(request, as_user, persona).get(reverse("issued:credential", args=[issued.number]))
    assert response.status_code == expected


def test_the_holder_downloads_the_open_badges_credential(as_user, student_user, issued, org_b_user):
    client = as_user(student_user)
    response = client.get(reverse("issued:credential_json", args=[issued.number]))
    assert response.status_code == 200 and "UTF-8''Web%E5%89%8D" in response["Content-Disposition"]
    body = json.loads(response.content)
    assert "OpenBadgeCredential" in body["type"] and issued.id_number not in response.content.decode()
    jwt = client.get(reverse("issued:credential_jwt", args=[issued.number]))
    assert jwt.status_code == 200 and jwt.content.count(b".") == 2
    assert as_user(org_b_user).get(reverse("issued:credential_json", args=[issued.number])).status_code == 404


def test_the_poster_is_a_png_of_the_expected_size(as_user, student_user, issued, org_a_user):
    response = as_user(student_user).get(reverse("issued:poster", args=[issued.number]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == poster.SIZE == (1080, 1440)
    # The poster belongs to the holder; the org takes the certificate from its own pages.
    assert as_user(org_a_user).get(reverse("issued:poster", args=[issued.number])).status_code == 404


def test_the_poster_font_draws_every_character_it_prints(issued):
    from fontTools.ttLib import TTCollection

    cmap = TTCollection(poster.BOLD_FONT_PATH, lazy=True).fonts[poster.SC_FACE].getBestCmap()
    text = "职业技能等级证书持证人发证机构日期编号微信扫码或长按识别查验真伪与状态" + issued.certificate.name + issued.org.name
    assert [c for c in text if ord(c) not in cmap] == []


def report_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_report_is_signed_and_has_chinese_text(as_user, student_user, issued, org_b_user, hubei_user):
    response = as_user(student_user).get(reverse("issued:report", args=[issued.number]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert "UTF-8''%E6%9F%A5%E9%AA%8C%E6%8A%A5%E5%91%8A" in response["Content-Disposition"]
    text = report_text(response.content)
    assert "查验报告" in text and "有效" in text and issued.org.name in text and issued.number in text
    assert "数字签名完好" in text  # the stored certificate PDF was checked
    assert issued.holder_name not in text and issued.id_number not in text
    check = signing.check_pdf(response.content)
    assert (check.signed, check.intact, check.by_issuer, check.whole_file) == (True, True, True, True)
    for refused in (org_b_user, hubei_user):
        assert as_user(refused).get(reverse("issued:report", args=[issued.number])).status_code == 404


def test_anyone_takes_the_report_from_a_public_page(client, as_user, student_user, issued):
    page = shared(as_user, student_user, issued)
    response = client.get(reverse("credential:public_report", args=[page.token]))
    assert response.status_code == 200 and signing.check_pdf(response.content).intact
    assert "查验报告" in report_text(response.content)


# --- verification counts -----------------------------------------------------------------------------

def count_today(issued) -> int:
    verification_counts_flush()  # lookups by number are tallied in Redis first, as the readers do
    row = VerificationCount.objects.filter(issued=issued, day=timezone.localdate()).first()
    return row.count if row else 0


def test_each_successful_lookup_counts_once_per_day_without_who(client, as_user, student_user, issued):
    client.post(reverse("verify:form"), {"number": issued.number, "name": issued.holder_name})
    client.get(reverse("verify:token", args=[issued.token]))
    client.post(reverse("verify:form"), {"number": issued.number, "name": "不是此人"})  # no match: not counted
    client.get(reverse("verify:token", args=["nothing"]))
    assert count_today(issued) == 2
    page = shared(as_user, student_user, issued)
    client.get(reverse("credential:public", args=[page.token]))
    assert count_today(issued) == 3
    assert VerificationCount.objects.count() == 1
    assert {f.name for f in VerificationCount._meta.get_fields()} == {"id", "issued", "day", "count"}


def test_the_org_sees_its_counts_and_no_one_else_does(as_user, issued, org_a_user, org_b_user, student_user,
                                                     hubei_institution_user):
    VerificationCount.objects.create(issued=issued, day=timezone.localdate(), count=7)
    VerificationCount.objects.create(issued=issued, day=timezone.localdate() - datetime.timedelta(days=40), count=99)
    url = reverse("issued:credential", args=[issued.number])
    html = as_user(org_a_user).get(url).content.decode()
    assert "查验次数" in html and "合计 7 次" in html and "<td>99</td>" not in html  # the last 30 days only
    assert as_user(org_b_user).get(url).status_code == 404
    for other in (student_user, hubei_institution_user):
        assert "查验次数" not in as_user(other).get(url).content.decode()


def test_the_org_sees_the_counts_of_all_its_certificates_per_day_and_per_certificate(
        request, as_user, issued, org_a_user, org_b_user, student_user, hubei_institution_user, hubei_user):
    today = timezone.localdate()
    VerificationCount.objects.create(issued=issued, day=today, count=7)
    VerificationCount.objects.create(issued=issued, day=today - datetime.timedelta(days=1), count=2)
    VerificationCount.objects.create(issued=issued, day=today - datetime.timedelta(days=40), count=99)
    url = reverse("issued:verifications")
    assert 'href="/certificates/verifications/"' in as_user(org_a_user).get(reverse("issued:index")).content.decode()
    html = as_user(org_a_user).get(url).content.decode()
    assert "共被查验 9 次" in html and issued.number in html and "Web前端开发" in html and ">7<" in html
    old_day = (today - datetime.timedelta(days=40)).strftime("%Y-%m-%d")
    assert ">99<" not in html and old_day not in html  # older than 30 days: left out
    assert issued.holder_name not in html and issued.id_number not in html
    other = as_user(org_b_user).get(url).content.decode()  # another org: its own (none), never org A's
    assert "共被查验 0 次" in other and issued.number not in other
    for persona in (student_user, hubei_institution_user, hubei_user):
        assert as_user(persona).get(url).status_code == 403
        assert 'href="/certificates/verifications/"' not in as_user(persona).get(reverse("issued:index")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_count_outside_a_transaction_commits_without_waiting_and_leaves_the_session_as_it_was(issued):
    from django.db import connection

    from certificates.credential.services import verification_counted

    def synchronous_commit():
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    before = synchronous_commit() if connection.vendor == "postgresql" else None
    verification_counted(issued_id=issued.pk)
    verification_counted(number=issued.number)
    assert count_today(issued) == 2
    if before is not None:
        assert synchronous_commit() == before
