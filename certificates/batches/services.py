"""Writes of the selection batches (遴选): open a batch, record applications (typed, imported, or
submitted online by an org), record review outcomes, and publish the result into the catalog."""

import datetime
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from certificates.batches.imports import applications_read
from certificates.batches.models import ApplicationCertificate, BatchApplication
from certificates.batches.selectors import batch_permissions, batches_access
from certificates.catalog.models import Certificate, CertificateLevel, SelectionBatch
from certificates.catalog.selectors import catalog_code_prefix
from certificates.catalog.services import certificate_publish, levels_clean
from core.errors import AppError, Forbidden
from organizations.orgs.models import Org
from organizations.orgs.validators import normalize_credit_code

_SCORE_PLACES = Decimal("0.01")
Outcome = ApplicationCertificate.Outcome


def _require(actor: Actor, batch: SelectionBatch, action: str) -> None:
    """403 unless ``actor`` may ``action`` the batch (the decision the pages and the API read)."""
    if action not in batch_permissions(actor, batch):
        raise Forbidden()


# --- batches --------------------------------------------------------------------------------

def batch_open(*, actor: Actor | None, number: int, name: str, opened_on: datetime.date,
               closes_on: datetime.date | None = None) -> SelectionBatch:
    if actor is not None and "open" not in batches_access(actor):
        raise Forbidden()
    if not number or number < 1:
        raise AppError(_("批次号应为正整数。"), field="number")
    name = (name or "").strip() or _("第%(n)d批职业技能等级证书及培训评价组织遴选") % {"n": number}
    if opened_on is None:
        raise AppError(_("请填写开始申报日期。"), field="opened_on")
    if closes_on is not None and closes_on < opened_on:
        raise AppError(_("申报截止日期不能早于开始申报日期。"), field="closes_on")
    try:
        with transaction.atomic():
            batch = SelectionBatch.objects.create(number=number, name=name[:100], opened_on=opened_on,
                                                  closes_on=closes_on)
    except IntegrityError:
        raise AppError(_("第%(n)d批已经存在。") % {"n": number}, field="number", code="duplicate_batch") from None
    audit_log(actor=actor, action="batch.opened", obj=batch,
              changes={"number": [None, number], "opened_on": [None, opened_on], "closes_on": [None, closes_on]})
    return batch


def batch_close_applications(*, actor: Actor, batch: SelectionBatch) -> SelectionBatch:
    """申报截止: the batch moves from open to review; orgs can no longer apply online."""
    _require(actor, batch, "close")
    changed = SelectionBatch.objects.filter(pk=batch.pk, status=SelectionBatch.Status.OPEN).update(
        status=SelectionBatch.Status.REVIEWING)
    if not changed:
        raise AppError(_("第%(n)d批不在申报中，不能截止申报。") % {"n": batch.number})
    batch.refresh_from_db()
    audit_log(actor=actor, action="batch.closed", obj=batch, changes={"status": ["open", "reviewing"]})
    return batch


# --- applications ---------------------------------------------------------------------------

def _certificates_clean(certificates: Sequence[dict]) -> list[dict]:
    if not certificates:
        raise AppError(_("申报至少要包含一个证书。"), field="certificates")
    cleaned, names = [], set()
    for index, item in enumerate(certificates, start=1):
        name = (item.get("name") or "").strip()
        field = (item.get("field") or "").strip()
        if not name:
            raise AppError(_("第%(i)d个证书未填写名称。") % {"i": index}, field="certificates")
        if len(name) > 100 or len(field) > 32:
            raise AppError(_("证书“%(name)s”的名称或领域过长。") % {"name": name[:30]}, field="certificates")
        if not field:
            raise AppError(_("证书“%(name)s”未填写领域。") % {"name": name}, field="certificates")
        if name in names:
            raise AppError(_("证书“%(name)s”在同一申报中重复。") % {"name": name}, field="certificates")
        names.add(name)
        try:
            levels = levels_clean(item.get("levels") or [])
        except AppError as error:
            raise AppError(_("证书“%(name)s”：%(error)s") % {"name": name, "error": error.message},
                           field="certificates") from None
        cleaned.append({"name": name, "field": field, "levels": [
            {**lv, "full_mark": str(lv["full_mark"]), "pass_mark": str(lv["pass_mark"])} for lv in levels]})
    return cleaned


def _applicant_clean(applicant_name: str, credit_code: str, org_type: str) -> tuple[str, str, str]:
    applicant_name = (applicant_name or "").strip()
    if not applicant_name:
        raise AppError(_("请填写申报单位名称。"), field="applicant_name")
    if len(applicant_name) > 128:
        raise AppError(_("申报单位名称不能超过 128 个字。"), field="applicant_name")
    credit_code = normalize_credit_code(credit_code)
    if org_type not in Org.OrgType.values:
        raise AppError(_("请选择单位类型。"), field="org_type")
    return applicant_name, credit_code, org_type


@transaction.atomic
def application_submit(*, actor: Actor | None, batch: SelectionBatch, certificates: Sequence[dict],
                       applicant_name: str = "", credit_code: str = "", org_type: str = "") -> BatchApplication:
    """One applicant's application with one or more certificates. The ministry records any
    applicant's (typed in or imported) until the batch is published; an org applies online for
    itself while the batch is open. ``actor`` None is the system (imports, demo data)."""
    batch = SelectionBatch.objects.select_for_update().get(pk=batch.pk)
    org = None
    may = batch_permissions(actor, batch) if actor is not None else None
    if may is not None and "apply" in may:
        if batch.status != SelectionBatch.Status.OPEN:
            raise AppError(_("第%(n)d批不在申报期内，不能在线申报。") % {"n": batch.number}, code="batch_closed")
        org = Org.objects.get(pk=actor.scope.org_id)
        applicant_name, credit_code, org_type = org.name, org.credit_code, org.org_type
    elif may is not None and "record_application" not in may:
        raise Forbidden()
    if batch.status == SelectionBatch.Status.PUBLISHED:
        raise AppError(_("第%(n)d批已公布，不能再录入申报。") % {"n": batch.number}, code="batch_published")
    applicant_name, credit_code, org_type = _applicant_clean(applicant_name, credit_code, org_type)
    cleaned = _certificates_clean(certificates)
    if BatchApplication.objects.filter(batch=batch, credit_code=credit_code).exists():
        raise AppError(_("统一社会信用代码为 %(code)s 的单位已在第%(n)d批申报，不能重复申报。") % {
            "code": credit_code, "n": batch.number}, field="credit_code", code="duplicate_application")
    org = org or Org.objects.filter(credit_code=credit_code).first()
    application = BatchApplication.objects.create(
        batch=batch, applicant_name=applicant_name, credit_code=credit_code, org_type=org_type, org=org,
        submitted_by=getattr(actor, "user", None))
    ApplicationCertificate.objects.bulk_create(
        ApplicationCertificate(application=application, name=c["name"], field=c["field"], levels=c["levels"])
        for c in cleaned)
    audit_log(actor=actor, action="batch.application_submitted", obj=batch, changes={
        "applicant": [None, applicant_name], "credit_code": [None, credit_code],
        "certificates": [None, [c["name"] for c in cleaned]]})
    return application


@transaction.atomic
def applications_import(*, actor: Actor, batch: SelectionBatch, upload) -> int:
    """Record every application of an XLSX/CSV list the ministry received. All or nothing: one bad
    row and nothing is saved, with every problem listed by row."""
    _require(actor, batch, "import_applications")
    applications = applications_read(upload)
    errors = []
    for imported in applications:
        try:
            with transaction.atomic():
                application_submit(actor=actor, batch=batch, applicant_name=imported.applicant_name,
                                   credit_code=imported.credit_code, org_type=imported.org_type,
                                   certificates=imported.certificates)
        except AppError as error:
            errors.append(_("第%(rows)s行（%(name)s）：%(error)s") % {
                "rows": "、".join(str(r) for r in imported.rows), "name": imported.applicant_name or "—",
                "error": error.message})
    if errors:
        raise AppError(_("导入文件有 %(n)d 处错误，未导入任何数据。") % {"n": len(errors)}, field="file", details=errors)
    audit_log(actor=actor, action="batch.applications_imported", obj=batch, changes={
        "applications": [None, len(applications)],
        "certificates": [None, sum(len(a.certificates) for a in applications)]}, note=upload.name)
    return len(applications)


def _score_clean(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AppError(_("专家评审分应为数字。"), field="expert_score") from None
    if not score.is_finite() or score != score.quantize(_SCORE_PLACES):
        raise AppError(_("专家评审分最多保留两位小数。"), field="expert_score")
    if score < 0 or score > 100:
        raise AppError(_("专家评审分应在 0 到 100 之间，当前为 %(s)s。") % {"s": score}, field="expert_score")
    return score


@transaction.atomic
def application_review_record(*, actor: Actor, item: ApplicationCertificate, outcome: str, expert_score=None,
                              notice_from: datetime.date | None = None, notice_until: datetime.date | None = None,
                              today: datetime.date | None = None) -> ApplicationCertificate:
    """The review of one applied certificate: expert score, public notice (公示) and decision. An
    approval needs a finished notice period; a rejection can be recorded at any stage."""
    item = ApplicationCertificate.objects.select_for_update().select_related("application__batch").get(pk=item.pk)
    batch = item.application.batch
    _require(actor, batch, "review")
    today = today or timezone.localdate()
    if batch.status == SelectionBatch.Status.PUBLISHED:
        raise AppError(_("第%(n)d批已公布，评审结果不能再修改。") % {"n": batch.number}, code="batch_published")
    if outcome not in Outcome.values:
        raise AppError(_("评审结果无效。"), field="outcome")
    score = _score_clean(expert_score)
    if (notice_from is None) != (notice_until is None):
        raise AppError(_("公示期需同时填写开始和结束日期。"), field="notice_until")
    if notice_from and notice_until < notice_from:
        raise AppError(_("公示结束日期不能早于开始日期。"), field="notice_until")
    if outcome in (Outcome.SHORTLISTED, Outcome.APPROVED) and notice_from is None:
        raise AppError(_("“%(o)s”须先填写公示期。") % {"o": Outcome(outcome).label}, field="notice_from")
    if outcome == Outcome.APPROVED:
        if score is None:
            raise AppError(_("录入通过决定前须先录入专家评审分。"), field="expert_score")
        if today <= notice_until:
            raise AppError(_("公示期至 %(d)s 结束，公示期满后才能录入通过决定。") % {
                "d": date_format(notice_until, "Y年n月j日")}, field="outcome", code="notice_not_ended")
    before = {"outcome": item.outcome, "expert_score": item.expert_score, "notice_from": item.notice_from,
              "notice_until": item.notice_until}
    item.outcome, item.expert_score, item.notice_from, item.notice_until = outcome, score, notice_from, notice_until
    item.decided_at = timezone.now() if outcome in (Outcome.APPROVED, Outcome.REJECTED) else None
    item.save(update_fields=["outcome", "expert_score", "notice_from", "notice_until", "decided_at"])
    after = {"outcome": outcome, "expert_score": score, "notice_from": notice_from, "notice_until": notice_until}
    audit_log(actor=actor, action="batch.review_recorded", obj=batch, object_repr=f"{batch} · {item.name}",
              changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
              note=item.application.applicant_name)
    return item


# --- publication ----------------------------------------------------------------------------

def org_create_from_application(*, actor: Actor | None, application: BatchApplication) -> Org:
    """The org an approved applicant becomes (no organizations service creates orgs yet; this one
    stays small so it can move there). An applicant whose credit code is already an org's is
    linked to that org."""
    org = Org.objects.filter(credit_code=application.credit_code).first()
    if org is not None:
        return org
    if Org.objects.filter(name=application.applicant_name).exists():
        raise AppError(_("申报单位“%(name)s”与已有培训评价组织同名，但统一社会信用代码不同，请核对后再公布。") % {
            "name": application.applicant_name}, code="org_name_clash")
    org = Org.objects.create(name=application.applicant_name, credit_code=application.credit_code,
                             org_type=application.org_type, batch_number=application.batch.number)
    audit_log(actor=actor, action="org.created", obj=org, changes={
        "name": [None, org.name], "credit_code": [None, org.credit_code], "org_type": [None, org.org_type],
        "batch_number": [None, org.batch_number]})
    return org


def _code_allocator(batch: SelectionBatch):
    """Catalog codes for a batch's new certificates, skipping codes already taken."""
    prefix = catalog_code_prefix(batch)
    taken = set(Certificate.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    sequence = 0

    def allocate() -> str:
        nonlocal sequence
        while True:
            sequence += 1
            code = f"{prefix}{sequence:03d}"
            if code not in taken:
                taken.add(code)
                return code

    return allocate


def _certificate_from(item: ApplicationCertificate, org: Org, code: str) -> Certificate:
    certificate = Certificate.objects.create(code=code, name=item.name, org=org, batch=item.application.batch,
                                             field=item.field, status=Certificate.Status.APPLIED)
    CertificateLevel.objects.bulk_create(
        CertificateLevel(certificate=certificate, level=lv["level"], assessment_type=lv["assessment_type"],
                         full_mark=Decimal(str(lv.get("full_mark", "100"))),
                         pass_mark=Decimal(str(lv.get("pass_mark", "60"))))
        for lv in item.levels)
    return certificate


@transaction.atomic
def batch_publish(*, actor: Actor | None, batch: SelectionBatch) -> dict:
    """Publish the batch: every approved certificate enters the catalog as published, its
    applicant becoming an org (or linked to the existing one). Idempotent: a certificate already
    made from an application is never made again. ``actor`` None is the system (demo data)."""
    if actor is not None:
        _require(actor, batch, "publish")
    batch = SelectionBatch.objects.select_for_update().get(pk=batch.pk)
    undecided = ApplicationCertificate.objects.filter(
        application__batch=batch, outcome__in=(Outcome.PENDING, Outcome.SHORTLISTED)).count()
    if undecided:
        raise AppError(_("第%(n)d批还有 %(k)d 个申报证书未作出评审决定，不能公布。") % {"n": batch.number, "k": undecided},
                       code="undecided")
    allocate = _code_allocator(batch)
    reason = _("第%(n)d批遴选结果公布") % {"n": batch.number}
    orgs_before = Org.objects.count()
    items = (ApplicationCertificate.objects.filter(application__batch=batch, outcome=Outcome.APPROVED,
                                                   certificate__isnull=True)
             .select_related("application__batch", "application__org").order_by("application__applicant_name", "pk"))
    made = []
    for item in items:
        application = item.application
        if application.org is None:
            application.org = org_create_from_application(actor=actor, application=application)
            application.save(update_fields=["org"])
        certificate = _certificate_from(item, application.org, allocate())
        item.certificate = certificate
        item.save(update_fields=["certificate"])
        made.append(certificate)
    # Certificates the ministry entered straight into this batch wait for it too.
    waiting = list(Certificate.objects.filter(batch=batch, status=Certificate.Status.APPLIED))
    published = [c.code for c in waiting if certificate_publish(actor=actor, certificate=c, reason=reason)]
    status_before = batch.status
    first_time = status_before != SelectionBatch.Status.PUBLISHED
    if first_time:
        batch.status, batch.published_on = SelectionBatch.Status.PUBLISHED, timezone.localdate()
        batch.save(update_fields=["status", "published_on"])
    summary = {"certificates_created": len(made), "certificates_published": len(published),
               "orgs_created": Org.objects.count() - orgs_before}
    if first_time or published:
        audit_log(actor=actor, action="batch.published", obj=batch, changes={
            "status": [status_before, SelectionBatch.Status.PUBLISHED], "certificates": [None, published],
            **{k: [None, v] for k, v in summary.items()}})
    return summary
