"""Teacher trainings, certificate trainings and the Hubei special action: the services' rules,
bad input, and every page tried by the right role and the wrong one."""

import datetime
import io

import openpyxl
import pytest

from accounts.models import AuditEntry
from assessments.models import CertificateTraining, HubeiCommitment, TeacherTraining
from assessments.trainings import selectors as training_selectors
from assessments.trainings import services as trainings
from assessments.trainings.selectors import hubei_progress
from core.errors import AppError, Forbidden, NotInScope
from tests.assessments.factories import CertificateTrainingFactory, TeacherTrainingFactory, pipeline_candidate
from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2020, 8, 10)


@pytest.fixture
def record(actor, org_a_user, certificate, hubei):
    """``record(**changes)``: org A records a teacher training (valid unless changed)."""

    def _record(**changes):
        values = {"certificate": certificate, "level": "junior", "start_date": DAY, "end_date": DAY + datetime.timedelta(2),
                  "province": hubei, "mode": "offline", "teachers_trained": 40, "hubei_special": True, "note": ""}
        values.update(changes)
        return trainings.teacher_training_create(actor=actor(org_a_user), **values)

    return _record


# --- teacher trainings: the service ------------------------------------------------------------

def test_an_org_records_a_teacher_training_and_it_is_audited(record, org_a):
    training = record()
    assert training.org == org_a and training.teachers_trained == 40 and training.hubei_special
    entry = AuditEntry.objects.get(action="training.teacher_recorded")
    assert entry.object_id == str(training.pk) and entry.changes["teachers_trained"] == [None, 40]
    assert entry.province_id == "42"


@pytest.mark.parametrize(("changes", "message"), [
    ({"level": "expert"}, "请选择等级"),
    ({"start_date": DAY, "end_date": DAY - datetime.timedelta(1)}, "结束日期不能早于开始日期"),
    ({"end_date": datetime.date.today() + datetime.timedelta(3)}, "只能登记已结束的培训"),
    ({"start_date": datetime.date(2018, 12, 1), "end_date": datetime.date(2018, 12, 2)}, "不能早于 2019 年"),
    ({"teachers_trained": 0}, "培训教师人数应为正整数"),
    ({"teachers_trained": -5}, "培训教师人数应为正整数"),
    ({"mode": "hybrid"}, "请选择培训形式"),
    ({"end_date": DAY + datetime.timedelta(400)}, "一次培训不能超过一年"),
])
def test_a_wrong_teacher_training_is_refused_with_a_precise_message(record, changes, message):
    with pytest.raises(AppError) as caught:
        record(**changes)
    assert message in str(caught.value.message)
    assert not TeacherTraining.objects.exists()


def test_trainings_only_for_the_orgs_own_certificates_and_levels(record, other_certificate, org_a):
    with pytest.raises(AppError, match="不属于本组织"):
        record(certificate=other_certificate)
    senior_only = CertificateFactory(org=org_a, name="仅高级证书")
    CertificateLevelFactory(certificate=senior_only, level="senior")
    with pytest.raises(AppError, match="没有“初级”等级"):
        record(certificate=senior_only, level="junior")
    suspended = CertificateFactory(org=org_a, status="suspended")
    CertificateLevelFactory(certificate=suspended)
    with pytest.raises(AppError, match="暂停"):
        record(certificate=suspended)


def test_only_trainings_of_hubei_teachers_count_toward_the_hubei_special_action(record, shandong):
    with pytest.raises(AppError, match="只有湖北省教师的培训"):
        record(province=shandong, hubei_special=True)
    assert record(province=shandong, hubei_special=False).province == shandong


def test_only_an_org_records_trainings(actor, hubei_user, certificate, hubei):
    with pytest.raises(Forbidden):
        trainings.teacher_training_create(actor=actor(hubei_user), certificate=certificate, level="junior",
                                          start_date=DAY, end_date=DAY, province=hubei, mode="offline",
                                          teachers_trained=3)


def test_the_org_corrects_and_deletes_its_training_but_not_another_orgs(record, actor, org_a_user, org_b_user,
                                                                       certificate, hubei):
    training = record()
    values = {"certificate": certificate, "level": "intermediate", "start_date": DAY, "end_date": DAY,
              "province": hubei, "mode": "online", "teachers_trained": 55, "hubei_special": False, "note": "补登"}
    trainings.teacher_training_update(actor=actor(org_a_user), training=training, **values)
    training.refresh_from_db()
    assert (training.level, training.teachers_trained, training.mode) == ("intermediate", 55, "online")
    changes = AuditEntry.objects.get(action="training.teacher_corrected").changes
    assert changes["teachers_trained"] == [40, 55] and changes["hubei_special"] == [True, False]
    with pytest.raises(NotInScope):
        trainings.teacher_training_update(actor=actor(org_b_user), training=training, **values)
    with pytest.raises(NotInScope):
        trainings.teacher_training_delete(actor=actor(org_b_user), training=training)
    trainings.teacher_training_delete(actor=actor(org_a_user), training=training)
    assert not TeacherTraining.objects.exists()
    assert AuditEntry.objects.filter(action="training.teacher_deleted").exists()


# --- certificate trainings ---------------------------------------------------------------------

def test_certificate_training_is_recorded_then_corrected_per_month(actor, org_a_user, certificate, hubei):
    save = trainings.certificate_training_save
    values = {"certificate": certificate, "level": "junior", "province": hubei, "month": datetime.date(2020, 9, 17)}
    record, outcome = save(actor=actor(org_a_user), students=300, social_learners=25, **values)
    assert outcome == "created" and record.month == datetime.date(2020, 9, 1) and record.total == 325
    assert save(actor=actor(org_a_user), students=300, social_learners=25, **values)[1] == "unchanged"
    record, outcome = save(actor=actor(org_a_user), students=320, social_learners=25, **values)
    assert outcome == "corrected" and CertificateTraining.objects.get().students == 320
    assert AuditEntry.objects.get(action="training.certificate_corrected").changes == {"students": [300, 320]}


@pytest.mark.parametrize(("changes", "message"), [
    ({"students": 0, "social_learners": 0}, "不能都为 0"),
    ({"students": -1}, "培训学生人数应为非负整数"),
    ({"month": datetime.date.today().replace(day=1) + datetime.timedelta(days=40)}, "只能登记本月及以前的培训"),
    ({"month": datetime.date(2018, 5, 1)}, "不能早于 2019 年"),
])
def test_wrong_certificate_trainings_are_refused(actor, org_a_user, certificate, hubei, changes, message):
    values = {"certificate": certificate, "level": "junior", "province": hubei, "month": datetime.date(2020, 9, 1),
              "students": 10, "social_learners": 1, **changes}
    with pytest.raises(AppError, match=message):
        trainings.certificate_training_save(actor=actor(org_a_user), **values)
    assert not CertificateTraining.objects.exists()


# --- the Hubei special action ------------------------------------------------------------------

def test_hubei_commitments_are_held_against_what_the_org_did(actor, org_a_user, org_b_user, ministry_user,
                                                            hubei_user, shandong_user, certificate, hubei, shandong):
    trainings.hubei_commitment_save(actor=actor(org_a_user), teachers_to_train=100, candidates_to_assess=4)
    trainings.hubei_commitment_save(actor=actor(org_a_user), teachers_to_train=120, candidates_to_assess=4)
    assert HubeiCommitment.objects.get().teachers_to_train == 120
    assert AuditEntry.objects.get(action="training.hubei_commitment_revised").changes == {"teachers_to_train": [100, 120]}
    TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=30, hubei_special=True)
    TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=12, hubei_special=False)
    day = datetime.date(2020, 10, 9)
    pipeline_candidate(certificate=certificate, province=hubei, date=day)
    pipeline_candidate(certificate=certificate, province=hubei, date=day, passed=False)
    pipeline_candidate(certificate=certificate, province=hubei, date=day, absent=True, result=True)  # not assessed
    pipeline_candidate(certificate=certificate, province=shandong, date=day)  # not in Hubei
    (row,) = hubei_progress(actor(ministry_user))
    assert (row["teachers_to_train"], row["teachers_trained"], row["teachers_percent"]) == (120, 30, 25)
    assert (row["candidates_to_assess"], row["candidates_assessed"], row["candidates_percent"]) == (4, 2, 50)
    assert len(hubei_progress(actor(hubei_user))) == 1
    assert hubei_progress(actor(org_b_user)) == []
    with pytest.raises(Forbidden):
        hubei_progress(actor(shandong_user))


def test_a_commitment_of_nothing_is_refused(actor, org_a_user):
    with pytest.raises(AppError, match="不能都为 0"):
        trainings.hubei_commitment_save(actor=actor(org_a_user), teachers_to_train=0, candidates_to_assess=0)


# --- pages ---------------------------------------------------------------------------------------

@pytest.fixture
def two_trainings(certificate, other_certificate, hubei, shandong):
    return (TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=31, note="甲组织湖北班"),
            TeacherTrainingFactory(certificate=other_certificate, province=shandong, teachers_trained=17,
                                   note="乙组织山东班"))


@pytest.mark.parametrize(("persona", "sees_a", "sees_b"), [
    ("ministry_user", True, True), ("hubei_user", True, False), ("hubei_agency_user", True, False),
    ("shandong_user", False, True), ("org_a_user", True, False), ("org_b_user", False, True),
])
def test_each_role_sees_the_trainings_of_its_scope(request, as_user, two_trainings, persona, sees_a, sees_b):
    page = as_user(request.getfixturevalue(persona)).get("/assessments/trainings/").content.decode()
    assert ("甲组织湖北班" in page) is sees_a
    assert ("乙组织山东班" in page) is sees_b
    assert ("登记师资培训" in page) is persona.startswith("org_")


@pytest.mark.parametrize("persona", ["hubei_institution_user", "hubei_alliance_user", "student_user"])
@pytest.mark.parametrize("url", ["/assessments/trainings/", "/assessments/trainings/certificate/",
                                 "/assessments/trainings/hubei/"])
def test_institutions_and_students_may_not_open_training_pages(request, as_user, persona, url):
    assert as_user(request.getfixturevalue(persona)).get(url).status_code == 403


def test_the_training_list_exports_what_the_actor_sees(as_user, hubei_user, two_trainings):
    response = as_user(hubei_user).get("/assessments/trainings/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:3] == ("培训评价组织", "证书", "等级") and len(rows) == 2 and rows[1][7] == 31


def test_an_org_records_a_training_through_the_form(as_user, org_a_user, certificate, hubei):
    client = as_user(org_a_user)
    form = {"certificate": certificate.pk, "level": "junior", "start_date": "2020-08-10", "end_date": "2020-08-09",
            "province": hubei.pk, "mode": "offline", "teachers_trained": "25"}
    page = client.post("/assessments/trainings/new/", form).content.decode()
    assert "结束日期不能早于开始日期" in page and not TeacherTraining.objects.exists()
    response = client.post("/assessments/trainings/new/", {**form, "end_date": "2020-08-11", "hubei_special": "on"})
    assert response.status_code == 302 and TeacherTraining.objects.get().hubei_special


def test_training_writes_are_refused_to_other_roles_and_scopes(as_user, hubei_user, org_b_user, two_trainings):
    mine = two_trainings[0]
    assert as_user(hubei_user).get("/assessments/trainings/new/").status_code == 403
    assert as_user(hubei_user).get(f"/assessments/trainings/{mine.pk}/edit/").status_code == 403
    assert as_user(hubei_user).post(f"/assessments/trainings/{mine.pk}/delete/").status_code == 403
    assert as_user(org_b_user).get(f"/assessments/trainings/{mine.pk}/edit/").status_code == 404
    assert as_user(org_b_user).post(f"/assessments/trainings/{mine.pk}/delete/").status_code == 404
    assert TeacherTraining.objects.filter(pk=mine.pk).exists()


def test_the_org_edits_and_deletes_its_training_in_the_browser(as_user, org_a_user, two_trainings, certificate, hubei):
    mine = two_trainings[0]
    client = as_user(org_a_user)
    assert client.get(f"/assessments/trainings/{mine.pk}/edit/").status_code == 200
    client.post(f"/assessments/trainings/{mine.pk}/edit/", {
        "certificate": certificate.pk, "level": "senior", "start_date": "2020-08-10", "end_date": "2020-08-12",
        "province": hubei.pk, "mode": "online", "teachers_trained": "44"})
    mine.refresh_from_db()
    assert (mine.level, mine.teachers_trained) == ("senior", 44)
    assert client.post(f"/assessments/trainings/{mine.pk}/delete/").status_code == 302
    assert not TeacherTraining.objects.filter(pk=mine.pk).exists()


def test_certificate_training_pages(as_user, org_a_user, org_b_user, shandong_user, certificate, hubei):
    client = as_user(org_a_user)
    response = client.post("/assessments/trainings/certificate/new/", {
        "certificate": certificate.pk, "level": "junior", "province": hubei.pk, "month": "2020-09",
        "students": "200", "social_learners": "15"})
    assert response.status_code == 302
    record = CertificateTraining.objects.get()
    page = client.get("/assessments/trainings/certificate/").content.decode()
    assert 'id="ct-total">215<' in page
    assert client.get("/assessments/trainings/certificate/?export=xlsx").status_code == 200
    assert "215" not in as_user(shandong_user).get("/assessments/trainings/certificate/").content.decode()
    assert as_user(shandong_user).get("/assessments/trainings/certificate/new/").status_code == 403
    assert as_user(org_b_user).post(f"/assessments/trainings/certificate/{record.pk}/delete/").status_code == 404
    assert as_user(org_a_user).post(f"/assessments/trainings/certificate/{record.pk}/delete/").status_code == 302
    assert not CertificateTraining.objects.exists()
    CertificateTrainingFactory(certificate=certificate, province=hubei)


def test_hubei_pages(as_user, org_a_user, ministry_user, shandong_user, hubei_agency_user, certificate, hubei):
    client = as_user(org_a_user)
    assert client.get("/assessments/trainings/hubei/commitment/").status_code == 200
    response = client.post("/assessments/trainings/hubei/commitment/", {"teachers_to_train": "300",
                                                                          "candidates_to_assess": "900"})
    assert response.status_code == 302
    TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=60, hubei_special=True)
    page = as_user(ministry_user).get("/assessments/trainings/hubei/").content.decode()
    assert "甲培训评价组织" in page and 'id="hubei-trained">60<' in page and "20%" in page
    assert as_user(hubei_agency_user).get("/assessments/trainings/hubei/").status_code == 200
    assert as_user(ministry_user).get("/assessments/trainings/hubei/?export=xlsx").status_code == 200
    assert as_user(shandong_user).get("/assessments/trainings/hubei/").status_code == 403
    assert as_user(ministry_user).get("/assessments/trainings/hubei/commitment/").status_code == 403


# --- one access decision (issue 13) ------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "expected"), [
    ("org_a_user", {"read", "record", "commit", "hubei"}),
    ("ministry_user", {"read", "compare_orgs", "hubei"}), ("hubei_user", {"read", "compare_orgs", "hubei"}),
    ("hubei_agency_user", {"read", "compare_orgs", "hubei"}), ("shandong_user", {"read", "compare_orgs"}),
    ("hubei_institution_user", {"compare_orgs"}),
])
def test_what_each_role_may_do_on_the_training_pages(request, actor, persona, expected):
    assert training_selectors.trainings_page_access(actor(request.getfixturevalue(persona))) == expected


def test_the_hubei_tab_is_offered_only_to_who_may_open_it(as_user, hubei_user, shandong_user):
    assert "/assessments/trainings/hubei/" in as_user(hubei_user).get("/assessments/trainings/").content.decode()
    assert "/assessments/trainings/hubei/" not in as_user(shandong_user).get("/assessments/trainings/").content.decode()
