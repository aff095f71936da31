"""Sites and sessions (考点 / 考核批次): the org schedules, changes, closes and cancels; who sees
which session; the roster; absences. Every page tried by the right role and the wrong ones."""

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from assessments.models import AssessmentSession, Registration
from assessments.sessions import selectors, services
from certificates.catalog.models import Certificate
from core.errors import AppError, Forbidden, NotInScope
from organizations.orgs.models import Org
from tests.assessments.factories import RegistrationFactory, ResultFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


@pytest.fixture
def site(org_a, hubei):
    return SiteFactory(org=org_a, code="0001", name="武汉职业技术学院考点", province=hubei)


@pytest.fixture
def session(certificate, site):
    return SessionFactory(certificate=certificate, site=site, date=TODAY() + datetime.timedelta(days=10))


@pytest.fixture
def shandong_session(other_certificate, shandong):
    return SessionFactory(certificate=other_certificate, site=SiteFactory(org=other_certificate.org, province=shandong),
                          date=TODAY() + datetime.timedelta(days=10))


# --- sites ---------------------------------------------------------------------------------------

def test_an_org_records_a_site_and_its_code_is_unique(actor, org_a_user, hubei):
    site = services.site_create(actor=actor(org_a_user), code="42a1", name="湖北考点", province=hubei, address="武汉市")
    assert site.code == "42A1" and site.org.name == "甲培训评价组织"
    assert AuditEntry.objects.filter(action="site.created", object_id=str(site.pk)).exists()
    with pytest.raises(AppError, match="已有代码为 42A1"):
        services.site_create(actor=actor(org_a_user), code="42A1", name="另一考点", province=hubei, address="武汉市")
    with pytest.raises(AppError, match="4 到 8 位"):
        services.site_create(actor=actor(org_a_user), code="4-2", name="坏代码", province=hubei, address="武汉市")


def test_only_an_org_records_sites(actor, hubei_institution_user, hubei):
    with pytest.raises(Forbidden):
        services.site_create(actor=actor(hubei_institution_user), code="0009", name="考点", province=hubei, address="x")


def test_a_site_of_another_org_cannot_be_changed(actor, org_b_user, site, hubei):
    with pytest.raises(NotInScope):
        services.site_update(actor=actor(org_b_user), site=site, name="改名", province=hubei, address="x")


# --- scheduling ------------------------------------------------------------------------------------

def test_an_org_schedules_a_session_of_its_published_certificate(actor, org_a_user, certificate, site):
    date = TODAY() + datetime.timedelta(days=30)
    session = services.session_create(actor=actor(org_a_user), certificate=certificate, level="senior", site=site,
                                      date=date, capacity=40, start_time=datetime.time(9), examiners="王考评")
    assert session.assessment_type == "practical_general"  # from the level, not chosen
    assert session.province_id == "42" and session.status == AssessmentSession.Status.SCHEDULED
    assert AuditEntry.objects.get(action="session.created").object_id == str(session.pk)


@pytest.mark.parametrize(("change", "message"), [
    ("past", "不能早于今天"), ("capacity", "容量应为"), ("level", "没有“高级”等级"), ("suspended", "不能安排新的考核"),
    ("delisted", "不能开展新的考核"),
])
def test_scheduling_refusals(actor, org_a_user, org_a, certificate, site, change, message):
    kwargs = {"certificate": certificate, "level": "junior", "site": site, "date": TODAY(), "capacity": 30}
    if change == "past":
        kwargs["date"] = TODAY() - datetime.timedelta(days=1)
    elif change == "capacity":
        kwargs["capacity"] = 0
    elif change == "level":
        certificate.levels.filter(level="senior").delete()
        kwargs["level"] = "senior"
    elif change == "suspended":
        Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.SUSPENDED)
        certificate.refresh_from_db()
    elif change == "delisted":
        Org.objects.filter(pk=org_a.pk).update(status=Org.Status.DELISTED)
        certificate.org.refresh_from_db()
    with pytest.raises(AppError, match=message):
        services.session_create(actor=actor(org_a_user), **kwargs)
    assert not AssessmentSession.objects.exists()


def test_another_orgs_certificate_or_site_is_out_of_scope(actor, org_b_user, org_b, certificate, other_certificate,
                                                          site):
    with pytest.raises(NotInScope):
        services.session_create(actor=actor(org_b_user), certificate=certificate, level="junior",
                                site=SiteFactory(org=org_b), date=TODAY(), capacity=5)
    with pytest.raises(NotInScope):
        services.session_create(actor=actor(org_b_user), certificate=other_certificate, level="junior", site=site,
                                date=TODAY(), capacity=5)


def test_capacity_cannot_fall_below_the_registered(actor, org_a_user, session):
    RegistrationFactory.create_batch(3, session=session)
    with pytest.raises(AppError, match="已有 3 名考生报名"):
        services.session_update(actor=actor(org_a_user), session=session, date=session.date, capacity=2)
    moved = services.session_update(actor=actor(org_a_user), session=session, date=session.date + datetime.timedelta(1),
                                    capacity=3)
    assert moved.capacity == 3
    assert set(Registration.objects.values_list("session_date", flat=True)) == {moved.date}


def test_close_reopen_and_cancel(actor, org_a_user, session):
    registration = RegistrationFactory(session=session)
    services.session_registration_set(actor=actor(org_a_user), session=session, open=False)
    session.refresh_from_db()
    assert session.status == AssessmentSession.Status.CLOSED
    services.session_registration_set(actor=actor(org_a_user), session=session, open=True)
    with pytest.raises(AppError, match="说明原因"):
        services.session_cancel(actor=actor(org_a_user), session=session, reason=" ")
    services.session_cancel(actor=actor(org_a_user), session=session, reason="考点停电")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert AuditEntry.objects.get(action="session.cancelled").note == "考点停电"


def test_a_session_with_results_cannot_be_cancelled(actor, org_a_user, certificate, site):
    session = SessionFactory(certificate=certificate, site=site)
    ResultFactory(registration=RegistrationFactory(session=session))
    with pytest.raises(AppError, match="已录入成绩"):
        services.session_cancel(actor=actor(org_a_user), session=session, reason="x")


# --- pages -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "sees_hubei", "sees_shandong"), [
    ("ministry_user", True, True), ("hubei_user", True, False), ("shandong_user", False, True),
    ("org_a_user", True, False), ("org_b_user", False, True),
    # Institutions and students also see every session open for registration.
    ("hubei_institution_user", True, True), ("student_user", True, True),
])
def test_each_role_sees_the_sessions_of_its_scope(request, as_user, session, shandong_session, persona, sees_hubei,
                                                  sees_shandong):
    response = as_user(request.getfixturevalue(persona)).get("/assessments/sessions/")
    listed = {s.pk for s in response.context["page"]}
    assert (session.pk in listed) is sees_hubei and (shandong_session.pk in listed) is sees_shandong


def test_a_closed_session_is_visible_to_an_institution_only_with_its_students(as_user, hubei_institution_user,
                                                                              hubei_institution, session):
    AssessmentSession.objects.filter(pk=session.pk).update(status=AssessmentSession.Status.CLOSED)
    client = as_user(hubei_institution_user)
    assert client.get(f"/assessments/sessions/{session.pk}/").status_code == 404
    RegistrationFactory(session=session, institution=hubei_institution)
    assert client.get(f"/assessments/sessions/{session.pk}/").status_code == 200


@pytest.mark.parametrize(("persona", "status"), [("org_b_user", 404), ("shandong_user", 404), ("org_a_user", 200),
                                                 ("hubei_agency_user", 200)])
def test_session_page_scope(request, as_user, session, persona, status):
    AssessmentSession.objects.filter(pk=session.pk).update(status=AssessmentSession.Status.CLOSED)
    assert as_user(request.getfixturevalue(persona)).get(f"/assessments/sessions/{session.pk}/").status_code == status


def test_the_org_schedules_through_the_form(as_user, org_a_user, certificate, site):
    client = as_user(org_a_user)
    assert client.get("/assessments/sessions/new/").status_code == 200
    response = client.post("/assessments/sessions/new/", {
        "certificate": certificate.pk, "level": "junior", "site": site.pk,
        "date": (TODAY() + datetime.timedelta(days=5)).isoformat(), "capacity": "50", "examiners": "王考评"})
    session = AssessmentSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assessments/sessions/{session.pk}/"
    bad = client.post("/assessments/sessions/new/", {
        "certificate": certificate.pk, "level": "junior", "site": site.pk, "date": "2019-01-01", "capacity": "50"})
    assert bad.status_code == 200 and "考核日期不能早于今天" in bad.content.decode()


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_institution_user", "student_user", "ministry_user"])
def test_other_roles_may_not_schedule_or_edit(request, as_user, persona, session):
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/assessments/sessions/new/").status_code == 403
    assert client.get(f"/assessments/sessions/{session.pk}/edit/").status_code in (403, 404)
    assert client.post(f"/assessments/sessions/{session.pk}/cancel/", {"reason": "x"}).status_code in (403, 404)
    assert client.post(f"/assessments/sessions/{session.pk}/registration/", {"open": "0"}).status_code in (403, 404)


def test_another_org_may_not_edit(as_user, org_b_user, session):
    client = as_user(org_b_user)
    assert client.get(f"/assessments/sessions/{session.pk}/edit/").status_code == 404
    assert client.post(f"/assessments/sessions/{session.pk}/cancel/", {"reason": "x"}).status_code == 404


def test_the_org_edits_closes_and_cancels_through_the_pages(as_user, org_a_user, session, site):
    client = as_user(org_a_user)
    response = client.post(f"/assessments/sessions/{session.pk}/edit/", {
        "site": site.pk, "date": session.date.isoformat(), "capacity": "12", "start_time": "09:30"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.capacity == 12 and session.start_time == datetime.time(9, 30)
    client.post(f"/assessments/sessions/{session.pk}/registration/", {"open": "0"})
    session.refresh_from_db()
    assert session.status == "closed"
    client.post(f"/assessments/sessions/{session.pk}/cancel/", {"reason": "报名不足"})
    session.refresh_from_db()
    assert session.status == "cancelled"


def test_the_roster_is_the_orgs_with_full_id_numbers(as_user, org_a_user, org_b_user, hubei_institution_user,
                                                      hubei_institution, session):
    registration = RegistrationFactory(session=session, institution=hubei_institution)
    response = as_user(org_a_user).get(f"/assessments/sessions/{session.pk}/roster.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][3] == registration.person.name and rows[1][5] == registration.person.id_number
    assert as_user(org_b_user).get(f"/assessments/sessions/{session.pk}/roster.xlsx").status_code == 404
    assert as_user(hubei_institution_user).get(f"/assessments/sessions/{session.pk}/roster.xlsx").status_code == 403


def test_session_list_exports(as_user, org_a_user, session):
    response = as_user(org_a_user).get("/assessments/sessions/?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "Web前端开发" and rows[1][2] == "初级"


def test_sites_pages(as_user, org_a_user, hubei_institution_user, org_b_user, site, hubei):
    client = as_user(org_a_user)
    assert site.name in client.get("/assessments/sites/").content.decode()
    response = client.post("/assessments/sites/new/", {"code": "0102", "name": "新考点", "province": hubei.pk,
                                                       "address": "武汉市江夏区"})
    assert response.status_code == 302
    response = client.post(f"/assessments/sites/{site.pk}/edit/", {"name": "改名考点", "province": hubei.pk,
                                                                   "address": "武汉市", "active": "on"})
    site.refresh_from_db()
    assert response.status_code == 302 and site.name == "改名考点"
    assert as_user(hubei_institution_user).get("/assessments/sites/").status_code == 403
    assert as_user(hubei_institution_user).get("/assessments/sites/new/").status_code == 403
    assert as_user(org_b_user).get(f"/assessments/sites/{site.pk}/edit/").status_code == 404


def test_the_org_is_reminded_of_held_sessions_to_finalize(as_user, org_a_user, certificate, site):
    SessionFactory(certificate=certificate, site=site, date=timezone.localdate() - datetime.timedelta(days=3))
    page = as_user(org_a_user).get("/").content.decode()
    assert "已考核、成绩待确认的考核批次" in page


# --- one access decision (issue 13): the session's own, asked by every feature above it --------------

SEES = {"see_examiners", "see_summary", "see_registrations"}


@pytest.mark.parametrize(("persona", "may"), [
    ("org_a_user", {"edit", "manage_registration", "cancel", "enter_results", "finalize", "export_roster", *SEES}),
    ("hubei_institution_user", {"register", *SEES}), ("hubei_alliance_user", SEES), ("hubei_user", SEES),
    ("ministry_user", SEES), ("student_user", {"self_register"}),
])
def test_what_each_role_may_do_with_a_session(request, actor, persona, may, session):
    assert selectors.session_access(actor(request.getfixturevalue(persona)), session.pk).may == may


@pytest.mark.parametrize("persona", ["org_b_user", "shandong_user", "shandong_institution_user"])
def test_a_session_outside_the_scope_is_not_found(request, actor, persona, session):
    AssessmentSession.objects.filter(pk=session.pk).update(status="closed")  # not open: no longer for everyone
    with pytest.raises(NotInScope):
        selectors.session_access(actor(request.getfixturevalue(persona)), session.pk)


def test_the_session_page_shows_each_role_only_what_it_may_do(as_user, org_a_user, hubei_user, student_user,
                                                              session):
    AssessmentSession.objects.filter(pk=session.pk).update(examiners="王考评")
    own = as_user(org_a_user).get(f"/assessments/sessions/{session.pk}/").content.decode()
    assert f"/assessments/sessions/{session.pk}/cancel/" in own and "王考评" in own
    staff = as_user(hubei_user).get(f"/assessments/sessions/{session.pk}/").content.decode()
    assert f"/assessments/sessions/{session.pk}/cancel/" not in staff and "王考评" in staff
    candidate = as_user(student_user).get(f"/assessments/sessions/{session.pk}/").content.decode()
    assert "王考评" not in candidate and f"/assessments/sessions/{session.pk}/self-register/" in candidate
