"""Writes of the X-certificate catalog: create and edit certificates, their standard documents,
publication, and the status changes the ministry's supervision makes (suspension, withdrawal,
replacement)."""

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.scoping import Actor
from certificates.catalog.models import (
    ASSESSMENT_TYPE_ORDER,
    AssessmentType,
    Certificate,
    CertificateLevel,
    CertificateMajor,
    CertificateStandard,
    CertificateStatusChange,
    Level,
    SelectionBatch,
)
from certificates.catalog.selectors import catalog_access, certificate_access
from core import normalize, stamps
from core.errors import AppError, Forbidden
from core.uploads import check_document, stored_file_save
from organizations.orgs.models import Org

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,15}$")
STANDARD_MAX_BYTES = 20 * 1024 * 1024
LEVEL_ORDER = [Level.JUNIOR, Level.INTERMEDIATE, Level.SENIOR]
_ONE_PLACE = Decimal("0.1")
_EDITABLE = ("code", "name", "org", "batch", "field", "description")

# Supervision moves (the lead's services call certificate_status_set). Withdrawn and replaced are
# final; applied -> published happens only through certificate_publish, with its batch.
STATUS_TRANSITIONS = {
    Certificate.Status.PUBLISHED: {Certificate.Status.SUSPENDED, Certificate.Status.WITHDRAWN,
                                   Certificate.Status.REPLACED},
    Certificate.Status.SUSPENDED: {Certificate.Status.PUBLISHED, Certificate.Status.WITHDRAWN,
                                   Certificate.Status.REPLACED},
}
FINAL_STATUSES = (Certificate.Status.WITHDRAWN, Certificate.Status.REPLACED)


def _require(actor: Actor, action: str) -> None:
    """403 unless ``actor`` may ``action`` the catalog (the same decision the pages and the API read)."""
    if action not in catalog_access(actor):
        raise Forbidden()


# --- levels ---------------------------------------------------------------------------------

def assessment_type_of(parts: Iterable[str]) -> str:
    """The type that sets a level's fee cap: its most expensive part (ASSESSMENT_TYPE_ORDER)."""
    parts = [p for p in parts if p]
    if not parts:
        raise AppError(_("请选择考核方式。"), field="levels")
    unknown = [p for p in parts if p not in AssessmentType.values]
    if unknown:
        raise AppError(_("考核方式“%(v)s”无效。") % {"v": unknown[0]}, field="levels")
    return max(parts, key=ASSESSMENT_TYPE_ORDER.index)


def _mark(value, default: str, *, label: str, what: str) -> Decimal:
    if value in (None, ""):
        value = default
    try:
        mark = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise AppError(_("“%(level)s”的%(what)s不是数字。") % {"level": label, "what": what}, field="levels") from None
    if not mark.is_finite() or mark != mark.quantize(_ONE_PLACE):
        raise AppError(_("“%(level)s”的%(what)s最多保留一位小数。") % {"level": label, "what": what}, field="levels")
    return mark


def levels_clean(levels: Sequence[dict]) -> list[dict]:
    """Validated levels, in 初级/中级/高级 order: ``{"level", "assessment_type", "full_mark",
    "pass_mark"}``. Each input gives ``assessment_type`` or the ``assessment_types`` of its parts."""
    if not levels:
        raise AppError(_("证书至少要设置一个等级。"), field="levels")
    cleaned = {}
    for raw in levels:
        level = raw.get("level")
        if level not in Level.values:
            raise AppError(_("等级“%(v)s”无效，应为初级、中级或高级。") % {"v": level}, field="levels")
        label = str(Level(level).label)
        if level in cleaned:
            raise AppError(_("等级“%(level)s”重复。") % {"level": label}, field="levels")
        parts = raw.get("assessment_types") or [raw.get("assessment_type")]
        if not any(parts):
            raise AppError(_("请为“%(level)s”选择考核方式。") % {"level": label}, field="levels")
        full = _mark(raw.get("full_mark"), "100", label=label, what=_("满分"))
        passing = _mark(raw.get("pass_mark"), "60", label=label, what=_("合格分数"))
        if full <= 0 or full > 1000:
            raise AppError(_("“%(level)s”的满分应大于 0 且不超过 1000。") % {"level": label}, field="levels")
        if passing < 0 or passing > full:
            raise AppError(_("“%(level)s”的合格分数应在 0 到满分 %(full)s 之间，当前为 %(pass)s。") % {
                "level": label, "full": full, "pass": passing}, field="levels")
        cleaned[level] = {"level": level, "assessment_type": assessment_type_of(parts), "full_mark": full,
                          "pass_mark": passing}
    return [cleaned[level] for level in LEVEL_ORDER if level in cleaned]


def majors_clean(majors: Iterable) -> list[tuple[str, str]]:
    """``(code, name)`` pairs, one per major; a major is a name or a ``(code, name)`` pair."""
    seen, result = set(), []
    for major in majors or ():
        code, name = ("", major) if isinstance(major, str) else (major[0] or "", major[1])
        code, name = normalize.code(code), (name or "").strip()
        if not name:
            continue
        if len(name) > 64 or len(code) > 16:
            raise AppError(_("专业“%(name)s”的名称或代码过长。") % {"name": name[:20]}, field="majors")
        if name not in seen:
            seen.add(name)
            result.append((code, name))
    return result


def _levels_save(certificate: Certificate, levels: list[dict]) -> None:
    existing = {lv.level: lv for lv in certificate.levels.all()}
    wanted = {lv["level"] for lv in levels}
    for data in levels:
        row = existing.get(data["level"]) or CertificateLevel(certificate=certificate, level=data["level"])
        row.assessment_type, row.full_mark, row.pass_mark = data["assessment_type"], data["full_mark"], data["pass_mark"]
        row.save()
    try:
        with transaction.atomic():
            certificate.levels.exclude(level__in=wanted).delete()
    except ProtectedError:
        raise AppError(_("要删除的等级已有考核记录，不能删除。"), field="levels") from None


def _majors_save(certificate: Certificate, majors: list[tuple[str, str]]) -> None:
    certificate.majors.all().delete()
    CertificateMajor.objects.bulk_create(CertificateMajor(certificate=certificate, major_code=code, major_name=name)
                                         for code, name in majors)


def levels_summary(levels) -> list[str]:
    """``["初级:机考:60/100", ...]``: levels as the audit log keeps them."""
    def part(lv):
        get = lv.get if isinstance(lv, dict) else lambda k: getattr(lv, k)
        return f"{get('level')}:{get('assessment_type')}:{get('pass_mark')}/{get('full_mark')}"
    return [part(lv) for lv in levels]


# --- skills (职业技能要求) --------------------------------------------------------------------

SKILLS_MAX_LINES = 20
SKILL_MAX_LENGTH = 200


def skills_clean(text: str, *, label: str, field: str = "skills") -> str:
    """One skill a line, trimmed, blank lines dropped; at most SKILLS_MAX_LINES lines of at most
    SKILL_MAX_LENGTH characters (the credential page lists them all)."""
    lines = [line.strip().replace("\u3000", " ").strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > SKILLS_MAX_LINES:
        raise AppError(_("“%(level)s”的职业技能要求最多 %(max)d 条，当前 %(n)d 条。") % {
            "level": label, "max": SKILLS_MAX_LINES, "n": len(lines)}, field=field)
    for number, line in enumerate(lines, start=1):
        if len(line) > SKILL_MAX_LENGTH:
            raise AppError(_("“%(level)s”的职业技能要求第 %(row)d 条超过 %(max)d 个字。") % {
                "level": label, "row": number, "max": SKILL_MAX_LENGTH}, field=field)
    return "\n".join(lines)


def skills_summary(levels) -> list[str]:
    """``["junior:能…；能…", ...]``: each level's skills as the audit log keeps them."""
    return [f"{lv.level}:{'；'.join(lv.skill_lines())}" for lv in levels]


@transaction.atomic
def certificate_skills_set(*, actor: Actor | None, certificate: Certificate, skills: dict[str, str]) -> bool:
    """Each level's 职业技能要求 (``{level: text}``; levels not given stay). Only the certificate's
    own org keeps them; ``actor`` None is the system (demo data). True if anything changed."""
    if actor is not None and "edit_skills" not in certificate_access(certificate.code, actor=actor).may:
        raise Forbidden()
    levels = list(CertificateLevel.objects.select_for_update().filter(certificate=certificate)
                  .order_by("level"))
    levels.sort(key=lambda lv: LEVEL_ORDER.index(lv.level))
    by_level = {lv.level: lv for lv in levels}
    unknown = [level for level in skills if level not in by_level]
    if unknown:
        raise AppError(_("证书“%(name)s”没有等级“%(v)s”。") % {"name": certificate.name, "v": unknown[0]},
                       field="skills")
    # The error names the level's own field (the form has one textarea per level).
    cleaned = {level: skills_clean(text, label=str(Level(level).label), field=level) for level, text in skills.items()}
    before = skills_summary(levels)
    changed = [by_level[level] for level, text in cleaned.items() if by_level[level].skills != text]
    for lv in changed:
        lv.skills = cleaned[lv.level]
        lv.save(update_fields=["skills"])
    if not changed:
        return False
    audit_log(actor=actor, action="certificate.skills_updated", obj=certificate,
              changes={"skills": [before, skills_summary(levels)]})
    return True


# --- certificates ---------------------------------------------------------------------------

def _code_clean(code: str, *, exclude_pk: int | None = None) -> str:
    code = normalize.code(code)
    if not CODE_RE.match(code):
        raise AppError(_("证书代码应为 2–16 位大写字母、数字或连字符，且不以连字符开头。"), field="code")
    clash = Certificate.objects.filter(code=code).exclude(pk=exclude_pk).only("name").first()
    if clash is not None:
        raise AppError(_("证书代码“%(code)s”已被证书“%(name)s”使用，请换一个代码。") % {"code": code, "name": clash.name},
                       field="code", code="duplicate_code")
    return code


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise AppError(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > max_length:
        raise AppError(_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": max_length}, field=field)
    return value


def _org_check(org: Org) -> None:
    if org.status in (Org.Status.DELISTED, Org.Status.WITHDRAWN):
        raise AppError(_("培训评价组织“%(org)s”已%(status)s，不能再为其登记证书。") % {
            "org": org.name, "status": org.get_status_display()}, field="org")


def _duplicate_code_error(code: str) -> AppError:
    return AppError(_("证书代码“%(code)s”已被使用，请换一个代码。") % {"code": code}, field="code", code="duplicate_code")


@transaction.atomic
def certificate_create(*, actor: Actor | None, code: str, name: str, org: Org, batch: SelectionBatch, field: str,
                       levels: Sequence[dict], majors: Iterable = (), description: str = "") -> Certificate:
    """A certificate in the catalog. It is published at once when its batch already is; otherwise
    it waits (申报中) and is published with the batch. ``actor`` None is the system (demo data)."""
    if actor is not None:
        _require(actor, "create")
    code = _code_clean(code)
    name = _text(name, field="name", label=_("证书名称"), max_length=100)
    field = _text(field, field="field", label=_("领域"), max_length=32)
    _org_check(org)
    levels = levels_clean(levels)
    majors = majors_clean(majors)
    published = batch.status == SelectionBatch.Status.PUBLISHED
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                code=code, name=name, org=org, batch=batch, field=field, description=(description or "").strip(),
                status=Certificate.Status.PUBLISHED if published else Certificate.Status.APPLIED,
                status_changed_at=timezone.now() if published else None)
    except IntegrityError:  # a concurrent create took the code between the check and the insert
        raise _duplicate_code_error(code) from None
    _levels_save(certificate, levels)
    _majors_save(certificate, majors)
    audit_log(actor=actor, action="certificate.created", obj=certificate, changes={
        "code": [None, code], "name": [None, name], "org": [None, org.pk], "batch": [None, batch.number],
        "field": [None, field], "status": [None, certificate.status], "levels": [None, levels_summary(levels)],
        "majors": [None, [n for _c, n in majors]]})
    return certificate


@transaction.atomic
def certificate_update(*, actor: Actor, certificate: Certificate, name: str | None = None, field: str | None = None,
                       description: str | None = None, levels: Sequence[dict] | None = None, majors=None,
                       code: str | None = None, org: Org | None = None,
                       batch: SelectionBatch | None = None) -> Certificate:
    """Edit a certificate. Arguments left None stay as they are. Code, owner and batch are fixed
    once the certificate is published: students' certificates and the supervision record name them."""
    _require(actor, "edit")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    before = snapshot(certificate, _EDITABLE)
    levels_before = levels_summary(certificate.levels.all())
    majors_before = list(certificate.majors.values_list("major_name", flat=True))
    fixed = certificate.status != Certificate.Status.APPLIED
    if code is not None and normalize.code(code) != certificate.code:
        if fixed:
            raise AppError(_("证书已公布，代码不能修改。"), field="code")
        certificate.code = _code_clean(code, exclude_pk=certificate.pk)
    if org is not None and org.pk != certificate.org_id:
        if fixed:
            raise AppError(_("证书已公布，所属培训评价组织不能修改；更换组织请通过摘牌替换办理。"), field="org")
        _org_check(org)
        certificate.org = org
    if batch is not None and batch.pk != certificate.batch_id:
        if fixed:
            raise AppError(_("证书已公布，遴选批次不能修改。"), field="batch")
        if batch.status == SelectionBatch.Status.PUBLISHED:
            raise AppError(_("第%(n)d批已公布，不能再把待公布的证书移入该批次。") % {"n": batch.number}, field="batch")
        certificate.batch = batch
    if name is not None:
        certificate.name = _text(name, field="name", label=_("证书名称"), max_length=100)
    if field is not None:
        certificate.field = _text(field, field="field", label=_("领域"), max_length=32)
    if description is not None:
        certificate.description = description.strip()
    try:
        with transaction.atomic():
            certificate.save()
    except IntegrityError:
        raise _duplicate_code_error(certificate.code) from None
    changes = diff(before, snapshot(certificate, _EDITABLE))
    if levels is not None:
        cleaned = levels_clean(levels)
        _levels_save(certificate, cleaned)
        if levels_summary(cleaned) != levels_before:
            changes["levels"] = [levels_before, levels_summary(cleaned)]
    if majors is not None:
        cleaned_majors = majors_clean(majors)
        _majors_save(certificate, cleaned_majors)
        if [n for _c, n in cleaned_majors] != majors_before:
            changes["majors"] = [majors_before, [n for _c, n in cleaned_majors]]
    if changes:
        stamps.renew(stamps.name(stamps.CERTIFICATE, certificate.pk))  # answers kept about its holders name it
        audit_log(actor=actor, action="certificate.updated", obj=certificate, changes=changes)
    return certificate


def standard_max_bytes() -> int:
    return getattr(settings, "CERTIFICATE_STANDARD_MAX_BYTES", STANDARD_MAX_BYTES)


@transaction.atomic
def certificate_standard_upload(*, actor: Actor, certificate: Certificate, upload) -> CertificateStandard:
    """A new version of the certificate's standard (PDF only). Earlier versions stay on record;
    the newest is the current one."""
    _require(actor, "upload_standard")
    if upload is None:
        raise AppError(_("请选择标准文件。"), field="file")
    checked = check_document(upload, max_bytes=standard_max_bytes(), kinds=("pdf",))
    version = certificate.standards.count() + 1
    standard = stored_file_save(CertificateStandard(certificate=certificate, uploaded_by=actor.user), upload,
                                original_name=upload.name, content_type=checked.content_type,
                                extension=checked.extension)
    audit_log(actor=actor, action="certificate.standard_uploaded", obj=certificate, changes={
        "standard": [None, standard.original_name], "version": [version - 1 or None, version], "size": [None, standard.size]})
    return standard


def certificate_publish(*, actor: Actor | None, certificate: Certificate, reason: str = "") -> bool:
    """applied -> published, with its batch's publication. True if this call published it; False
    if it was already published (publishing twice changes nothing)."""
    if actor is not None:
        _require(actor, "publish")
    now = timezone.now()
    changed = Certificate.objects.filter(pk=certificate.pk, status=Certificate.Status.APPLIED).update(
        status=Certificate.Status.PUBLISHED, status_changed_at=now)
    if not changed:
        current = Certificate.objects.only("status").get(pk=certificate.pk)
        if current.status == Certificate.Status.PUBLISHED:
            return False
        raise AppError(_("证书“%(name)s”当前为“%(status)s”，不能公布。") % {
            "name": certificate.name, "status": current.get_status_display()})
    certificate.status, certificate.status_changed_at = Certificate.Status.PUBLISHED, now
    CertificateStatusChange.objects.create(
        certificate=certificate, status_before=Certificate.Status.APPLIED, status_after=Certificate.Status.PUBLISHED,
        reason=reason or _("随遴选结果公布"), actor=getattr(actor, "user", None))
    return True


@transaction.atomic
def certificate_status_set(*, actor: Actor, certificate: Certificate, status: str, reason: str,
                           replaced_by: Certificate | None = None) -> Certificate:
    """A supervision move: suspend, lift a suspension, withdraw, or replace by a published
    certificate of a later batch. Withdrawn and replaced are final."""
    _require(actor, "set_status")
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("请填写原因。"), field="reason")
    certificate = Certificate.objects.select_for_update().select_related("batch").get(pk=certificate.pk)
    before = certificate.status
    if status not in Certificate.Status.values:
        raise AppError(_("状态“%(v)s”无效。") % {"v": status}, field="status")
    if before in FINAL_STATUSES:
        raise AppError(_("证书“%(name)s”已%(status)s，状态不能再变更。") % {
            "name": certificate.name, "status": certificate.get_status_display()}, code="final_status")
    if status not in STATUS_TRANSITIONS.get(before, set()):
        raise AppError(_("证书“%(name)s”当前为“%(before)s”，不能改为“%(after)s”。") % {
            "name": certificate.name, "before": certificate.get_status_display(),
            "after": Certificate.Status(status).label}, field="status", code="forbidden_transition")
    if status == Certificate.Status.REPLACED:
        _replacement_check(certificate, replaced_by)
    elif replaced_by is not None:
        raise AppError(_("只有“已替换”状态才能指定替换证书。"), field="replaced_by")
    certificate.status = status
    certificate.status_changed_at = timezone.now()
    certificate.replaced_by = replaced_by if status == Certificate.Status.REPLACED else certificate.replaced_by
    certificate.save(update_fields=["status", "status_changed_at", "replaced_by"])
    CertificateStatusChange.objects.create(certificate=certificate, status_before=before, status_after=status,
                                           reason=reason, actor=actor.user)
    changes = {"status": [before, status]}
    if replaced_by is not None:
        changes["replaced_by"] = [None, replaced_by.code]
    audit_log(actor=actor, action="certificate.status_changed", obj=certificate, changes=changes, note=reason)
    return certificate


def _replacement_check(certificate: Certificate, replaced_by: Certificate | None) -> None:
    if replaced_by is None:
        raise AppError(_("改为“已替换”必须指定替换证书。"), field="replaced_by")
    replaced_by = Certificate.objects.select_related("batch").get(pk=replaced_by.pk)
    if replaced_by.pk == certificate.pk:
        raise AppError(_("证书不能替换为它自己。"), field="replaced_by")
    if replaced_by.status != Certificate.Status.PUBLISHED:
        raise AppError(_("替换证书“%(name)s”当前为“%(status)s”，只能替换为已公布的证书。") % {
            "name": replaced_by.name, "status": replaced_by.get_status_display()}, field="replaced_by")
    if replaced_by.batch.number <= certificate.batch.number:
        raise AppError(_("替换证书“%(name)s”属于第%(n)d批，应来自晚于第%(m)d批的批次。") % {
            "name": replaced_by.name, "n": replaced_by.batch.number, "m": certificate.batch.number},
            field="replaced_by")
