"""Teacher trainings (师资培训), certificate trainings (证书培训) and the Hubei special action
commitments (湖北专项行动), recorded by the org for its own certificates."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.models import Province
from accounts.scoping import Actor
from assessments.models import CertificateTraining, HubeiCommitment, TeacherTraining, TrainingMode
from assessments.trainings.models import HUBEI
from assessments.trainings.selectors import certificate_training_access, teacher_training_access, trainings_page_access
from certificates.catalog.models import Certificate, CertificateLevel, Level
from core.errors import AppError, Forbidden
from organizations.orgs.models import Org

FIRST_YEAR = 2019
TEACHER_FIELDS = ["certificate", "level", "start_date", "end_date", "province", "mode", "teachers_trained",
                  "hubei_special", "note"]
MAX_COUNT = 1_000_000


def _own_org(actor: Actor, action: str = "record") -> Org:
    """The org the actor works for, if the training pages let it ``action`` (403 otherwise)."""
    if action not in trainings_page_access(actor):
        raise Forbidden()
    return Org.objects.get(pk=actor.scope.org_id)


def _check_certificate_level(org: Org, certificate: Certificate, level: str) -> None:
    """The certificate must be the org's own, in the catalog as published, and offer the level."""
    if certificate is None:
        raise AppError(_("请选择证书。"), field="certificate")
    if certificate.org_id != org.pk:
        raise AppError(_("证书“%(name)s”不属于本组织，不能登记其培训。") % {"name": certificate.name},
                       field="certificate")
    if certificate.status != Certificate.Status.PUBLISHED:
        raise AppError(_("证书“%(name)s”当前状态为“%(status)s”，不能登记其培训。") % {
            "name": certificate.name, "status": certificate.get_status_display()}, field="certificate")
    if level not in Level.values:
        raise AppError(_("请选择等级。"), field="level")
    if not CertificateLevel.objects.filter(certificate=certificate, level=level).exists():
        raise AppError(_("证书“%(name)s”没有“%(level)s”等级。") % {
            "name": certificate.name, "level": Level(level).label}, field="level")


def _check_count(value, *, field: str, label: str, allow_zero: bool = False) -> int:
    if value is None:
        raise AppError(_("请填写%(label)s。") % {"label": label}, field=field)
    if value < 0 or (value == 0 and not allow_zero):
        raise AppError(_("%(label)s应为%(kind)s，当前为 %(v)s。") % {
            "label": label, "kind": _("非负整数") if allow_zero else _("正整数"), "v": value}, field=field)
    if value > MAX_COUNT:
        raise AppError(_("%(label)s“%(v)s”过大，请核对。") % {"label": label, "v": value}, field=field)
    return int(value)


# --- teacher trainings ---------------------------------------------------------------------------

def _check_teacher_training(*, org: Org, certificate: Certificate, level: str, start_date: datetime.date,
                            end_date: datetime.date, province: Province, mode: str, teachers_trained: int,
                            hubei_special: bool, note: str) -> dict:
    _check_certificate_level(org, certificate, level)
    if start_date is None:
        raise AppError(_("请填写开始日期。"), field="start_date")
    if end_date is None:
        raise AppError(_("请填写结束日期。"), field="end_date")
    if start_date.year < FIRST_YEAR:
        raise AppError(_("培训日期不能早于 2019 年（试点开始之年）。"), field="start_date")
    if end_date < start_date:
        raise AppError(_("结束日期不能早于开始日期。"), field="end_date")
    if end_date > timezone.localdate():
        raise AppError(_("只能登记已结束的培训：结束日期不能晚于今天。"), field="end_date")
    if (end_date - start_date).days > 366:
        raise AppError(_("一次培训不能超过一年，请按期次分别登记。"), field="end_date")
    if province is None:
        raise AppError(_("请选择参训教师所在省份。"), field="province")
    if mode not in TrainingMode.values:
        raise AppError(_("请选择培训形式（线上或线下）。"), field="mode")
    teachers = _check_count(teachers_trained, field="teachers_trained", label=_("培训教师人数"))
    if hubei_special and province.pk != HUBEI:
        raise AppError(_("只有湖北省教师的培训可以计入湖北专项行动。"), field="hubei_special")
    note = (note or "").strip()
    if len(note) > 200:
        raise AppError(_("备注不能超过 200 个字。"), field="note")
    return {"certificate": certificate, "level": level, "start_date": start_date, "end_date": end_date,
            "province": province, "mode": mode, "teachers_trained": teachers, "hubei_special": bool(hubei_special),
            "note": note}


@transaction.atomic
def teacher_training_create(*, actor: Actor, certificate: Certificate, level: str, start_date: datetime.date,
                            end_date: datetime.date, province: Province, mode: str, teachers_trained: int,
                            hubei_special: bool = False, note: str = "") -> TeacherTraining:
    """The org records one teacher-training session it held."""
    org = _own_org(actor)
    values = _check_teacher_training(org=org, certificate=certificate, level=level, start_date=start_date,
                                     end_date=end_date, province=province, mode=mode,
                                     teachers_trained=teachers_trained, hubei_special=hubei_special, note=note)
    training = TeacherTraining.objects.create(org=org, recorded_by=actor.user, **values)
    audit_log(actor=actor, action="training.teacher_recorded", obj=training, province=province.pk,
              changes={name: [None, value] for name, value in snapshot(training, TEACHER_FIELDS).items()})
    return training


@transaction.atomic
def teacher_training_update(*, actor: Actor, training: TeacherTraining, certificate: Certificate, level: str,
                            start_date: datetime.date, end_date: datetime.date, province: Province, mode: str,
                            teachers_trained: int, hubei_special: bool = False, note: str = "") -> TeacherTraining:
    org = _own_org(actor)
    teacher_training_access(actor, training.pk).require("edit")
    training = TeacherTraining.objects.select_for_update().get(pk=training.pk)
    values = _check_teacher_training(org=org, certificate=certificate, level=level, start_date=start_date,
                                     end_date=end_date, province=province, mode=mode,
                                     teachers_trained=teachers_trained, hubei_special=hubei_special, note=note)
    before = snapshot(training, TEACHER_FIELDS)
    for name, value in values.items():
        setattr(training, name, value)
    changes = diff(before, snapshot(training, TEACHER_FIELDS))
    if changes:
        training.save()
        audit_log(actor=actor, action="training.teacher_corrected", obj=training, province=training.province_id,
                  changes=changes)
    return training


@transaction.atomic
def teacher_training_delete(*, actor: Actor, training: TeacherTraining) -> None:
    training = teacher_training_access(actor, training.pk).require("delete")
    audit_log(actor=actor, action="training.teacher_deleted", obj=training, province=training.province_id,
              changes={name: [value, None] for name, value in snapshot(training, TEACHER_FIELDS).items()})
    training.delete()


# --- certificate trainings -----------------------------------------------------------------------

def month_start(value: datetime.date) -> datetime.date:
    return value.replace(day=1)


@transaction.atomic
def certificate_training_save(*, actor: Actor, certificate: Certificate, level: str, province: Province,
                              month: datetime.date, students: int, social_learners: int
                              ) -> tuple[CertificateTraining, str]:
    """Record (or correct) how many students and social learners the org trained for one
    certificate level in one province in one month. Returns the record and "created",
    "corrected" or "unchanged"."""
    org = _own_org(actor)
    _check_certificate_level(org, certificate, level)
    if province is None:
        raise AppError(_("请选择省份。"), field="province")
    if month is None:
        raise AppError(_("请填写月份。"), field="month")
    month = month_start(month)
    if month.year < FIRST_YEAR:
        raise AppError(_("月份不能早于 2019 年（试点开始之年）。"), field="month")
    if month > month_start(timezone.localdate()):
        raise AppError(_("只能登记本月及以前的培训。"), field="month")
    students = _check_count(students, field="students", label=_("培训学生人数"), allow_zero=True)
    learners = _check_count(social_learners, field="social_learners", label=_("培训社会学习者人数"), allow_zero=True)
    if students + learners == 0:
        raise AppError(_("培训学生人数和社会学习者人数不能都为 0。"), field="students")
    record, created = CertificateTraining.objects.select_for_update().get_or_create(
        org=org, certificate=certificate, level=level, province=province, month=month,
        defaults={"students": students, "social_learners": learners, "recorded_by": actor.user})
    if created:
        audit_log(actor=actor, action="training.certificate_recorded", obj=record, province=province.pk,
                  changes={"month": [None, month], "students": [None, students], "social_learners": [None, learners]})
        return record, "created"
    before = snapshot(record, ["students", "social_learners"])
    record.students, record.social_learners = students, learners
    changes = diff(before, snapshot(record, ["students", "social_learners"]))
    if not changes:
        return record, "unchanged"
    record.recorded_at, record.recorded_by = timezone.now(), actor.user
    record.save(update_fields=["students", "social_learners", "recorded_at", "recorded_by"])
    audit_log(actor=actor, action="training.certificate_corrected", obj=record, province=province.pk, changes=changes)
    return record, "corrected"


@transaction.atomic
def certificate_training_delete(*, actor: Actor, record: CertificateTraining) -> None:
    record = certificate_training_access(actor, record.pk).require("delete")
    audit_log(actor=actor, action="training.certificate_deleted", obj=record, province=record.province_id,
              changes={"students": [record.students, None], "social_learners": [record.social_learners, None]})
    record.delete()


# --- Hubei special action ------------------------------------------------------------------------

@transaction.atomic
def hubei_commitment_save(*, actor: Actor, teachers_to_train: int, candidates_to_assess: int) -> HubeiCommitment:
    """The org states (or revises) what it commits to the Hubei special action."""
    org = _own_org(actor, "commit")
    teachers = _check_count(teachers_to_train, field="teachers_to_train", label=_("承诺培训教师人数"), allow_zero=True)
    candidates = _check_count(candidates_to_assess, field="candidates_to_assess", label=_("承诺考核人数"),
                              allow_zero=True)
    if teachers + candidates == 0:
        raise AppError(_("承诺培训教师人数和承诺考核人数不能都为 0。"), field="teachers_to_train")
    commitment = HubeiCommitment.objects.select_for_update().filter(org=org).first()
    if commitment is None:
        commitment = HubeiCommitment.objects.create(org=org, teachers_to_train=teachers,
                                                    candidates_to_assess=candidates, updated_by=actor.user)
        audit_log(actor=actor, action="training.hubei_committed", obj=commitment, province=HUBEI,
                  changes={"teachers_to_train": [None, teachers], "candidates_to_assess": [None, candidates]})
        return commitment
    before = snapshot(commitment, ["teachers_to_train", "candidates_to_assess"])
    commitment.teachers_to_train, commitment.candidates_to_assess = teachers, candidates
    changes = diff(before, snapshot(commitment, ["teachers_to_train", "candidates_to_assess"]))
    if changes:
        commitment.updated_at, commitment.updated_by = timezone.now(), actor.user
        commitment.save()
        audit_log(actor=actor, action="training.hubei_commitment_revised", obj=commitment, province=HUBEI,
                  changes=changes)
    return commitment
