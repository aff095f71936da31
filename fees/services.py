"""Fee verification rules (rules 2 and 3 of domain.md): "2357" caps, itemized proposals, negotiation,
provincial verification. Nothing here touches issuance: certificates never import fees."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import audit_log
from accounts.models import Province, Role
from accounts.scoping import Actor
from accounts.services import notify_scope
from assessments.models import AssessmentSession
from certificates.catalog.models import AssessmentType, Certificate, Level
from core import normalize
from core.errors import AppError, Forbidden
from fees.models import (
    ITEM_APPLIES_TO,
    CostCap,
    CostItem,
    FeePayment,
    FeeStandard,
    FeeStandardLevel,
    FeeThread,
    FeeVersion,
    FeeVersionItem,
    fee_subject,
)
from fees.selectors import (
    assessment_type_for,
    cap_in_force,
    dues,
    fees_access,
    fixed_prices,
    payment_permissions,
    proposal_access,
    standard_describe,
    standard_levels_covered,
    standard_levels_in_force_from,
    thread_access_of,
)

CENT = Decimal("0.01")


def money_parse(value, *, field: str = "amount", label: str = "") -> Decimal:
    """A non-negative amount in yuan with at most two decimals, or AppError saying what is wrong."""
    label = label or _("金额")
    try:
        amount = normalize.decimal(value)
    except (InvalidOperation, ValueError):
        raise AppError(_("%(label)s“%(v)s”不是有效的金额。") % {"label": label, "v": value}, field=field) from None
    if not amount.is_finite():
        raise AppError(_("%(label)s“%(v)s”不是有效的金额。") % {"label": label, "v": value}, field=field)
    if amount < 0:
        raise AppError(_("%(label)s不能为负数。") % {"label": label}, field=field)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise AppError(_("%(label)s最多保留两位小数（元、角、分）。") % {"label": label}, field=field)
    return amount.quantize(CENT)


def cost_cap_set(*, actor: Actor, assessment_type: str, amount, effective_from: datetime.date,
                 basis: str) -> CostCap:
    """A new cap version from a date (the ministry's); earlier versions stay as they were."""
    attempt = {"assessment_type": assessment_type, "amount": str(amount), "effective_from": effective_from,
               "basis": basis}
    with _audited_refusal(actor, "fee.cap_set", str(assessment_type), attempt, object_type="fees.costcap"), \
            transaction.atomic():
        return _cost_cap_create(actor=actor, assessment_type=assessment_type, amount=amount,
                                effective_from=effective_from, basis=basis)


def _cost_cap_create(*, actor: Actor, assessment_type: str, amount, effective_from: datetime.date,
                     basis: str) -> CostCap:
    if "set_cap" not in fees_access(actor):
        raise Forbidden()
    if assessment_type not in AssessmentType.values:
        raise AppError(_("未知考核方式。"), field="assessment_type")
    value = money_parse(amount, field="amount", label=_("上限"))
    if value <= 0:
        raise AppError(_("上限必须大于 0。"), field="amount")
    if CostCap.objects.filter(assessment_type=assessment_type, effective_from=effective_from).exists():
        raise AppError(_("该考核方式在 %(d)s 已有上限版本。") % {"d": effective_from}, field="effective_from")
    cap = CostCap.objects.create(assessment_type=assessment_type, amount=value, effective_from=effective_from,
                                 basis=(basis or "").strip(), created_by=actor.user)
    audit_log(actor=actor, action="fee.cap_set", obj=cap, object_repr=f"{cap.get_assessment_type_display()} {value}",
              changes={"amount": [None, value], "effective_from": [None, effective_from]})
    return cap


def _priced_items(*, items: dict, assessment_type: str, province: Province, on: datetime.date):
    """Validate the itemized cost; returns (FeeVersionItem rows without version, total, cap)."""
    if not items:
        raise AppError(_("请至少填写一个费用项目。"), field="items")
    fixed = fixed_prices(province, on)
    rows, total = [], Decimal("0.00")
    for key, (raw_amount, basis) in items.items():
        if key not in CostItem.values:
            raise AppError(_("未知费用项目“%(i)s”。") % {"i": key}, field="items")
        label = CostItem(key).label
        if assessment_type not in ITEM_APPLIES_TO[key]:
            raise AppError(_("考核方式为“%(t)s”时不能列支“%(i)s”。") % {
                "t": AssessmentType(assessment_type).label, "i": label}, field="items")
        amount = money_parse(raw_amount, field="items", label=f"“{label}”")
        rule = fixed.get(key)
        if rule is not None and amount != rule.amount:
            raise AppError(_("“%(i)s”的价格已由《%(rule)s》规定为 %(p)s 元/人次。") % {
                "i": label, "rule": rule.rule, "p": rule.amount}, field="items")
        rows.append(FeeVersionItem(item=key, amount=amount, basis=(basis or "").strip()[:300], fixed_by=rule))
        total += amount
    cap = cap_in_force(assessment_type=assessment_type, on=on)
    if total > cap.amount:
        raise AppError(_("合计 %(t)s 元/人次，超过“%(k)s”考核成本上限 %(c)s 元/人次。") % {
            "t": total, "k": AssessmentType(assessment_type).label, "c": cap.amount}, field="items", code="over_cap")
    return rows, total, cap


def _version_create(*, actor: Actor, thread: FeeThread, items: dict, note: str) -> FeeVersion:
    rows, total, cap = _priced_items(items=items, assessment_type=thread.assessment_type, province=thread.province,
                                     on=timezone.localdate())
    number = (thread.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = FeeVersion.objects.create(thread=thread, number=number, author=actor.user, author_role=actor.role,
                                        note=(note or "").strip(), total=total, cap=cap, cap_amount=cap.amount)
    for row in rows:
        row.version = version
    FeeVersionItem.objects.bulk_create(rows)
    return version


def _audited_refusal(actor: Actor, attempted: str, subject: str, attempt: dict, *, org_id: int | None = None,
                     province: str | None = None, object_type: str = "fees.feethread", object_id=""):
    """Run the attempt of a fee action; a refusal saves nothing but is recorded the same way for
    every fee action, as ``fee.refused``: who, what (``attempted``: the action that was refused, and
    the input), why (the error's code, e.g. ``over_cap``) and the org whose fee it was, which the org
    behaviour indicators count. Wrap the action's transaction, so the record outlives its rollback."""

    class _Guard:
        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            if isinstance(exc, AppError):
                audit_log(actor=actor, action="fee.refused", object_type=object_type, object_id=str(object_id or ""),
                          object_repr=subject[:200], province=province, note=str(exc.message),
                          changes={"attempted": [None, attempted], "attempt": [None, attempt],
                                   "code": [None, exc.code], "org": [None, org_id]})
            return False

    return _Guard()


def fee_proposal_submit(*, actor: Actor, certificate: Certificate, level: str, province: Province, items: dict,
                        note: str = "") -> FeeVersion:
    """The org proposes (or revises) the itemized cost per person-time of one certificate (level) in
    one province; it opens the negotiation thread if none is open."""
    subject = fee_subject(certificate.name, level, province.name)
    attempt = {k: [str(a), b] for k, (a, b) in items.items()}
    # A refusal is recorded against the proposing org (none for an actor without an org scope).
    with _audited_refusal(actor, "fee.proposed", subject, attempt, org_id=actor.scope.org_id,
                          province=province.pk), transaction.atomic():
        proposal_access(actor, certificate).require("propose", _("只能为本组织的证书提出费用标准。"))
        if certificate.status != Certificate.Status.PUBLISHED:
            raise AppError(_("证书“%(c)s”当前不在已公布状态。") % {"c": certificate.name})
        assessment_type = assessment_type_for(certificate=certificate, level=level)
        thread = (FeeThread.objects.select_for_update()
                  .filter(certificate=certificate, level=level, province=province, status=FeeThread.Status.NEGOTIATING)
                  .first())
        if thread is None:
            thread = FeeThread.objects.create(certificate=certificate, level=level, province=province,
                                              org=certificate.org, assessment_type=assessment_type)
        version = _version_create(actor=actor, thread=thread, items=items, note=note)
        audit_log(actor=actor, action="fee.proposed", obj=version, object_repr=subject, province=province,
                  changes={"total": [None, version.total], "version": [None, version.number]})
    notify_scope(role=Role.PROVINCE_AGENCY, province=province, category="fees", kind="fee.proposed",
                 params={"c": certificate.name, "l": Level(level).label if level else gettext_lazy("各等级统一"),
                         "p": province.name},
                 link=reverse("fees:thread", args=[thread.pk]))
    return version


def fee_counter_propose(*, actor: Actor, thread: FeeThread, items: dict, note: str = "") -> FeeVersion:
    """The provincial pilot agency or an institution alliance answers, item by item."""
    attempt = {k: [str(a), b] for k, (a, b) in items.items()}
    with _audited_refusal(actor, "fee.countered", str(thread.certificate), attempt, org_id=thread.org_id,
                          province=thread.province_id, object_id=thread.pk), transaction.atomic():
        thread = FeeThread.objects.select_for_update().get(pk=thread.pk)
        if thread.status != FeeThread.Status.NEGOTIATING:
            raise AppError(_("该费用标准已核定，协商已结束。"))
        thread_access_of(actor, thread).require(
            "counter_propose", _("只有本省的省级试点工作指导协调机构或院校联盟可以提出反提议。"))
        version = _version_create(actor=actor, thread=thread, items=items, note=note)
        audit_log(actor=actor, action="fee.countered", obj=version, object_repr=str(thread.certificate),
                  province=thread.province_id, changes={"total": [None, version.total], "version": [None, version.number]})
    notify_scope(role=Role.ORG, scope_id=thread.org_id, category="fees", kind="fee.countered",
                 params={"c": thread.certificate.name}, link=reverse("fees:thread", args=[thread.pk]))
    return version


def fee_version_verify(*, actor: Actor, version: FeeVersion, effective_from: datetime.date) -> FeeStandard:
    """The provincial department verifies one version: from ``effective_from`` it becomes THE standard
    of each level it covers (the thread's level, or every level of the certificate for a standard
    verified for all levels) in the province. "同一证书在同一省域内标准统一": a standard already
    applying to one of those levels that started earlier ends the day before and is recorded as
    superseded by the new one; one starting on that date or later is a conflict, refused with its
    name. A refusal is audited like every refused fee action."""
    thread = version.thread
    subject = str(thread)
    attempt = {"version": version.pk, "total": str(version.total), "effective_from": effective_from}
    with _audited_refusal(actor, "fee.verified", subject, attempt, org_id=thread.org_id, province=thread.province_id,
                          object_id=thread.pk), transaction.atomic():
        return _standard_create(actor=actor, version=version, effective_from=effective_from)


def _standard_create(*, actor: Actor, version: FeeVersion, effective_from: datetime.date) -> FeeStandard:
    thread = FeeThread.objects.select_for_update().select_related("certificate", "province").get(pk=version.thread_id)
    if thread.status != FeeThread.Status.NEGOTIATING:
        raise AppError(_("该协商已核定，不能再次核定。"))
    thread_access_of(actor, thread).require("verify", _("只有本省的省级教育行政部门可以核定费用标准。"))
    cap = cap_in_force(assessment_type=thread.assessment_type, on=effective_from)
    if version.total > cap.amount:
        raise AppError(_("该版本合计 %(t)s 元/人次，超过 %(d)s 起适用的上限 %(c)s 元/人次。") % {
            "t": version.total, "d": effective_from, "c": cap.amount}, code="over_cap")
    # Verifications of one certificate wait for each other here (an all-levels and a level's own
    # negotiation are different threads), so each sees the standards the other verified. NO KEY:
    # rows that merely refer to the certificate (registrations, results) are not held up.
    list(Certificate.objects.select_for_update(no_key=True).filter(pk=thread.certificate_id).values_list("pk"))
    levels = standard_levels_covered(certificate=thread.certificate, level=thread.level)
    if not levels:
        raise AppError(_("证书“%(c)s”尚未设置等级。") % {"c": thread.certificate.name})
    current = standard_levels_in_force_from(certificate_id=thread.certificate_id, province_code=thread.province_id,
                                            levels=levels, on=effective_from, lock=True)
    # Only a clean succession is accepted: a standard that started earlier and still runs. One that
    # starts on or after the new date (or already ends after it, i.e. has a successor) conflicts.
    conflicts = [row for row in current if row.effective_from >= effective_from or row.effective_until is not None]
    if conflicts:
        row = max(conflicts, key=lambda r: r.effective_from)
        raise AppError(_("与已核定的标准冲突：%(s)s，适用于%(l)s。同一证书同一等级在本省同一时间只能适用一个标准，"
                         "新标准的生效日期须晚于 %(d)s。") % {
            "s": standard_describe(row.standard), "l": Level(row.level).label, "d": row.effective_from},
            field="effective_from", code="overlap")
    standard = FeeStandard.objects.create(
        thread=thread, version=version, certificate=thread.certificate, level=thread.level, province=thread.province,
        org=thread.org, assessment_type=thread.assessment_type, amount=version.total, cap=cap, cap_amount=cap.amount,
        effective_from=effective_from, verified_by=actor.user)
    day_before = effective_from - datetime.timedelta(days=1)
    superseded: dict[int, list[str]] = {}
    for row in current:
        row.effective_until, row.superseded_by = day_before, standard
        row.save(update_fields=["effective_until", "superseded_by"])
        superseded.setdefault(row.standard_id, []).append(row.level)
    FeeStandardLevel.objects.bulk_create(
        FeeStandardLevel(standard=standard, certificate_id=thread.certificate_id, province_id=thread.province_id,
                         level=level, effective_from=effective_from) for level in levels)
    for old in FeeStandard.objects.filter(pk__in=superseded).order_by("pk"):
        # A standard ends once it applies to no level any more (an all-levels one superseded for one
        # level only still applies to the others).
        before = old.effective_until
        if not old.levels.filter(effective_until__isnull=True).exists():
            old.effective_until = max(old.levels.values_list("effective_until", flat=True))
            old.save(update_fields=["effective_until"])
        audit_log(actor=actor, action="fee.superseded", obj=old, object_repr=standard_describe(old),
                  province=thread.province_id,
                  changes={"superseded_by": [None, standard.pk], "levels": [None, superseded[old.pk]],
                           "levels_until": [None, day_before], "effective_until": [before, old.effective_until]})
    thread.status = FeeThread.Status.VERIFIED
    thread.closed_at = timezone.now()
    thread.save(update_fields=["status", "closed_at"])
    audit_log(actor=actor, action="fee.verified", obj=standard, object_repr=str(thread.certificate),
              province=thread.province_id, changes={"amount": [None, standard.amount],
                                                    "effective_from": [None, effective_from],
                                                    "levels": [None, levels], "supersedes": [None, sorted(superseded)]})
    notify_scope(role=Role.ORG, scope_id=thread.org_id, category="fees", kind="fee.verified",
                 params={"c": thread.certificate.name, "a": standard.amount},
                 link=reverse("fees:thread", args=[thread.pk]))
    return standard


def fee_payment_record(*, actor: Actor, session_id: int, amount, paid_on: datetime.date, reference: str,
                       institution_id: int | None = None, person_id: int | None = None) -> FeePayment:
    """Record a payment against what is due for one finalized session: an institution pays for its
    candidates (recorded by the institution), a social learner pays the org (recorded by the org).
    Never more than is outstanding; nothing where no verified standard is in force."""
    attempt = {"session": session_id, "institution": institution_id, "person": person_id, "amount": str(amount),
               "paid_on": paid_on, "reference": reference}
    session = AssessmentSession.objects.filter(pk=session_id).only("org_id", "province_id").first()
    with _audited_refusal(actor, "fee.payment_recorded", _("考核批次 %(s)s") % {"s": session_id}, attempt,
                          org_id=session.org_id if session else None, province=session.province_id if session else None,
                          object_type="assessments.assessmentsession", object_id=session_id), transaction.atomic():
        return _payment_create(actor=actor, session_id=session_id, amount=amount, paid_on=paid_on, reference=reference,
                               institution_id=institution_id, person_id=person_id)


def _payment_create(*, actor: Actor, session_id: int, amount, paid_on: datetime.date, reference: str,
                    institution_id: int | None, person_id: int | None) -> FeePayment:
    session = AssessmentSession.objects.select_for_update().filter(pk=session_id).first()
    if institution_id is None and person_id is None:
        raise AppError(_("请指明付款的院校或社会学习者。"))
    may = payment_permissions(actor, institution_id=institution_id, person_id=person_id,
                              org_id=session.org_id if session is not None else None)
    if "record_payment" not in may:
        raise Forbidden(_("只能登记本院校的支付。") if institution_id is not None
                        else _("社会学习者的缴费由本考核的培训评价组织登记。"))
    due = next((d for d in dues(actor, session_id=session_id, institution_id=institution_id)
                if d.institution_id == institution_id and d.person_id == person_id), None)
    if session is None or due is None:
        raise AppError(_("该考核批次没有应付费用（未确认成绩或无参考人员）。"), code="nothing_due")
    if due.amount_due is None:
        raise AppError(_("%(d)s 时该证书在本省尚无核定的费用标准，应付金额无法确定，暂不能登记支付。") % {
            "d": due.session_date}, code="no_standard")
    value = money_parse(amount, field="amount", label=_("支付金额"))
    if value <= 0:
        raise AppError(_("支付金额必须大于 0。"), field="amount")
    if value > due.outstanding:
        raise AppError(_("支付金额 %(a)s 元超过尚欠金额 %(o)s 元。") % {"a": value, "o": due.outstanding},
                       field="amount", code="over_due")
    if paid_on > timezone.localdate():
        raise AppError(_("支付日期不能晚于今天。"), field="paid_on")
    if not (reference or "").strip():
        raise AppError(_("请填写支付凭证号。"), field="reference")
    payment = FeePayment.objects.create(session=session, institution_id=institution_id, person_id=person_id,
                                        org_id=session.org_id, province_id=session.province_id, amount=value,
                                        paid_on=paid_on, reference=reference.strip()[:64], recorded_by=actor.user)
    audit_log(actor=actor, action="fee.payment_recorded", obj=payment, object_repr=str(session),
              province=session.province_id, changes={"amount": [None, value], "reference": [None, reference]})
    return payment
