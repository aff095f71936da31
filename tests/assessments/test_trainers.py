"""Trainer qualifications: the institution records its teachers at an org's trainer training, the
org confirms; ID numbers in full only to that institution and that org."""

import datetime
import io

import openpyxl
import pytest

from accounts.identity import mask_id_number
from accounts.models import AuditEntry, Person
from assessments.models import TrainerQualification
from assessments.trainers import selectors
from assessments.trainers import services as trainers
from core.errors import AppError, Forbidden, NotInScope
from tests.accounts.factories import valid_id_number
from tests.assessments.factories import TrainerQualificationFactory
from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

pytestmark = pytest.mark.django_db

TEACHER_ID = valid_id_number(datetime.date(1985, 3, 12))


def record(actor_, certificate, **overrides):
    values = {"name": "陈思远", "id_type": "resident_id", "id_number": TEACHER_ID, "subject": "软件技术",
              "certificate": certificate, "training_date": datetime.date(2020, 8, 20), "reported_qualified": True,
              **overrides}
    return trainers.trainer_record_create(actor=actor_, **values)


def test_an_institution_records_a_teacher_as_a_person(actor, hubei_institution_user, hubei_institution, certificate):
    saved = record(actor(hubei_institution_user), certificate)
    assert saved.institution == hubei_institution and saved.person.id_number == TEACHER_ID
    assert Person.objects.filter(id_number=TEACHER_ID).count() == 1
    entry = AuditEntry.objects.get(action="trainer.recorded")
    assert entry.changes["person"] == [None, mask_id_number(TEACHER_ID)]
    assert TEACHER_ID not in str(entry.changes)


def test_a_wrong_gb11643_check_digit_is_refused(actor, hubei_institution_user, certificate):
    wrong = TEACHER_ID[:17] + ("0" if TEACHER_ID[17] != "0" else "1")
    with pytest.raises(AppError) as caught:
        record(actor(hubei_institution_user), certificate, id_number=wrong)
    assert caught.value.field == "id_number" and "校验位错误" in str(caught.value.message)
    assert not TrainerQualification.objects.exists()


def test_a_name_that_differs_from_the_one_on_file_is_refused_without_revealing_it(
        actor, hubei_institution_user, certificate, other_certificate):
    record(actor(hubei_institution_user), certificate)
    with pytest.raises(AppError) as caught:
        record(actor(hubei_institution_user), other_certificate, name="别人")
    assert "陈思远" not in str(caught.value.message) and caught.value.field == "name"


def test_the_same_teacher_and_certificate_twice_is_refused(actor, hubei_institution_user, certificate):
    record(actor(hubei_institution_user), certificate)
    with pytest.raises(AppError):
        record(actor(hubei_institution_user), certificate)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"subject": ""}, "subject"), ({"training_date": datetime.date(2099, 1, 1)}, "training_date"),
    ({"id_type": "passport", "id_number": "E12345678"}, "id_type")])
def test_bad_input_is_refused(actor, hubei_institution_user, certificate, overrides, field):
    with pytest.raises(AppError) as caught:
        record(actor(hubei_institution_user), certificate, **overrides)
    assert caught.value.field == field


def test_a_certificate_that_is_not_published_is_refused(actor, hubei_institution_user):
    suspended = CertificateFactory(status="suspended")
    CertificateLevelFactory(certificate=suspended)
    with pytest.raises(AppError) as caught:
        record(actor(hubei_institution_user), suspended)
    assert caught.value.field == "certificate"


@pytest.mark.parametrize("persona", ["hubei_user", "org_a_user", "hubei_alliance_user", "ministry_user"])
def test_only_an_institution_records(request, actor, persona, certificate):
    with pytest.raises(Forbidden):
        record(actor(request.getfixturevalue(persona)), certificate)


def test_the_org_confirms_only_trainings_of_its_own_certificates(actor, hubei_institution_user, org_a_user,
                                                                  org_b_user, certificate):
    saved = record(actor(hubei_institution_user), certificate)
    with pytest.raises(NotInScope):
        trainers.trainer_record_confirm(actor=actor(org_b_user), record=saved, attended=True, qualified=True)
    with pytest.raises(AppError):
        trainers.trainer_record_confirm(actor=actor(org_a_user), record=saved, attended=False, qualified=True)
    confirmed = trainers.trainer_record_confirm(actor=actor(org_a_user), record=saved, attended=True, qualified=True)
    assert confirmed.qualified and confirmed.confirmed_by == org_a_user
    assert AuditEntry.objects.get(action="trainer.confirmed").changes == {
        "attendance_confirmed": [None, True], "qualified": [None, True]}
    with pytest.raises(Forbidden):
        trainers.trainer_record_confirm(actor=actor(hubei_institution_user), record=saved, attended=True,
                                        qualified=True)


def test_a_confirmed_record_is_locked_for_the_institution(actor, hubei_institution_user, org_a_user, certificate):
    saved = record(actor(hubei_institution_user), certificate)
    trainers.trainer_record_update(actor=actor(hubei_institution_user), record=saved, subject="前端开发",
                                   certificate=certificate, training_date=saved.training_date,
                                   reported_qualified=False)
    assert AuditEntry.objects.get(action="trainer.corrected").changes["subject"] == ["软件技术", "前端开发"]
    trainers.trainer_record_confirm(actor=actor(org_a_user), record=saved, attended=True, qualified=False)
    saved.refresh_from_db()
    with pytest.raises(AppError):
        trainers.trainer_record_update(actor=actor(hubei_institution_user), record=saved, subject="x",
                                       certificate=certificate, training_date=saved.training_date,
                                       reported_qualified=True)
    with pytest.raises(AppError):
        trainers.trainer_record_delete(actor=actor(hubei_institution_user), record=saved)


def test_another_institution_cannot_touch_the_record(actor, hubei_institution_user, shandong_institution_user,
                                                     certificate):
    saved = record(actor(hubei_institution_user), certificate)
    with pytest.raises(NotInScope):
        trainers.trainer_record_delete(actor=actor(shandong_institution_user), record=saved)


def test_who_sees_the_id_number_in_full(actor, hubei_institution, certificate, hubei_institution_user, org_a_user,
                                        hubei_user, ministry_user, hubei_alliance_user, org_b_user,
                                        shandong_institution_user):
    saved = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    full, masked = saved.person.id_number, mask_id_number(saved.person.id_number)
    def shown(user):
        return selectors.trainer_access(actor(user), saved.pk).show("trainer_id_number", saved.person.id_number)

    for user in (hubei_institution_user, org_a_user):
        assert shown(user) == full
    for user in (hubei_user, ministry_user, hubei_alliance_user):
        assert shown(user) == masked
    for user in (org_b_user, shandong_institution_user):
        with pytest.raises(NotInScope):
            selectors.trainer_access(actor(user), saved.pk)


# --- pages -----------------------------------------------------------------------------------------

def test_the_institution_records_through_the_form(as_user, hubei_institution_user, certificate):
    client = as_user(hubei_institution_user)
    bad = client.post("/assessments/trainers/new/", {
        "name": "陈思远", "id_type": "resident_id", "id_number": TEACHER_ID[:17] + "Y", "subject": "软件技术",
        "certificate": certificate.pk, "training_date": "2020-08-20"})
    assert "身份证号码前 17 位应为数字，最后一位为数字或 X。" in bad.content.decode()
    response = client.post("/assessments/trainers/new/", {
        "name": "陈思远", "id_type": "resident_id", "id_number": TEACHER_ID.lower(), "subject": "软件技术",
        "certificate": certificate.pk, "training_date": "2020-08-20", "reported_qualified": "on"}, follow=True)
    page = response.content.decode()
    assert "已登记，等待培训评价组织确认" in page and TEACHER_ID in page


def test_the_org_confirms_from_its_list_and_others_see_masked_numbers(as_user, hubei_institution, certificate,
                                                                       org_a_user, org_b_user, hubei_user):
    saved = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    number = saved.person.id_number
    org_page = as_user(org_a_user).get("/assessments/trainers/").content.decode()
    assert number in org_page and "待培训评价组织确认" in org_page
    assert as_user(org_b_user).post(f"/assessments/trainers/{saved.pk}/confirm/",
                                    {"attended": "yes", "qualified": "yes"}).status_code == 404
    as_user(org_a_user).post(f"/assessments/trainers/{saved.pk}/confirm/", {"attended": "yes", "qualified": "yes"})
    saved.refresh_from_db()
    assert saved.qualified is True
    province_page = as_user(hubei_user).get("/assessments/trainers/").content.decode()
    assert number not in province_page and mask_id_number(number) in province_page
    assert "合格培训师" in province_page
    assert number not in as_user(org_b_user).get("/assessments/trainers/").content.decode()


def test_the_province_may_not_confirm_and_the_org_may_not_edit(as_user, hubei_institution, certificate, hubei_user,
                                                               org_a_user):
    saved = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    assert as_user(hubei_user).post(f"/assessments/trainers/{saved.pk}/confirm/",
                                    {"attended": "yes", "qualified": "yes"}).status_code == 403
    assert as_user(org_a_user).get(f"/assessments/trainers/{saved.pk}/edit/").status_code == 403
    assert as_user(org_a_user).post(f"/assessments/trainers/{saved.pk}/delete/").status_code == 403


def test_the_org_sees_pending_confirmations_on_its_workbench(as_user, hubei_institution, certificate, org_a_user):
    TrainerQualificationFactory.create_batch(2, institution=hubei_institution, certificate=certificate)
    page = as_user(org_a_user).get("/").content.decode()
    assert "待确认的培训师记录" in page


def test_the_institution_edits_and_deletes_its_unconfirmed_record(as_user, hubei_institution_user,
                                                                  hubei_institution, certificate):
    saved = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(hubei_institution_user)
    client.post(f"/assessments/trainers/{saved.pk}/edit/", {"subject": "大数据", "certificate": certificate.pk,
                                                            "training_date": "2020-09-01"})
    saved.refresh_from_db()
    assert saved.subject == "大数据"
    client.post(f"/assessments/trainers/{saved.pk}/delete/")
    assert not TrainerQualification.objects.exists()


def test_the_list_exports_with_masking(as_user, hubei_institution, certificate, hubei_user):
    import io

    import openpyxl

    saved = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    response = as_user(hubei_user).get("/assessments/trainers/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["C2"].value == mask_id_number(saved.person.id_number)


def test_a_student_may_not_open_trainer_records(as_user, student_user):
    assert as_user(student_user).get("/assessments/trainers/").status_code == 403


def test_only_an_institution_opens_the_recording_form(as_user, org_a_user, hubei_user, hubei_alliance_user):
    for user in (org_a_user, hubei_user, hubei_alliance_user):
        assert as_user(user).get("/assessments/trainers/new/").status_code == 403


def test_another_institution_gets_404_on_the_record_pages(as_user, hubei_institution, certificate,
                                                          shandong_institution_user):
    saved = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(shandong_institution_user)
    assert client.get(f"/assessments/trainers/{saved.pk}/edit/").status_code == 404
    assert client.post(f"/assessments/trainers/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/assessments/trainers/{saved.pk}/confirm/", {"attended": "yes"}).status_code == 404
    assert TrainerQualification.objects.filter(pk=saved.pk).exists()


# --- one access decision and the personal-data policy (issue 13) -------------------------------------

def _export_rows(client):
    response = client.get("/assessments/trainers/?export=xlsx")
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.mark.parametrize(("persona", "in_full"), [
    ("hubei_institution_user", True), ("org_a_user", True),
    ("hubei_alliance_user", False), ("hubei_user", False), ("hubei_agency_user", False), ("ministry_user", False),
])
def test_trainer_id_numbers_follow_the_policy_on_the_page_the_api_and_the_export(request, as_user, persona, in_full,
                                                                                hubei_institution, certificate):
    record = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    number = record.person.id_number
    expected = number if in_full else mask_id_number(number)
    client = as_user(request.getfixturevalue(persona))
    page = client.get("/assessments/trainers/").content.decode()
    assert expected in page and (in_full or number not in page)
    assert [r["id_number"] for r in client.get("/api/v1/trainer-qualifications").json()["results"]] == [expected]
    assert _export_rows(client)[1][2] == expected


@pytest.mark.parametrize("persona", ["hubei_institution_user", "hubei_alliance_user", "hubei_user", "ministry_user"])
def test_a_role_that_reads_the_record_gets_403_on_confirm_from_the_form_and_the_api(request, as_user, persona,
                                                                                    hubei_institution, certificate):
    record = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(request.getfixturevalue(persona))
    assert client.post(f"/assessments/trainers/{record.pk}/confirm/",
                       {"attended": "yes", "qualified": "yes"}).status_code == 403
    assert client.post(f"/api/v1/trainer-qualifications/{record.pk}/confirm", {"attended": True, "qualified": True},
                       content_type="application/json").status_code == 403
    record.refresh_from_db()
    assert not record.is_confirmed


def test_another_org_gets_404_on_confirm_from_the_form_and_the_api(as_user, org_b_user, hubei_institution,
                                                                   certificate):
    record = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(org_b_user)
    assert client.post(f"/assessments/trainers/{record.pk}/confirm/",
                       {"attended": "yes", "qualified": "yes"}).status_code == 404
    assert client.post(f"/api/v1/trainer-qualifications/{record.pk}/confirm", {"attended": True, "qualified": True},
                       content_type="application/json").status_code == 404


@pytest.mark.parametrize("persona", ["hubei_alliance_user", "hubei_user", "org_a_user"])
def test_only_the_recording_institution_edits_or_deletes(request, as_user, persona, hubei_institution, certificate):
    record = TrainerQualificationFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(request.getfixturevalue(persona))
    assert client.get(f"/assessments/trainers/{record.pk}/edit/").status_code == 403
    assert client.post(f"/assessments/trainers/{record.pk}/delete/").status_code == 403
    assert TrainerQualification.objects.filter(pk=record.pk).exists()


def test_the_recording_institution_edits_and_the_owning_org_confirms(actor, hubei_institution_user, org_a_user,
                                                                   hubei_alliance_user, certificate):
    saved = record(actor(hubei_institution_user), certificate)
    assert selectors.trainer_access(actor(hubei_institution_user), saved.pk).may == {"edit", "delete"}
    assert selectors.trainer_access(actor(org_a_user), saved.pk).may == {"confirm"}
    assert selectors.trainer_access(actor(hubei_alliance_user), saved.pk).may == set()
