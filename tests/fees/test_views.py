import pytest

from fees.models import FeeStandard, FeeThread

pytestmark = pytest.mark.django_db


def _form(prefix="", **amounts):
    data = {f"{prefix}amount_{k}": v for k, v in amounts.items()}
    data[f"{prefix}note"] = "测算说明"
    return data


def test_org_proposes_through_the_form(as_user, org_a_user, web_certificate, hubei):
    client = as_user(org_a_user)
    assert "提出费用标准" in client.get("/fees/new/").content.decode()
    response = client.post("/fees/new/", {"certificate": web_certificate.pk, "level": "junior", "province": "42",
                                          **_form(question_bank="100", exam_system="120.50")})
    thread = FeeThread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fees/threads/{thread.pk}/"
    assert thread.versions.get().total == 220.5


def test_form_shows_the_cap_error_and_saves_nothing(as_user, org_a_user, web_certificate):
    response = as_user(org_a_user).post("/fees/new/", {"certificate": web_certificate.pk, "level": "junior",
                                                       "province": "42", **_form(question_bank="301")})
    assert response.status_code == 200 and "超过" in response.content.decode()
    assert not FeeThread.objects.exists()


def test_org_cannot_propose_for_another_orgs_certificate(as_user, org_b_user, web_certificate):
    response = as_user(org_b_user).post("/fees/new/", {"certificate": web_certificate.pk, "level": "junior",
                                                       "province": "42", **_form(question_bank="1")})
    assert response.status_code == 200 and not FeeThread.objects.exists()  # not offered in the form


@pytest.fixture
def thread(org_a_user, web_certificate, hubei):
    from accounts.scoping import actor_for
    from fees.services import fee_proposal_submit
    from tests.fees.conftest import items

    return fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                               province=hubei, items=items(question_bank="150", exam_system="100")).thread


def test_alliance_counters_and_province_verifies_in_the_browser_forms(as_user, thread, hubei_alliance_user, hubei_user):
    response = as_user(hubei_alliance_user).post(f"/fees/threads/{thread.pk}/", {
        "form": "answer", **_form("answer-", question_bank="120", exam_system="100")})
    assert response.status_code == 302
    page = as_user(hubei_user).get(f"/fees/threads/{thread.pk}/").content.decode()
    assert "changed" in page and "核定" in page
    version = thread.versions.order_by("-number").first()
    response = as_user(hubei_user).post(f"/fees/threads/{thread.pk}/", {
        "form": "verify", "version": version.pk, "effective_from": "2020-09-01"})
    assert response.status_code == 302
    assert FeeStandard.objects.get().amount == 220


@pytest.mark.parametrize("persona", ["shandong_user", "org_b_user", "shandong_institution_user"])
def test_other_scopes_do_not_see_the_thread(request, as_user, persona, thread):
    assert as_user(request.getfixturevalue(persona)).get(f"/fees/threads/{thread.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["hubei_institution_user", "student_user"])
def test_institutions_and_students_have_no_negotiation_pages(request, as_user, persona, thread):
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/fees/").status_code == 403
    assert client.get("/fees/new/").status_code == 403


def test_reading_roles_cannot_post(as_user, thread, ministry_user):
    response = as_user(ministry_user).post(f"/fees/threads/{thread.pk}/", {"form": "verify", "version": 1,
                                                                           "effective_from": "2020-09-01"})
    assert response.status_code == 403 and not FeeStandard.objects.exists()


def test_province_sees_waiting_time_and_exports(as_user, thread, hubei_user):
    client = as_user(hubei_user)
    assert "等待核定" in client.get("/fees/").content.decode()
    assert client.get("/fees/?export=xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")


def test_verified_standards_are_public(client, thread, hubei_user, as_user):
    version = thread.versions.get()
    as_user(hubei_user).post(f"/fees/threads/{thread.pk}/", {"form": "verify", "version": version.pk,
                                                             "effective_from": "2020-09-01"})
    client.logout()
    page = client.get("/fees/standards/?province=42").content.decode()
    assert "Web前端开发" in page and "250.00" in page and "纸笔考试" in page


def test_ministry_sees_waiting_proposals_per_province_with_the_longest_wait(as_user, thread, ministry_user,
                                                                           org_a_user, web_certificate, shandong):
    import datetime
    import io

    from django.utils import timezone
    from openpyxl import load_workbook

    from accounts.scoping import actor_for
    from fees.services import fee_proposal_submit
    from tests.fees.conftest import items

    FeeThread.objects.filter(pk=thread.pk).update(opened_at=timezone.now() - datetime.timedelta(days=45))
    fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior", province=shandong,
                        items=items(question_bank="100"))
    client = as_user(ministry_user)
    page = client.get("/fees/").content.decode()
    assert "各省等待核定" in page and "共 2 项等待核定" in page
    sheet = load_workbook(io.BytesIO(client.get("/fees/?export=waiting_provinces").content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [["湖北省", 1, 45], ["山东省", 1, 0]]
    sheet = load_workbook(io.BytesIO(client.get("/fees/?status=negotiating&export=xlsx").content)).active
    assert sorted(row[-1].value for row in sheet.iter_rows(min_row=2)) == [0, 45]


def test_a_province_sees_only_its_own_waiting_proposals_and_no_national_panel(as_user, thread, hubei_user,
                                                                             shandong_user):
    page = as_user(hubei_user).get("/fees/").content.decode()
    assert "共 1 项等待核定" in page and "各省等待核定" not in page
    assert as_user(hubei_user).get("/fees/?export=waiting_provinces").status_code == 200  # empty for a province
    assert "项等待核定" not in as_user(shandong_user).get("/fees/").content.decode()
