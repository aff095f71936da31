"""Every credit-bank page, tried by the right persona and by the wrong ones: outside the scope 404,
a role that may not do it 403, anonymous visitors sent to sign in."""

import pytest
from django.urls import reverse

from credit_bank.models import Conversion, ConversionPolicy, ConversionRule, RecognizedOutcome, Transcript
from tests.credit_bank.factories import request_conversion

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def conversion(outcome, rule, student_user):
    return request_conversion(student_user, outcome, rule)


def client_for(request, as_user, persona):
    if persona == "anonymous":
        return request.getfixturevalue("client")
    return as_user(request.getfixturevalue(persona))


def get(request, as_user, persona, url):
    return client_for(request, as_user, persona).get(url)


def post(request, as_user, persona, url, data=None):
    return client_for(request, as_user, persona).post(url, data or {})


# --- the student's pages --------------------------------------------------------------------------

@pytest.mark.parametrize("persona,expected", [
    ("student_user", 200), ("social_learner_user", 200), ("hubei_institution_user", 403), ("ministry_user", 403),
    ("org_a_user", 403), ("anonymous", 302)])
def test_my_account(request, as_user, conversion, persona, expected):
    response = get(request, as_user, persona, reverse("credit:account"))
    assert response.status_code == expected
    if persona == "student_user":
        html = response.content.decode()
        assert conversion.outcome.number in html and "Web前端开发基础" in html and "待审核" in html
    if persona == "social_learner_user":
        assert "还没有学习成果" in response.content.decode()


@pytest.mark.parametrize("persona,expected", [
    ("student_user", 200), ("social_learner_user", 404), ("hubei_institution_user", 403), ("ministry_user", 403),
    ("anonymous", 302)])
def test_the_conversion_form(request, as_user, outcome, rule, persona, expected):
    response = get(request, as_user, persona, reverse("credit:convert", args=[outcome.pk]))
    assert response.status_code == expected
    if expected == 404:
        assert "不在您的学习账户中" in response.content.decode()


def test_the_student_asks_through_the_form(as_user, student_user, outcome, rule):
    client = as_user(student_user)
    page = client.get(reverse("credit:convert", args=[outcome.pk])).content.decode()
    assert "WEB101 Web前端开发基础" in page
    response = client.post(reverse("credit:convert", args=[outcome.pk]), {"rule": rule.pk, "note": "请审核"})
    assert response.status_code == 302 and response["Location"] == reverse("credit:account")
    conversion = Conversion.objects.get()
    assert conversion.note == "请审核" and conversion.status == "requested"
    # The course is taken now: the form offers nothing more and a forged post is refused, nothing saved.
    again = client.post(reverse("credit:convert", args=[outcome.pk]), {"rule": rule.pk})
    assert again.status_code == 200 and Conversion.objects.count() == 1
    assert "没有可申请的转换规则" in again.content.decode()


@pytest.mark.parametrize("persona,expected", [
    ("student_user", 302), ("social_learner_user", 404), ("hubei_institution_user", 403), ("anonymous", 302)])
def test_withdrawing_a_request(request, as_user, conversion, persona, expected):
    response = post(request, as_user, persona, reverse("credit:conversion_withdraw", args=[conversion.pk]))
    assert response.status_code == expected
    conversion.refresh_from_db()
    assert conversion.status == ("withdrawn" if persona == "student_user" else "requested")


def test_the_transcript_pages(as_user, client, student_user, social_learner_user, hubei_institution_user, outcome):
    student = as_user(student_user)
    response = student.post(reverse("credit:transcript_issue"))
    transcript = Transcript.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("credit:transcript_pdf",
                                                                           args=[transcript.number])
    pdf = student.get(response["Location"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf["Content-Disposition"]
    assert student.get(reverse("credit:transcript_issue")).status_code == 405  # issuing is a POST
    learner = as_user(social_learner_user)
    assert learner.get(reverse("credit:transcript_pdf", args=[transcript.number])).status_code == 404
    assert learner.post(reverse("credit:transcript_withdraw", args=[transcript.number])).status_code == 404
    refused = learner.post(reverse("credit:transcript_issue"), follow=True)
    assert "还没有学习成果" in refused.content.decode() and Transcript.objects.count() == 1
    institution = as_user(hubei_institution_user)
    assert institution.get(reverse("credit:transcript_pdf", args=[transcript.number])).status_code == 403
    assert institution.post(reverse("credit:transcript_issue")).status_code == 403
    client.logout()
    assert client.get(reverse("credit:transcript_pdf", args=[transcript.number])).status_code == 302

    # The share link: public, masked, no ID number; withdrawn by the student.
    public = client.get(reverse("credit:transcript_verify", args=[transcript.token]))
    html = public.content.decode()
    assert public.status_code == 200 and "李*明" in html and "李小明" not in html
    assert student_user.person.id_number not in html and "Web前端开发" in html
    assert client.get(reverse("credit:transcript_verify", args=["guessed-token"])).status_code == 404
    assert as_user(student_user).post(reverse("credit:transcript_withdraw", args=[transcript.number])).status_code == 302
    client.logout()
    assert "已停止分享" in client.get(reverse("credit:transcript_verify", args=[transcript.token])).content.decode()


# --- staff pages -----------------------------------------------------------------------------------

SEES = ["ministry_user", "hubei_user", "hubei_agency_user", "hubei_alliance_user", "hubei_institution_user"]
SEES_NOT = ["shandong_user", "shandong_institution_user"]
REFUSED = [("org_a_user", 403), ("student_user", 403), ("anonymous", 302)]


@pytest.mark.parametrize("persona", SEES + SEES_NOT)
def test_the_hub(request, as_user, conversion, persona):
    html = get(request, as_user, persona, reverse("credit:index")).content.decode()
    assert ("待审核 1 件" in html) == (persona in SEES)


@pytest.mark.parametrize("persona,expected", REFUSED)
def test_the_hub_refuses_others(request, as_user, persona, expected):
    response = get(request, as_user, persona, reverse("credit:index"))
    if persona == "student_user":
        assert response.status_code == 302 and response["Location"] == reverse("credit:account")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("url_name", ["credit:outcomes", "credit:rules", "credit:requests"])
@pytest.mark.parametrize("persona", SEES + SEES_NOT)
def test_staff_lists_show_only_the_scope(request, as_user, conversion, url_name, persona):
    response = get(request, as_user, persona, reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    marker = {"credit:outcomes": conversion.outcome.number, "credit:rules": "WEB101",
              "credit:requests": "Web前端开发基础"}[url_name]
    assert (marker in html) == (persona in SEES)
    export = get(request, as_user, persona, reverse(url_name) + "?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"] == XLSX


@pytest.mark.parametrize("url_name", ["credit:outcomes", "credit:rules", "credit:requests", "credit:catalog"])
@pytest.mark.parametrize("persona,expected", REFUSED)
def test_staff_lists_refuse_other_roles(request, as_user, url_name, persona, expected):
    assert get(request, as_user, persona, reverse(url_name)).status_code == expected


def test_id_numbers_are_full_for_the_institution_and_masked_for_the_province(as_user, conversion, student_user,
                                                                            hubei_institution_user, hubei_user):
    number = student_user.person.id_number
    assert number in as_user(hubei_institution_user).get(reverse("credit:outcomes")).content.decode()
    province = as_user(hubei_user).get(reverse("credit:outcomes")).content.decode()
    assert number not in province and number[-4:] in province
    assert number not in as_user(hubei_user).get(reverse("credit:request_detail", args=[conversion.pk])).content.decode()


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 200), ("hubei_alliance_user", 200), ("ministry_user", 403), ("hubei_user", 403),
    ("shandong_institution_user", 200), ("org_a_user", 403), ("student_user", 403), ("anonymous", 302)])
def test_the_rule_form_is_for_institutions_and_alliances(request, as_user, enrolled, persona, expected):
    assert get(request, as_user, persona, reverse("credit:rule_create")).status_code == expected


def test_an_institution_creates_a_rule_through_the_form(as_user, hubei_institution_user, hubei_institution, certificate,
                                                        enrolled):
    client = as_user(hubei_institution_user)
    form = {"institution": hubei_institution.pk, "major": f"{hubei_institution.pk}|软件技术",
            "certificate": certificate.pk, "level": "junior", "course_code": "WEB101", "course_name": "Web前端开发基础",
            "course_credits": "2", "course_type": "major_basic"}
    too_many = client.post(reverse("credit:rule_create"), {**form, "course_credits": "3"})
    assert too_many.status_code == 200 and "超过学分银行对该证书初级认定的 2.0 学分" in too_many.content.decode()
    other_major = client.post(reverse("credit:rule_create"), {**form, "major": f"{hubei_institution.pk}|护理"})
    assert "不在可用的选项中" in other_major.content.decode()  # only majors the institution runs are offered
    assert not ConversionRule.objects.exists()
    response = client.post(reverse("credit:rule_create"), form)
    rule = ConversionRule.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("credit:rule_detail", args=[rule.pk])


@pytest.mark.parametrize("persona,expected", [
    ("ministry_user", 200), ("hubei_user", 200), ("hubei_institution_user", 200), ("hubei_alliance_user", 200),
    ("shandong_user", 404), ("shandong_institution_user", 404), ("org_a_user", 403), ("student_user", 403)])
def test_rule_detail_scopes(request, as_user, rule, persona, expected):
    assert get(request, as_user, persona, reverse("credit:rule_detail", args=[rule.pk])).status_code == expected


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 302), ("hubei_alliance_user", 302), ("ministry_user", 403), ("hubei_user", 403),
    ("shandong_institution_user", 404), ("student_user", 403)])
def test_changing_a_rule(request, as_user, rule, persona, expected):
    response = post(request, as_user, persona, reverse("credit:rule_detail", args=[rule.pk]), {
        "action": "change", "change-course_name": "Web前端开发基础（2026版）", "change-course_credits": "2",
        "change-course_type": "major_core", "change-note": "课程调整"})
    assert response.status_code == expected
    rule.refresh_from_db()
    assert rule.current.version == (2 if expected == 302 else 1)


def test_withdrawing_a_rule_through_the_page(as_user, hubei_institution_user, rule):
    client = as_user(hubei_institution_user)
    empty = client.post(reverse("credit:rule_detail", args=[rule.pk]), {"action": "withdraw", "withdraw-reason": ""})
    assert empty.status_code == 200
    client.post(reverse("credit:rule_detail", args=[rule.pk]), {"action": "withdraw", "withdraw-reason": "专业停招"})
    rule.refresh_from_db()
    assert rule.status == "withdrawn"


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 200), ("hubei_alliance_user", 200), ("ministry_user", 403), ("hubei_user", 403),
    ("student_user", 403), ("org_a_user", 403)])
def test_the_limits_page(request, as_user, hubei_institution, persona, expected):
    assert get(request, as_user, persona, reverse("credit:policy")).status_code == expected


def test_setting_limits_through_the_page(as_user, hubei_institution_user, hubei_institution, shandong_institution):
    client = as_user(hubei_institution_user)
    bad = client.post(reverse("credit:policy"), {"institution": hubei_institution.pk, "max_certificates_per_course": 9,
                                                 "max_credits_per_certificate": "8"})
    assert "1 到 5" in bad.content.decode() and not ConversionPolicy.objects.exists()
    client.post(reverse("credit:policy"), {"institution": hubei_institution.pk, "max_certificates_per_course": 2,
                                           "max_credits_per_certificate": "6"})
    assert ConversionPolicy.objects.get().max_certificates_per_course == 2
    # Naming another institution changes nothing: the page only offers the actor's own.
    client.post(reverse("credit:policy"), {"institution": shandong_institution.pk, "max_certificates_per_course": 3,
                                           "max_credits_per_certificate": "6"})
    assert not ConversionPolicy.objects.filter(institution=shandong_institution).exists()


@pytest.mark.parametrize("persona,expected", [
    ("ministry_user", 200), ("hubei_user", 200), ("hubei_agency_user", 200), ("hubei_institution_user", 200),
    ("hubei_alliance_user", 200), ("shandong_user", 404), ("shandong_institution_user", 404), ("org_a_user", 403),
    ("student_user", 403)])
def test_request_detail_scopes(request, as_user, conversion, persona, expected):
    assert get(request, as_user, persona, reverse("credit:request_detail", args=[conversion.pk])).status_code == expected


@pytest.mark.parametrize("persona,expected", [
    ("hubei_institution_user", 302), ("hubei_alliance_user", 302), ("ministry_user", 403), ("hubei_user", 403),
    ("shandong_institution_user", 404), ("student_user", 403)])
def test_approving_through_the_page(request, as_user, conversion, persona, expected):
    response = post(request, as_user, persona, reverse("credit:request_detail", args=[conversion.pk]),
                    {"action": "approve", "approve-credits": "2"})
    assert response.status_code == expected
    conversion.refresh_from_db()
    assert conversion.status == ("approved" if expected == 302 else "requested")


def test_declining_through_the_page_needs_a_reason(as_user, hubei_institution_user, conversion):
    client = as_user(hubei_institution_user)
    url = reverse("credit:request_detail", args=[conversion.pk])
    assert client.post(url, {"action": "decline", "decline-reason": ""}).status_code == 200
    conversion.refresh_from_db()
    assert conversion.status == "requested"
    too_many = client.post(url, {"action": "approve", "approve-credits": "5"})
    assert "不超过规则规定的课程学分" in too_many.content.decode()
    client.post(url, {"action": "decline", "decline-reason": "请先完成校内考核"})
    conversion.refresh_from_db()
    assert conversion.status == "declined"


@pytest.mark.parametrize("persona", SEES + SEES_NOT)
def test_the_catalog_is_read_by_all_staff(request, as_user, certificate, persona):
    response = get(request, as_user, persona, reverse("credit:catalog"))
    assert response.status_code == 200 and certificate.name in response.content.decode()
    assert get(request, as_user, persona, reverse("credit:catalog") + "?export=xlsx")["Content-Type"] == XLSX


@pytest.mark.parametrize("persona,expected", [
    ("ministry_user", 200), ("hubei_user", 403), ("hubei_institution_user", 403), ("student_user", 403),
    ("org_a_user", 403), ("anonymous", 302)])
def test_only_the_ministry_edits_the_catalog(request, as_user, certificate, persona, expected):
    url = reverse("credit:catalog_edit", args=[certificate.pk, "junior"])
    assert get(request, as_user, persona, url).status_code == expected
    response = post(request, as_user, persona, url, {"credits": "3", "reason": "上调"})
    assert response.status_code == (302 if expected == 200 else expected)
    assert RecognizedOutcome.objects.filter(credits=3).exists() == (expected == 200)


@pytest.mark.parametrize("persona,expected", [
    ("ministry_user", 200), ("hubei_user", 200), ("hubei_agency_user", 200), ("shandong_user", 200),
    ("hubei_institution_user", 403), ("hubei_alliance_user", 403), ("org_a_user", 403), ("student_user", 403),
    ("anonymous", 302)])
def test_statistics_scopes(request, as_user, conversion, persona, expected):
    response = get(request, as_user, persona, reverse("credit:stats"))
    assert response.status_code == expected
    if expected == 200:
        html = response.content.decode()
        assert ("湖北省" in html) == (persona != "shandong_user")
        for table in ("province", "certificate", "major"):
            export = get(request, as_user, persona, reverse("credit:stats") + f"?export={table}")
            assert export.status_code == 200 and export["Content-Type"] == XLSX


def test_a_transcript_missing_on_disk_is_a_clear_410(as_user, student_user, outcome):
    student = as_user(student_user)
    student.post(reverse("credit:transcript_issue"))
    transcript = Transcript.objects.get()
    transcript.pdf.storage.delete(transcript.pdf.name)
    response = student.get(reverse("credit:transcript_pdf", args=[transcript.number]))
    assert response.status_code == 410 and "文件在服务器上缺失" in response.content.decode()
