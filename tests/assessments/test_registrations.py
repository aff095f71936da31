"""Registration (报名): an institution's file (all or nothing) and form, a social learner's own
registration, name mismatches, capacity (also under concurrency, on PostgreSQL), new student
accounts with one-time codes, the admission ticket; every page tried by the wrong roles."""

import datetime
import io
import threading
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts.bulk_people import person_accounts_create_many
from accounts.identity import mask_id_number
from accounts.models import AuditEntry, Person, PersonName, User
from accounts.scoping import actor_for
from accounts.services import account_activate
from assessments.models import AssessmentSession, Registration
from assessments.registrations import selectors as registrations_selectors
from assessments.registrations import services
from core.errors import AppError, Forbidden, NotInScope
from core.tabular.schema import TabularError
from organizations.institutions.models import Enrolment
from tests.accounts.factories import PersonFactory, UserFactory, valid_id_number
from tests.assessments.factories import RegistrationFactory, ResultFactory, SessionFactory, SiteFactory

pytestmark = pytest.mark.django_db

HEADERS = ["证件类型", "证件号码", "姓名", "专业代码", "专业名称"]


def xlsx_upload(rows, *, headers=HEADERS, name="报名.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def students(n, birth=datetime.date(2003, 3, 1)):
    return [["居民身份证", valid_id_number(birth), f"学生{i}", "510203", "软件技术"] for i in range(n)]


@pytest.fixture
def session(certificate, org_a, hubei):
    return SessionFactory(certificate=certificate, site=SiteFactory(org=org_a, province=hubei, code="0001"),
                          date=datetime.date.today() + datetime.timedelta(days=7), capacity=30)


# --- the institution's file --------------------------------------------------------------------

def test_an_institution_registers_students_from_a_file(actor, hubei_institution_user, hubei_institution, session):
    rows = students(3)
    known = PersonFactory(id_number=rows[0][1], name="学生0")
    outcome = services.registrations_import(actor=actor(hubei_institution_user), session=session,
                                            upload=xlsx_upload(rows))
    assert outcome.created == 3 and outcome.name_mismatches == 0
    registrations = Registration.objects.filter(session=session).order_by("pk")
    assert [r.person.id_number for r in registrations] == [r[1] for r in rows]
    assert registrations[0].person == known  # found, not duplicated
    first = registrations[0]
    assert (first.institution, first.channel, first.major_name, first.org_id, first.province_id) == (
        hubei_institution, "institution", "软件技术", session.org_id, "42")
    assert first.session_date == session.date
    assert abs(first.created_at - timezone.now()) < datetime.timedelta(minutes=5)
    # Every student without an account got one, with a code shown once; only its hash is kept.
    assert len(outcome.codes) == 3 and [c.row for c in outcome.codes] == [2, 3, 4]
    code = outcome.codes[1]
    user = User.objects.get(username=code.username)
    assert user.person.id_number == rows[1][1] and not user.is_active and user.role_bindings.get().role == "student"
    assert code.code not in str(list(user.activation_codes.values_list("code_hash", flat=True)))
    activated = account_activate(username=code.username, code=code.code, password="Xuesheng-2026!")
    assert activated.is_active
    assert PersonName.objects.filter(person__id_number=rows[2][1]).count() == 1
    assert AuditEntry.objects.filter(action="registration.created").count() == 3
    created = AuditEntry.objects.get(action="account.created")
    assert created.object_repr == "3 个学生账户" and created.actor == hubei_institution_user
    assert sorted(u for _pk, u in created.changes["users"][1]) == sorted(c.username for c in outcome.codes)


def test_a_gbk_csv_is_accepted(actor, hubei_institution_user, session):
    number = valid_id_number()
    text = "证件号码,姓名,专业名称\n" + f"{number},王小红,护理\n"
    upload = SimpleUploadedFile("报名.csv", text.encode("gbk"))
    outcome = services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=upload)
    assert outcome.created == 1 and Registration.objects.get().person.name == "王小红"


def _errors(excinfo):
    return [(d["row"], d["column"], d["message"]) for d in excinfo.value.details]


def test_a_file_with_bad_rows_saves_nothing_and_says_where(actor, hubei_institution_user, session):
    already = RegistrationFactory(session=session)
    good = valid_id_number()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [["", good, "甲", "", "软件技术"], ["", bad_check, "乙", "", "软件技术"], ["", good, "甲", "", "软件技术"],
            ["", already.person.id_number, "丙", "", "软件技术"], ["驾驶证", valid_id_number(), "丁", "", "软件技术"],
            ["", valid_id_number(), "", "", ""]]
    with pytest.raises(services.RowErrors) as excinfo:
        services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=xlsx_upload(rows))
    errors = _errors(excinfo)
    assert (3, "证件号码", f"身份证号码校验位错误（按 GB 11643 应为 {good[17]}）。") in errors or any(
        e[0] == 3 and "校验位错误" in e[2] for e in errors)
    assert (4, "证件号码", "与第 2 行是同一人（证件号码相同），每人只能报名一次。") in errors
    assert (5, "证件号码", "该考生已报名本考核批次，不能重复报名。") in errors
    assert any(e[0] == 6 and e[1] == "证件类型" for e in errors)
    assert {(7, "姓名"), (7, "专业名称")} <= {(e[0], e[1]) for e in errors}
    assert Registration.objects.count() == 1 and Person.objects.count() == 1


def test_wrong_headers_are_refused(actor, hubei_institution_user, session):
    with pytest.raises(TabularError, match="缺少“专业名称”列"):
        services.registrations_import(actor=actor(hubei_institution_user), session=session,
                                      upload=xlsx_upload(students(1), headers=["证件类型", "证件号码", "姓名", "专业代码"]))


def test_an_unreadable_encoding_is_refused(actor, hubei_institution_user, session):
    upload = SimpleUploadedFile("报名.csv", "证件号码,姓名,专业名称\n".encode("utf-16"))
    with pytest.raises(TabularError, match="UTF-16"):
        services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=upload)


def test_registration_past_capacity_saves_nothing(actor, hubei_institution_user, session):
    AssessmentSession.objects.filter(pk=session.pk).update(capacity=4)
    RegistrationFactory.create_batch(2, session=session)
    with pytest.raises(AppError, match="剩余 2 个名额；本次报名 3 人，超出 1 人"):
        services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=xlsx_upload(students(3)))
    assert Registration.objects.count() == 2 and not User.objects.filter(username__startswith="xs").exists()


def test_registration_is_refused_once_the_session_is_closed_or_past(actor, hubei_institution_user, session):
    AssessmentSession.objects.filter(pk=session.pk).update(status=AssessmentSession.Status.CLOSED)
    session.refresh_from_db()
    with pytest.raises(AppError, match="报名截止"):
        services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=xlsx_upload(students(1)))
    AssessmentSession.objects.filter(pk=session.pk).update(status="scheduled", date=datetime.date(2020, 9, 1))
    session.refresh_from_db()
    with pytest.raises(AppError, match="考核日期已过"):
        services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=xlsx_upload(students(1)))


# --- one by one, names, accounts --------------------------------------------------------------------

def test_a_differing_name_is_flagged_never_a_second_person(actor, hubei_institution_user, session):
    person = PersonFactory(name="李小明")
    registration, code = services.registration_create(
        actor=actor(hubei_institution_user), session=session, id_type="resident_id", id_number=person.id_number.lower(),
        name="李晓明", major_name="软件技术")
    assert registration.person == person and registration.name_mismatch and registration.name_given == "李晓明"
    assert code is not None and Person.objects.count() == 1
    with pytest.raises(AppError, match="已报名本考核批次"):
        services.registration_create(actor=actor(hubei_institution_user), session=session, id_type="resident_id",
                                     id_number=person.id_number, name="李小明", major_name="软件技术")
    assert Registration.objects.count() == 1


def test_the_institution_confirms_a_name(actor, hubei_institution_user, session):
    person = PersonFactory(name="李小明")
    registration = RegistrationFactory(session=session, person=person, institution_id=actor(
        hubei_institution_user).binding.scope_id, name_given="李晓明", name_mismatch=True)
    with pytest.raises(AppError, match="说明原因"):
        services.registration_name_confirm(actor=actor(hubei_institution_user), registration=registration,
                                           use_given=True)
    services.registration_name_confirm(actor=actor(hubei_institution_user), registration=registration, use_given=True,
                                       reason="已核对身份证")
    person.refresh_from_db()
    registration.refresh_from_db()
    assert person.name == "李晓明" and not registration.name_mismatch
    assert list(person.names.values_list("name", flat=True)) == ["李小明", "李晓明"]


def test_another_institution_may_not_confirm_or_reissue(actor, shandong_institution_user, hubei_institution, session):
    registration = RegistrationFactory(session=session, institution=hubei_institution, name_mismatch=True)
    with pytest.raises(NotInScope):
        services.registration_name_confirm(actor=actor(shandong_institution_user), registration=registration,
                                           use_given=False)
    with pytest.raises(NotInScope):
        services.registration_code_reissue(actor=actor(shandong_institution_user), registration=registration)


def test_the_institution_reissues_a_code_until_the_account_is_activated(actor, hubei_institution_user, session):
    registration, first = services.registration_create(
        actor=actor(hubei_institution_user), session=session, id_type="resident_id", id_number=valid_id_number(),
        name="周明", major_name="软件技术")
    second = services.registration_code_reissue(actor=actor(hubei_institution_user), registration=registration)
    assert second.username == first.username and second.code != first.code
    with pytest.raises(AppError):
        account_activate(username=first.username, code=first.code, password="Xuesheng-2026!")
    account_activate(username=second.username, code=second.code, password="Xuesheng-2026!")
    with pytest.raises(AppError, match="已激活"):
        services.registration_code_reissue(actor=actor(hubei_institution_user), registration=registration)


def test_a_student_who_has_an_account_gets_no_new_one(actor, hubei_institution_user, session, student_user):
    registration, code = services.registration_create(
        actor=actor(hubei_institution_user), session=session, id_type="resident_id",
        id_number=student_user.person.id_number, name=student_user.person.name, major_name="软件技术")
    assert code is None and registration.person.user == student_user


def test_other_roles_may_not_register_students(actor, org_a_user, hubei_user, student_user, session):
    for user in (org_a_user, hubei_user, student_user):
        with pytest.raises(Forbidden):
            services.registrations_import(actor=actor(user), session=session, upload=xlsx_upload(students(1)))


def test_cancel_frees_the_seat_and_registering_again_reuses_the_row(actor, hubei_institution_user, session):
    rows = students(1)
    services.registrations_import(actor=actor(hubei_institution_user), session=session, upload=xlsx_upload(rows))
    registration = Registration.objects.get()
    services.registration_cancel(actor=actor(hubei_institution_user), registration=registration)
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    outcome = services.registrations_import(actor=actor(hubei_institution_user), session=session,
                                            upload=xlsx_upload(rows))
    assert outcome.reactivated == 1 and outcome.created == 0 and not outcome.codes
    assert Registration.objects.get().status == "registered"


# --- social learners ----------------------------------------------------------------------------------

def test_a_social_learner_registers_themself(actor, social_learner_user, session):
    registration = services.registration_self_create(actor=actor(social_learner_user), session=session)
    assert registration.channel == "self" and registration.account == social_learner_user
    assert registration.institution is None and registration.person == social_learner_user.person
    with pytest.raises(AppError, match="已报名"):
        services.registration_self_create(actor=actor(social_learner_user), session=session)


def test_an_enrolled_student_registers_through_the_institution(actor, student_user, social_learner_user,
                                                                hubei_institution, certificate, session):
    Enrolment.objects.create(person=student_user.person, institution=hubei_institution, major_name="软件技术")
    with pytest.raises(AppError, match="通过所在院校报名"):
        services.registration_self_create(actor=actor(student_user), session=session)
    # A person an institution registered is its student too.
    RegistrationFactory(session=SessionFactory(certificate=certificate), person=social_learner_user.person,
                        institution=hubei_institution)
    with pytest.raises(AppError, match="通过所在院校报名"):
        services.registration_self_create(actor=actor(social_learner_user), session=session)


def test_self_registration_respects_capacity(actor, social_learner_user, session):
    AssessmentSession.objects.filter(pk=session.pk).update(capacity=1)
    RegistrationFactory(session=session)
    with pytest.raises(AppError, match="容量 1 人"):
        services.registration_self_create(actor=actor(social_learner_user), session=session)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity(provinces, org_a):
    """Twelve learners register at once for five seats, each in their own thread and connection:
    the session's row lock lets exactly five through."""
    from tests.certificates.factories import certificate_with_levels
    from tests.personas import make_persona

    certificate = certificate_with_levels(org=org_a)
    session = SessionFactory(certificate=certificate, site=SiteFactory(org=org_a), capacity=5)
    learners = [make_persona("student", person=PersonFactory()) for _ in range(12)]
    barrier = threading.Barrier(len(learners))
    outcomes = []

    def register(user):
        try:
            barrier.wait()
            services.registration_self_create(actor=actor_for(user), session=session)
            outcomes.append("ok")
        except AppError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(u,)) for u in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 5 and outcomes.count("capacity") == 7
    assert Registration.objects.filter(session=session, status="registered").count() == 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_files_never_exceed_capacity(provinces, org_a, hubei):
    """Two institutions upload 4 students each at once for 6 seats: one file is saved, the other refused."""
    from tests.certificates.factories import certificate_with_levels
    from tests.organizations.factories import InstitutionFactory
    from tests.personas import make_persona

    certificate = certificate_with_levels(org=org_a)
    session = SessionFactory(certificate=certificate, site=SiteFactory(org=org_a), capacity=6)
    users = [make_persona("institution", province=hubei, scope_id=InstitutionFactory(province=hubei).pk)
             for _ in range(2)]
    files = [xlsx_upload(students(4, birth=datetime.date(2002, 6, 1 + i))) for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def upload(user, file):
        try:
            barrier.wait()
            services.registrations_import(actor=actor_for(user), session=session, upload=file)
            outcomes.append("ok")
        except AppError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=pair) for pair in zip(users, files, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["capacity", "ok"]
    assert Registration.objects.filter(session=session).count() == 4


# --- pages --------------------------------------------------------------------------------------------

def test_the_upload_page_shows_the_codes_once(as_user, hubei_institution_user, session):
    client = as_user(hubei_institution_user)
    assert client.get(f"/assessments/sessions/{session.pk}/register/upload/").status_code == 200
    response = client.post(f"/assessments/sessions/{session.pk}/register/upload/", {"file": xlsx_upload(students(2))})
    page = response.content.decode()
    assert response.status_code == 200 and "已报名 2 名考生" in page and 'id="activation-codes"' in page
    usernames = list(User.objects.filter(username__startswith="xs").values_list("username", flat=True))
    assert all(u in page for u in usernames)
    # The session page does not show them again.
    assert "activation-codes" not in client.get(f"/assessments/sessions/{session.pk}/").content.decode()


def test_the_upload_page_lists_row_errors_and_offers_the_report(as_user, hubei_institution_user, session):
    client = as_user(hubei_institution_user)
    rows = students(2)
    rows[1][1] = "4201062003"
    response = client.post(f"/assessments/sessions/{session.pk}/register/upload/", {"file": xlsx_upload(rows)})
    page = response.content.decode()
    assert response.status_code == 400 and "全部未保存" in page and "第 3 行" in page
    token = response.context["error_token"]
    report = client.get(f"/assessments/uploads/{token}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content))["报名"]
    assert "身份证号码应为 18 位" in (sheet.cell(row=3, column=6).value or "")
    assert not Registration.objects.exists()


def test_the_error_report_is_only_for_its_uploader(as_user, hubei_institution_user, shandong_institution_user,
                                                   session):
    client = as_user(hubei_institution_user)
    rows = students(1)
    rows[0][1] = "x"
    token = client.post(f"/assessments/sessions/{session.pk}/register/upload/",
                        {"file": xlsx_upload(rows)}).context["error_token"]
    assert as_user(shandong_institution_user).get(f"/assessments/uploads/{token}/errors.xlsx").status_code == 404


@pytest.mark.parametrize("persona", ["org_a_user", "hubei_user", "student_user", "ministry_user"])
def test_other_roles_may_not_open_the_registration_pages(request, as_user, persona, session):
    client = as_user(request.getfixturevalue(persona))
    for url in ("register/upload/", "register/", "register/template.xlsx"):
        assert client.get(f"/assessments/sessions/{session.pk}/{url}").status_code == 403


def test_the_single_form_and_the_template(as_user, hubei_institution_user, session):
    client = as_user(hubei_institution_user)
    template = client.get(f"/assessments/sessions/{session.pk}/register/template.xlsx")
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(template.content))["报名"][1]][:3] == [
        "证件类型", "证件号码*", "姓名*"]
    response = client.post(f"/assessments/sessions/{session.pk}/register/", {
        "name": "陈晨", "id_type": "resident_id", "id_number": valid_id_number(), "major_name": "护理"})
    assert response.status_code == 200 and "一次性激活码" in response.content.decode()
    bad = client.post(f"/assessments/sessions/{session.pk}/register/", {
        "name": "陈晨", "id_type": "resident_id", "id_number": "420106", "major_name": "护理"})
    assert "身份证号码应为 18 位" in bad.content.decode()


def test_a_social_learner_registers_on_the_session_page(as_user, social_learner_user, student_user,
                                                        hubei_institution, session):
    client = as_user(social_learner_user)
    assert "我要报名" in client.get(f"/assessments/sessions/{session.pk}/").content.decode()
    response = client.post(f"/assessments/sessions/{session.pk}/self-register/")
    registration = Registration.objects.get()
    assert response["Location"] == f"/assessments/registrations/{registration.pk}/"
    Enrolment.objects.create(person=student_user.person, institution=hubei_institution, major_name="软件技术")
    other = as_user(student_user)
    assert "我要报名" not in other.get(f"/assessments/sessions/{session.pk}/").content.decode()
    assert other.post(f"/assessments/sessions/{session.pk}/self-register/").status_code == 302
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("persona", ["hubei_institution_user", "org_a_user", "hubei_user"])
def test_only_students_register_themselves(request, as_user, persona, session):
    assert as_user(request.getfixturevalue(persona)).post(
        f"/assessments/sessions/{session.pk}/self-register/").status_code == 403


@pytest.fixture
def two_registrations(session, hubei_institution, shandong_institution, student_user):
    mine = RegistrationFactory(session=session, institution=hubei_institution, person=student_user.person)
    theirs = RegistrationFactory(session=session, institution=shandong_institution)
    return mine, theirs


@pytest.mark.parametrize(("persona", "sees_mine", "sees_theirs", "full_id"), [
    ("hubei_institution_user", True, False, True), ("shandong_institution_user", False, True, True),
    ("hubei_alliance_user", True, False, False), ("org_a_user", True, True, True), ("org_b_user", False, False, False),
    ("hubei_user", True, True, False), ("shandong_user", False, False, False), ("ministry_user", True, True, False),
    ("student_user", True, False, True), ("social_learner_user", False, False, False),
])
def test_each_role_sees_the_registrations_of_its_scope(request, as_user, two_registrations, persona, sees_mine,
                                                       sees_theirs, full_id):
    mine, theirs = two_registrations
    client = as_user(request.getfixturevalue(persona))
    listed = {row["r"].pk: row["id_number"] for row in client.get("/assessments/registrations/").context["rows"]}
    assert (mine.pk in listed) is sees_mine and (theirs.pk in listed) is sees_theirs
    if sees_mine:
        assert (listed[mine.pk] == mine.person.id_number) is full_id
        assert client.get(f"/assessments/registrations/{mine.pk}/").status_code == 200
    else:
        assert client.get(f"/assessments/registrations/{mine.pk}/").status_code == 404


def test_the_registration_list_exports(as_user, hubei_institution_user, two_registrations):
    response = as_user(hubei_institution_user).get("/assessments/registrations/?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][2] == two_registrations[0].person.id_number


def test_name_confirmation_and_cancel_pages(as_user, hubei_institution_user, hubei_institution, org_a_user,
                                           shandong_institution_user, session):
    registration = RegistrationFactory(session=session, institution=hubei_institution, name_given="别名",
                                       name_mismatch=True)
    client = as_user(hubei_institution_user)
    assert "确认姓名" in client.get(f"/assessments/registrations/{registration.pk}/").content.decode()
    client.post(f"/assessments/registrations/{registration.pk}/confirm-name/", {"choice": "record"})
    registration.refresh_from_db()
    assert not registration.name_mismatch
    assert as_user(org_a_user).post(f"/assessments/registrations/{registration.pk}/cancel/").status_code == 403
    other = as_user(shandong_institution_user)
    assert other.post(f"/assessments/registrations/{registration.pk}/confirm-name/",
                      {"choice": "record"}).status_code == 404
    assert other.post(f"/assessments/registrations/{registration.pk}/cancel/").status_code == 404
    client = as_user(hubei_institution_user)
    client.post(f"/assessments/registrations/{registration.pk}/cancel/")
    registration.refresh_from_db()
    assert registration.status == "cancelled"


def test_reissue_code_page(as_user, actor, hubei_institution_user, org_a_user, session):
    registration, _code = services.registration_create(
        actor=actor(hubei_institution_user), session=session, id_type="resident_id", id_number=valid_id_number(),
        name="周明", major_name="软件技术")
    response = as_user(hubei_institution_user).post(f"/assessments/registrations/{registration.pk}/reissue-code/")
    assert response.status_code == 200 and "已生成新的激活码" in response.content.decode()
    assert as_user(org_a_user).post(f"/assessments/registrations/{registration.pk}/reissue-code/").status_code == 403


def test_institutions_are_reminded_of_names_to_confirm(as_user, hubei_institution_user, hubei_institution, session):
    RegistrationFactory(session=session, institution=hubei_institution, name_given="别名", name_mismatch=True)
    assert "报名姓名与平台记录不一致" in as_user(hubei_institution_user).get("/").content.decode()


# --- the admission ticket -------------------------------------------------------------------------

def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_candidate_and_their_institution_download_the_ticket(as_user, student_user, hubei_institution_user,
                                                                 two_registrations):
    mine, _theirs = two_registrations
    response = as_user(student_user).get(f"/assessments/registrations/{mine.pk}/ticket.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "准考证" in text and "李小明" in text and "Web前端开发" in text and mine.person.id_number in text
    assert as_user(hubei_institution_user).get(f"/assessments/registrations/{mine.pk}/ticket.pdf").status_code == 200


@pytest.mark.parametrize(("persona", "status"), [
    ("social_learner_user", 404), ("shandong_institution_user", 404), ("org_b_user", 404), ("org_a_user", 403),
    ("hubei_user", 403), ("ministry_user", 403)])
def test_nobody_else_downloads_the_ticket(request, as_user, two_registrations, persona, status):
    mine, _theirs = two_registrations
    response = as_user(request.getfixturevalue(persona)).get(f"/assessments/registrations/{mine.pk}/ticket.pdf")
    assert response.status_code == status


def test_a_cancelled_registration_has_no_ticket(as_user, student_user, two_registrations):
    mine, _theirs = two_registrations
    Registration.objects.filter(pk=mine.pk).update(status="cancelled")
    assert as_user(student_user).get(f"/assessments/registrations/{mine.pk}/ticket.pdf").status_code == 403


def test_the_student_sees_their_session_but_no_score_before_finalization(as_user, student_user, two_registrations):
    mine, _theirs = two_registrations
    ResultFactory(registration=mine, score=Decimal("73.5"))
    client = as_user(student_user)
    page = client.get(f"/assessments/registrations/{mine.pk}/").content.decode()
    assert "武汉市" in page and "73.5" not in page
    assert client.get("/assessments/my/").context["rows"][0]["result"] is None
    AssessmentSession.objects.filter(pk=mine.session_id).update(status="finalized")
    assert "73.5" in client.get(f"/assessments/registrations/{mine.pk}/").content.decode()


def test_a_taken_username_gets_a_suffix_whatever_its_case(actor, hubei_institution_user, session):
    people = [PersonFactory(), PersonFactory(), PersonFactory()]
    UserFactory(username=f"XS{people[0].pk}")
    UserFactory(username=f"xs{people[1].pk}")
    UserFactory(username=f"xs{people[1].pk}-2")
    accounts = {a.person_id: a.username for a in person_accounts_create_many(
        actor=actor(hubei_institution_user), people=[(p.pk, p.name) for p in people])}
    assert accounts == {people[0].pk: f"xs{people[0].pk}-2", people[1].pk: f"xs{people[1].pk}-3",
                        people[2].pk: f"xs{people[2].pk}"}


def test_bulk_codes_hash_like_single_codes():
    from accounts.bulk_people import _one_time_code, code_hasher
    from accounts.services import _hash_code

    code = _one_time_code()
    assert code_hasher()(code) == _hash_code(code) == _hash_code(code.lower())


# --- one access decision and the personal-data policy (issue 13) -------------------------------------

@pytest.mark.parametrize(("persona", "in_full"), [
    ("hubei_institution_user", True), ("org_a_user", True), ("student_user", True),
    ("hubei_alliance_user", False), ("hubei_user", False), ("hubei_agency_user", False), ("ministry_user", False),
])
def test_registration_id_numbers_follow_the_policy_on_the_pages_the_api_and_the_export(
        request, as_user, two_registrations, persona, in_full):
    mine, _theirs = two_registrations
    number = mine.person.id_number
    expected = number if in_full else mask_id_number(number)
    client = as_user(request.getfixturevalue(persona))
    pages = [f"/assessments/registrations/{mine.pk}/"]
    if persona != "student_user":  # the candidate's own list and session page show no ID column
        pages += ["/assessments/registrations/", f"/assessments/sessions/{mine.session_id}/"]
        export = client.get("/assessments/registrations/?export=xlsx")
        rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        assert [row[2] for row in rows[1:] if row[0] == mine.pk] == [expected]
    for url in pages:
        page = client.get(url).content.decode()
        assert expected in page and (in_full or number not in page), url
    listed = client.get("/api/v1/registrations").json()["results"]
    assert [r["id_number"] for r in listed if r["id"] == mine.pk] == [expected]


@pytest.mark.parametrize(("persona", "may"), [
    ("hubei_institution_user", {"cancel", "confirm_name", "reissue_code", "see_account", "download_ticket"}),
    ("student_user", {"download_ticket", "request_review"}),
    ("org_a_user", {"enter_score", "amend_score"}),
    ("hubei_alliance_user", set()), ("hubei_user", set()), ("ministry_user", set()),
])
def test_what_each_role_may_do_with_a_registration(request, actor, two_registrations, persona, may):
    mine, _theirs = two_registrations
    assert registrations_selectors.registration_access(actor(request.getfixturevalue(persona)), mine.pk).may == may


@pytest.mark.parametrize("persona", ["hubei_alliance_user", "hubei_user", "ministry_user", "org_a_user",
                                     "student_user"])
def test_a_role_that_reads_a_registration_gets_403_on_its_forms(request, as_user, two_registrations, persona):
    mine, _theirs = two_registrations
    Registration.objects.filter(pk=mine.pk).update(name_mismatch=True)
    client = as_user(request.getfixturevalue(persona))
    assert client.post(f"/assessments/registrations/{mine.pk}/cancel/").status_code == 403
    assert client.post(f"/assessments/registrations/{mine.pk}/confirm-name/", {"choice": "record"}).status_code == 403
    assert client.post(f"/assessments/registrations/{mine.pk}/reissue-code/").status_code == 403
    mine.refresh_from_db()
    assert mine.status == "registered" and mine.name_mismatch


def test_a_social_learner_cancels_their_own_registration_only(actor, social_learner_user, student_user, session):
    own = services.registration_self_create(actor=actor(social_learner_user), session=session)
    assert registrations_selectors.registration_access(actor(social_learner_user), own.pk).may == {
        "cancel", "download_ticket", "request_review"}
    with pytest.raises(NotInScope):
        registrations_selectors.registration_access(actor(student_user), own.pk)
