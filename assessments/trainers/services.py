"""Trainer qualifications (培训师资格): an institution records which of its teachers attended an
org's trainer training for a certificate and whether they qualified as trainers (合格培训师); the
org that owns the certificate confirms attendance and qualification."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.models import IdType
from accounts.personal_data import Field, Relation, render
from accounts.scoping import Actor
from accounts.services import person_find_or_create
from assessments.models import TrainerQualification
from assessments.trainers.selectors import trainer_access, trainers_page_access
from certificates.catalog.models import Certificate
from core.errors import AppError, Forbidden
from organizations.institutions.models import Institution

FIELDS = ["subject", "training_date", "reported_qualified", "certificate"]


# The audit log is read by the ministry: it keeps the teacher's ID number as the ministry sees it.
AUDIT_READERS = frozenset({Relation.MINISTRY})


def _own_institution(actor: Actor) -> Institution:
    if not trainers_page_access(actor).record:
        raise Forbidden()
    return Institution.objects.get(pk=actor.binding.scope_id)


def _check(*, subject: str, certificate: Certificate, training_date: datetime.date) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise AppError(_("请填写任教学科或专业。"), field="subject")
    if len(subject) > 64:
        raise AppError(_("任教学科或专业不能超过 64 个字。"), field="subject")
    if certificate.status != Certificate.Status.PUBLISHED:
        raise AppError(_("证书“%(name)s”当前状态为“%(status)s”，不能登记其培训。") % {
            "name": certificate.name, "status": certificate.get_status_display()}, field="certificate")
    if training_date is None:
        raise AppError(_("请填写培训日期。"), field="training_date")
    if training_date > timezone.localdate():
        raise AppError(_("培训日期不能晚于今天。"), field="training_date")
    if training_date.year < 2019:
        raise AppError(_("培训日期不能早于 2019 年（试点开始之年）。"), field="training_date")
    return subject


@transaction.atomic
def trainer_record_create(*, actor: Actor, name: str, id_type: str, id_number: str, subject: str,
                          certificate: Certificate, training_date: datetime.date,
                          reported_qualified: bool) -> TrainerQualification:
    """The institution records one of its teachers at an org's trainer training."""
    institution = _own_institution(actor)
    subject = _check(subject=subject, certificate=certificate, training_date=training_date)
    if id_type not in (IdType.RESIDENT_ID, IdType.HMT_RESIDENCE):
        raise AppError(_("教师请使用居民身份证或港澳台居民居住证登记。"), field="id_type")
    person, _created, name_differs = person_find_or_create(actor=actor, id_type=id_type, id_number=id_number,
                                                            name=name)
    if name_differs:
        # Never reveal the name on file: the institution typed the number, it should know the name.
        raise AppError(_("该证件号码在平台登记的姓名与填写的“%(name)s”不一致，请核对姓名和证件号码。") % {
            "name": name.strip()}, field="name")
    try:
        with transaction.atomic():
            record = TrainerQualification.objects.create(
                institution=institution, person=person, subject=subject, certificate=certificate,
                training_date=training_date, reported_qualified=bool(reported_qualified), recorded_by=actor.user)
    except IntegrityError:
        raise AppError(_("已登记过该教师参加“%(cert)s”的培训，请在原记录上修改。") % {"cert": certificate.name},
                       field="id_number") from None
    audit_log(actor=actor, action="trainer.recorded", obj=record, province=institution.province_id,
              changes={"person": [None, render(Field.TRAINER_ID_NUMBER, AUDIT_READERS, person.id_number)],
                       "certificate": [None, certificate.pk], "training_date": [None, training_date],
                       "reported_qualified": [None, record.reported_qualified]})
    return record


@transaction.atomic
def trainer_record_update(*, actor: Actor, record: TrainerQualification, subject: str, certificate: Certificate,
                          training_date: datetime.date, reported_qualified: bool) -> TrainerQualification:
    record = trainer_access(actor, record.pk).require("edit")
    institution = record.institution
    if record.is_confirmed:
        raise AppError(_("培训评价组织已确认该记录，不能再修改。如有错误，请联系该组织。"))
    subject = _check(subject=subject, certificate=certificate, training_date=training_date)
    before = snapshot(record, FIELDS)
    record.subject, record.certificate, record.training_date = subject, certificate, training_date
    record.reported_qualified = bool(reported_qualified)
    changes = diff(before, snapshot(record, FIELDS))
    if changes:
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            raise AppError(_("已登记过该教师参加“%(cert)s”的培训。") % {"cert": certificate.name},
                           field="certificate") from None
        audit_log(actor=actor, action="trainer.corrected", obj=record, province=institution.province_id,
                  changes=changes)
    return record


@transaction.atomic
def trainer_record_delete(*, actor: Actor, record: TrainerQualification) -> None:
    record = trainer_access(actor, record.pk).require("delete")
    institution = record.institution
    if record.is_confirmed:
        raise AppError(_("培训评价组织已确认该记录，不能删除。"))
    audit_log(actor=actor, action="trainer.deleted", obj=record, province=institution.province_id,
              changes={"certificate": [record.certificate_id, None], "training_date": [record.training_date, None]})
    record.delete()


@transaction.atomic
def trainer_record_confirm(*, actor: Actor, record: TrainerQualification, attended: bool,
                           qualified: bool) -> TrainerQualification:
    """The org that owns the certificate confirms whether the teacher attended its trainer
    training and whether they qualified as a trainer. It may revise its own confirmation."""
    trainer_access(actor, record.pk).require("confirm")
    record = TrainerQualification.objects.select_for_update().select_related("certificate").get(pk=record.pk)
    if qualified and not attended:
        raise AppError(_("未参加培训的教师不能确认为合格培训师。"), field="qualified")
    before = snapshot(record, ["attendance_confirmed", "qualified"])
    record.attendance_confirmed, record.qualified = bool(attended), bool(qualified)
    record.confirmed_at, record.confirmed_by = timezone.now(), actor.user
    record.save(update_fields=["attendance_confirmed", "qualified", "confirmed_at", "confirmed_by"])
    audit_log(actor=actor, action="trainer.confirmed", obj=record, province=record.institution.province_id,
              changes=diff(before, snapshot(record, ["attendance_confirmed", "qualified"])))
    return record
