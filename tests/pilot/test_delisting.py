"""Delisting (摘牌, issue 16): decided once (``organizations.supervision.selectors.org_standing``) and
enforced everywhere. Certificates issued before the delisting stay valid and candidates assessed
before its date still get theirs (with the seal in force then); anything assessed, amended, imported
or uploaded on or after it is refused naming the delisting, on the pages and the API alike; passes
that cannot be issued are held and shown on the waiting page with the replacing certificate."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.test import APIClient

from accounts.scoping import actor_for
from assessments.models import AssessmentSession, Result
from certificates.catalog.models import CertificateMajor
from certificates.catalog.selectors import replacement_candidates
from certificates.issuance.imports import COLUMNS
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.issuance.notes import request_note
from certificates.issuance.services import issuance_request_retry
from certificates.issuance.worker import issuance_run
from core.errors import AppError
from organizations.orgs.models import Org
from organizations.seals.models import OrgSeal
from organizations.seals.selectors import org_seal_current
from organizations.seals.services import org_seal_upload
from organizations.supervision.selectors import org_standing
from pilot.orchestration import org_delist_with_replacement
from tests.accounts.factories import PersonFactory, valid_id_number
from tests.assessments.factories import RegistrationFactory, ResultFactory, SessionFactory, SiteFactory
from tests.certificates.factories import (
    CertificateFactory,
    SelectionBatchFactory,
    certificate_with_levels,
    issuance_requests,
    seal_for,
)
from tests.organizations.factories import seal_upload
from tests.personas import sign_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def web(org_a):
    """Org A's Web前端开发 (batch 1) with its seal (version 1)."""
    seal_for(org_a)
    return certificate_with_levels(org=org_a, name="Web前端开发", code="X10001", field="信息技术",
                                   batch=SelectionBatchFactory(number=1))


@pytest.fixture
def replacement(org_b):
    return certificate_with_levels(org=org_b, name="Web应用软件测试", code="X40001", field="信息技术",
                                   batch=SelectionBatchFactory(number=4))


@pytest.fixture
def site(org_a, hubei):
    return SiteFactory(org=org_a, province=hubei, code="4201")


def delist(ministry_user, org, web, replacement):
    org_delist_with_replacement(actor=actor_for(ministry_user), org=org, reason="黄牌后仍未整改，予以摘牌",
                                replacements={web.pk: replacement.pk})
    org.refresh_from_db()
    web.refresh_from_db()


@pytest.fixture
def before(web, site, hubei_institution):
    """A session held yesterday (before the delisting), scored: two passes, one fail, not finalized."""
    session = SessionFactory(certificate=web, site=site, date=TODAY() - datetime.timedelta(days=1),
                             status=AssessmentSession.Status.CLOSED)
    for score in (85, 72, 40):
        ResultFactory(registration=RegistrationFactory(session=session, institution=hubei_institution), score=score)
    return session


@pytest.fixture
def after(web, site, hubei_institution):
    """A session held today, the day of the delisting: three candidates, no scores yet."""
    session = SessionFactory(certificate=web, site=site, date=TODAY(), status=AssessmentSession.Status.CLOSED)
    for _i in range(3):
        RegistrationFactory(session=session, institution=hubei_institution)
    return session


@pytest.fixture
def delisted(ministry_user, org_a, web, replacement):
    delist(ministry_user, org_a, web, replacement)
    return org_a


# --- the one decision --------------------------------------------------------------------------------

def test_the_standing_allows_what_is_dated_before_the_delisting_only(ministry_user, org_a, web, replacement):
    assert org_standing(org_a).allows(TODAY()) and org_standing(org_a).allows(TODAY() + datetime.timedelta(days=30))
    delist(ministry_user, org_a, web, replacement)
    standing = org_standing(org_a)
    assert standing.ended_on == TODAY()
    assert standing.allows(TODAY() - datetime.timedelta(days=1))
    assert not standing.allows(TODAY()) and not standing.allows(TODAY() + datetime.timedelta(days=1))
    today = TODAY()
    assert f"已于{today.year}年{today.month}月{today.day}日被教育部摘牌" in standing.refusal("assess")
    with pytest.raises(AppError) as refused:
        standing.check("amend")
    assert refused.value.code == "org_delisted" and org_a.name in refused.value.message


def test_an_org_out_of_the_pilot_without_a_recorded_time_may_do_nothing_new(org_a):
    Org.objects.filter(pk=org_a.pk).update(status=Org.Status.DELISTED, status_changed_at=None)
    standing = org_standing(org_a)
    assert standing.ended_on is None and not standing.allows(datetime.date(2000, 1, 1))
    assert "已被教育部摘牌" in standing.refusal("schedule")


# --- scheduling ----------------------------------------------------------------------------------------

def test_creating_a_session_names_the_delisting_on_the_page_and_the_api(as_user, org_a_user, delisted, web, site):
    client = as_user(org_a_user)
    page = client.get(reverse("assessments:session_create")).content.decode()
    assert "被教育部摘牌" in page and "不能开展新的考核" in page
    response = client.post(reverse("assessments:session_create"), {
        "certificate": web.pk, "level": "junior", "site": site.pk,
        "date": (TODAY() + datetime.timedelta(days=7)).isoformat(), "capacity": 30})
    body = response.content.decode()
    assert response.status_code == 200 and body.count("被教育部摘牌") == 1  # said once, not by banner and form both
    assert "选择一个有效的选项" not in body and "Select a valid choice" not in body
    api = post_json(as_user(org_a_user), "/api/v1/sessions", {
        "certificate": web.code, "level": "junior", "site": site.pk,
        "date": (TODAY() + datetime.timedelta(days=7)).isoformat(), "capacity": 30})
    assert api.status_code == 400 and "被教育部摘牌" in api.json()["detail"] and api.json()["code"] == "org_delisted"
    assert not AssessmentSession.objects.filter(date__gt=TODAY()).exists()


def test_a_suspended_certificate_is_named_too_instead_of_an_invalid_choice(as_user, org_a_user, web, site):
    web.status = "suspended"
    web.save()
    response = as_user(org_a_user).post(reverse("assessments:session_create"), {
        "certificate": web.pk, "level": "junior", "site": site.pk,
        "date": (TODAY() + datetime.timedelta(days=7)).isoformat(), "capacity": 30})
    assert "不能安排新的考核" in response.content.decode()


def test_registering_for_a_session_held_after_the_delisting_is_refused(as_user, hubei_institution_user, delisted,
                                                                       web, site):
    """Scheduled before the delisting, held after it: it could never be scored, so nobody registers."""
    session = SessionFactory(certificate=web, site=site, date=TODAY() + datetime.timedelta(days=7))
    rows = [{"id_number": valid_id_number(), "name": "学生甲", "major_name": "软件技术"}]
    api = post_json(as_user(hubei_institution_user), f"/api/v1/sessions/{session.pk}/registrations/bulk",
                    {"rows": rows})
    assert api.status_code == 400 and "不再接受报名" in api.json()["detail"] and "被教育部摘牌" in api.json()["detail"]
    assert not session.registrations.exists()


# --- scores, finalization, amendments -----------------------------------------------------------------

def test_scores_of_a_session_held_on_or_after_the_delisting_are_refused(as_user, org_a_user, delisted, after):
    registration = after.registrations.first()
    web_answer = as_user(org_a_user).post(reverse("assessments:result_edit", args=[registration.pk]), {"score": "90"})
    assert "被教育部摘牌" in web_answer.content.decode()
    api = post_json(as_user(org_a_user), f"/api/v1/sessions/{after.pk}/results/bulk",
                    {"rows": [{"registration": registration.pk, "score": "90"}]})
    assert api.status_code == 400 and "摘牌当日及以后举行的考核" in api.json()["detail"]
    assert not Result.objects.filter(registration__session=after).exists()


def test_a_session_held_after_the_delisting_cannot_be_finalized(as_user, org_a_user, delisted, after):
    for registration in after.registrations.all():  # scored before the rule existed
        ResultFactory(registration=registration, score=90)
    web_answer = as_user(org_a_user).post(reverse("assessments:session_finalize", args=[after.pk]), follow=True)
    assert "被教育部摘牌" in web_answer.content.decode()
    api = post_json(as_user(org_a_user), f"/api/v1/sessions/{after.pk}/finalize")
    assert api.status_code == 400 and "被教育部摘牌" in api.json()["detail"]
    after.refresh_from_db()
    assert after.status == AssessmentSession.Status.CLOSED
    assert not IssuanceRequest.objects.exists() and not IssuedCertificate.objects.exists()


def test_candidates_assessed_before_the_delisting_still_get_their_certificates(
        as_user, org_a_user, delisted, before, org_a):
    OrgSeal.objects.filter(org=org_a).update(uploaded_at=timezone.now() - datetime.timedelta(days=30))
    late = seal_for(org_a)  # a seal that reached the table after the delisting (before uploads were refused)
    assert late.version == 2 and org_seal_current(org_a).version == 1
    response = post_json(as_user(org_a_user), f"/api/v1/sessions/{before.pk}/finalize")
    assert response.status_code == 200 and response.json()["issuance_requests"] == 2
    assert issuance_run() == (2, False)
    issued = list(IssuedCertificate.objects.all())
    assert len(issued) == 2 and {c.status for c in issued} == {"valid"}
    assert {c.seal.version for c in issued} == {1}  # the seal in force at the delisting, never a later one


def test_amendments_after_the_delisting_are_refused_on_the_page_and_the_api(as_user, org_a_user, delisted, before):
    AssessmentSession.objects.filter(pk=before.pk).update(status="finalized")
    failed = Result.objects.get(registration__session=before, passed=False)
    web_answer = as_user(org_a_user).post(reverse("assessments:result_amend", args=[failed.pk]),
                                          {"score": "65", "reason": "复核后更正"})
    assert "不能再更正成绩" in web_answer.content.decode()
    api = post_json(as_user(org_a_user), f"/api/v1/results/{failed.pk}/amend", {"score": "65", "reason": "复核后更正"})
    assert api.status_code == 400 and "被教育部摘牌" in api.json()["detail"]
    failed.refresh_from_db()
    assert not failed.passed and not IssuanceRequest.objects.exists()


# --- the issuance worker and the waiting page -----------------------------------------------------------

def test_the_worker_holds_passes_assessed_after_the_delisting_and_issues_those_before(
        as_user, org_a_user, hubei_user, ministry_user, delisted, web, hubei, replacement):
    held = issuance_requests(certificate=web, province=hubei, people=[PersonFactory() for _ in range(3)])
    IssuanceRequest.objects.filter(pk__in=[r.pk for r in held]).update(passed_on=TODAY())
    earlier = issuance_requests(certificate=web, province=hubei, people=[PersonFactory()])
    IssuanceRequest.objects.filter(pk=earlier[0].pk).update(passed_on=TODAY() - datetime.timedelta(days=2))
    assert issuance_run() == (1, False)
    assert IssuedCertificate.objects.get().request_id == earlier[0].pk
    for request in IssuanceRequest.objects.filter(pk__in=[r.pk for r in held]):
        assert (request.status, request.block_code) == ("blocked", "delisted")
        assert "被教育部摘牌" in request_note(request)
    for user in (org_a_user, hubei_user, ministry_user):
        page = as_user(user).get(reverse("issued:waiting") + "?status=blocked").content.decode()
        assert "被教育部摘牌" in page and "Web应用软件测试" in page
        assert reverse("certificates:certificate_detail", args=[replacement.code]) in page
    export = as_user(ministry_user).get(reverse("issued:waiting") + "?export=xlsx")
    assert export.status_code == 200
    with pytest.raises(AppError, match="替换证书"):
        issuance_request_retry(actor=actor_for(ministry_user), request=IssuanceRequest.objects.get(pk=held[0].pk))
    assert IssuanceRequest.objects.get(pk=held[0].pk).status == "blocked"


# --- the import of earlier certificates ----------------------------------------------------------------

def xlsx(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("证书导出.xlsx", buffer.getvalue())


def test_importing_a_certificate_dated_on_or_after_the_delisting_is_refused(as_user, org_a_user, delisted, web,
                                                                          hubei):
    def row(number, day):
        return [number, "老学员", "居民身份证", valid_id_number(), web.code, "初级", "42", day, ""]

    refused = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx([
        row("S202000000001", TODAY() - datetime.timedelta(days=400)), row("S202000000002", TODAY())])})
    body = refused.content.decode()
    assert refused.status_code == 400 and "第 3 行" in body and "不能导入发证日期在摘牌当日及以后的证书" in body
    assert "第 2 行" not in body and not IssuedCertificate.objects.exists()
    accepted = as_user(org_a_user).post(reverse("issued:import"), {"xlsx": xlsx([
        row("S202000000001", TODAY() - datetime.timedelta(days=400))])})
    assert accepted.status_code == 302 and IssuedCertificate.objects.count() == 1


# --- seals ---------------------------------------------------------------------------------------------

def test_seal_uploads_after_the_delisting_are_refused_on_the_page_and_the_api(as_user, org_a_user, delisted):
    before = OrgSeal.objects.filter(org=delisted).count()
    with pytest.raises(AppError, match="不能再上传新的电子公章"):
        org_seal_upload(actor=actor_for(org_a_user), org=delisted, upload=seal_upload())
    assert "不能再上传新的电子公章" in as_user(org_a_user).get(f"/orgs/{delisted.pk}/seal/upload/").content.decode()
    page = as_user(org_a_user).post(f"/orgs/{delisted.pk}/seal/upload/", {"file": seal_upload(), "printed_mm": 40})
    assert page.content.decode().count("被教育部摘牌") == 1  # said once, not by the banner and the field both
    api = sign_in(APIClient(), org_a_user).post(f"/api/v1/orgs/{delisted.pk}/seals", {"file": seal_upload()},
                                                format="multipart")
    assert api.status_code == 400 and "被教育部摘牌" in api.json()["detail"]
    assert OrgSeal.objects.filter(org=delisted).count() == before


def test_the_org_page_says_why_no_new_seal_instead_of_offering_the_upload(as_user, org_a_user, org_b, org_b_user,
                                                                          delisted):
    page = as_user(org_a_user).get(f"/orgs/{delisted.pk}/").content.decode()
    assert "不能再上传新的电子公章" in page and f"/orgs/{delisted.pk}/seal/upload/" not in page
    still_in = as_user(org_b_user).get(f"/orgs/{org_b.pk}/").content.decode()
    assert f"/orgs/{org_b.pk}/seal/upload/" in still_in


# --- the replacement picker ----------------------------------------------------------------------------

@pytest.fixture
def many_candidates(web):
    """Later certificates: unrelated fields with low codes first, then related ones."""
    CertificateMajor.objects.create(certificate=web, major_name="软件技术")
    CertificateMajor.objects.create(certificate=web, major_name="计算机应用技术")
    batch4 = SelectionBatchFactory(number=4)
    unrelated = [CertificateFactory(batch=batch4, field="养老服务", code=f"A{i:04d}", name=f"老年照护{i}")
                 for i in range(5)]
    same_field = CertificateFactory(batch=batch4, field="信息技术", code="Z0001", name="数据库管理")
    both = CertificateFactory(batch=batch4, field="信息技术", code="Z0002", name="低代码开发")
    majors_only = CertificateFactory(batch=batch4, field="电子商务", code="B0001", name="电商视觉设计")
    for certificate, names in ((both, ["软件技术", "计算机应用技术"]), (same_field, ["物流管理"]),
                               (majors_only, ["软件技术"])):
        for name in names:
            CertificateMajor.objects.create(certificate=certificate, major_name=name)
    return unrelated, same_field, both, majors_only


def test_candidates_are_ordered_by_relevance_and_searchable(web, many_candidates):
    unrelated, same_field, both, majors_only = many_candidates
    ordered = list(replacement_candidates(web))
    assert ordered[:3] == [both, same_field, majors_only]  # same field (most majors shared first), then majors
    assert set(ordered[3:]) == set(unrelated)
    assert list(replacement_candidates(web, query="数据库")) == [same_field]
    assert list(replacement_candidates(web, query="软件技术")) == [both, majors_only]  # by major
    assert list(replacement_candidates(web, query="A0003")) == [unrelated[3]]


def test_the_delist_page_offers_the_most_related_first_and_searches_without_script(
        as_user, ministry_user, org_a, web, many_candidates):
    _unrelated, same_field, both, _majors_only = many_candidates
    client = as_user(ministry_user)
    page = client.get(f"/supervision/orgs/{org_a.pk}/delist/").content.decode()
    options = page[page.index(f'name="cert_{web.pk}"'):]
    assert options.index("低代码开发") < options.index("数据库管理") < options.index("老年照护0")
    searched = client.get(f"/supervision/orgs/{org_a.pk}/delist/", {"q": "数据库"}).content.decode()
    select = searched[searched.index(f'name="cert_{web.pk}"'):searched.index("</select>", searched.index(
        f'name="cert_{web.pk}"'))]
    assert "数据库管理" in select and "老年照护" not in select and "低代码开发" not in select
    response = client.post(f"/supervision/orgs/{org_a.pk}/delist/?q=数据库",
                           {"reason": "黄牌后仍未整改，予以摘牌", f"cert_{web.pk}": str(same_field.pk),
                            "acknowledged": "on"})
    assert response.status_code == 302
    web.refresh_from_db()
    assert web.replaced_by == same_field


# --- plans, rescheduling and reissues are new work too -------------------------------------------------

def test_a_plan_after_the_delisting_is_refused_online_by_file_and_over_the_api(as_user, org_a_user, delisted):
    from assessments.models import AssessmentPlan

    client = as_user(org_a_user)
    year = TODAY().year + 1
    data = {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "2000",
            "form-0-month": "9", "form-0-province": "42", "form-0-certificate": "X10001", "form-0-level": "junior",
            "form-0-planned_candidates": "50", "form-0-planned_sessions": "1"}
    page = client.post(f"/assessments/plans/edit/?year={year}", data).content.decode()
    assert "被教育部摘牌" in page and "不能再提交考核计划" in page and "选择一个有效的选项" not in page
    api = post_json(client, "/api/v1/assessment-plans", {"year": year, "rows": [
        {"month": 9, "province": "42", "certificate": "X10001", "level": "junior", "planned_candidates": 50,
         "planned_sessions": 1}]})
    assert api.status_code == 400 and api.json()["code"] == "org_delisted" and "被教育部摘牌" in api.json()["detail"]
    assert not AssessmentPlan.objects.exists()


def test_rescheduling_a_session_after_the_delisting_is_refused_naming_it(as_user, org_a_user, delisted, web, site):
    session = SessionFactory(certificate=web, site=site, date=TODAY() + datetime.timedelta(days=10))
    with pytest.raises(AppError) as error:
        from assessments.sessions.services import session_update

        session_update(actor=actor_for(org_a_user), session=session, date=TODAY() + datetime.timedelta(days=20),
                       capacity=session.capacity)
    assert error.value.code == "org_delisted" and "被教育部摘牌" in str(error.value.message)
    session.refresh_from_db()
    assert session.date == TODAY() + datetime.timedelta(days=10)
    page = as_user(org_a_user).get(reverse("assessments:session_edit", args=[session.pk])).content.decode()
    assert "被教育部摘牌" in page and "不能开展新的考核" in page


def test_a_reissue_after_the_delisting_is_refused_and_the_certificate_stays_valid(as_user, org_a_user, delisted,
                                                                                 before, org_a):
    OrgSeal.objects.filter(org=org_a).update(uploaded_at=timezone.now() - datetime.timedelta(days=30))
    assert post_json(as_user(org_a_user), f"/api/v1/sessions/{before.pk}/finalize").status_code == 200
    issuance_run()
    issued = IssuedCertificate.objects.order_by("pk").first()
    url = reverse("issued:detail", args=[issued.number])
    page = as_user(org_a_user).post(url, {"action": "reissue", "reissue-holder_name": issued.holder_name + "新",
                                          "reissue-reason": "身份证姓名更正"}).content.decode()
    assert "被教育部摘牌" in page and "不能再换发证书" in page
    issued.refresh_from_db()
    assert issued.version == 1 and issued.status == "valid"
