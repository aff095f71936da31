"""Fee verification rules (rules 2 and 3 of domain.md): "2357" caps, itemized proposals, negotiation,
provincial verification. Nothing here touches issuance: certificates never import fees."""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Province, Role
from accounts.scoping import Actor
from accounts.services import notify_scope
from assessments.models import AssessmentSession
from certificates.catalog.models import AssessmentType, Certificate
from core import normalize
from core.errors import AppError, Forbidden
from fees.models import ITEM_APPLIES_TO, CostCap, CostItem, FeePayment, FeeStandard, FeeThread, FeeVersion, FeeVersionItem
from fees.selectors import (
    assessment_type_for,
    cap_in_force,
    dues,
    fees_access,
    fixed_prices,
    payment_permissions,
    proposal_access,
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


@transaction.atomic
def cost_cap_set(*, actor: Actor, assessment_type: str, amount, effective_from: datetime.date,
                 basis: str) -> CostCap:
    """A new cap version from a date (the ministry's); earlier versions stay as they were."""
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


def _audited_refusal(actor: Actor, action: str, subject: str, attempt: dict, org_id: int | None = None):
    """Run the attempt; a refusal saves nothing but is recorded (who, what, why: the error's code,
    e.g. ``over_cap``, and the org whose fee it was, which the org behaviour indicators count)."""

    class _Guard:
        def __enter__(self):
            return self

        def __exit__(self, exc_type, exc, tb):
            if isinstance(exc, AppError):
                audit_log(actor=actor, action=action, object_type="fees.feethread", object_repr=subject[:200],
                          note=str(exc.message), changes={"attempt": [None, attempt], "code": [None, exc.code],
                                                          "org": [None, org_id]})
            return False

    return _Guard()


def fee_proposal_submit(*, actor: Actor, certificate: Certificate, level: str, province: Province, items: dict,
                        note: str = "") -> FeeVersion:
    """The org proposes (or revises) the itemized cost per person-time of one certificate (level) in
    one province; it opens the negotiation thread if none is open."""
    subject = f"{certificate.name} {level} {province.name}"
    attempt = {k: [str(a), b] for k, (a, b) in items.items()}
    # A refusal is recorded against the proposing org (none for an actor without an org scope).
    with _audited_refusal(actor, "fee.refused", subject, attempt, org_id=actor.scope.org_id), transaction.atomic():
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
    notify_scope(role=Role.PROVINCE_AGENCY, province=province, category="fees",
                 title=_("收到费用标准提议：%(s)s") % {"s": subject}, link=reverse("fees:thread", args=[thread.pk]))
    return version


def fee_counter_propose(*, actor: Actor, thread: FeeThread, items: dict, note: str = "") -> FeeVersion:
    """The provincial pilot agency or an institution alliance answers, item by item."""
    attempt = {k: [str(a), b] for k, (a, b) in items.items()}
    with _audited_refusal(actor, "fee.refused", str(thread.certificate), attempt, org_id=thread.org_id), \
            transaction.atomic():
        thread = FeeThread.objects.select_for_update().get(pk=thread.pk)
        if thread.status != FeeThread.Status.NEGOTIATING:
            raise AppError(_("该费用标准已核定，协商已结束。"))
        thread_access_of(actor, thread).require(
            "counter_propose", _("只有本省的省级试点工作指导协调机构或院校联盟可以提出反提议。"))
        version = _version_create(actor=actor, thread=thread, items=items, note=note)
        audit_log(actor=actor, action="fee.countered", obj=version, object_repr=str(thread.certificate),
                  province=thread.province_id, changes={"total": [None, version.total], "version": [None, version.number]})
    notify_scope(role=Role.ORG, scope_id=thread.org_id, category="fees",
                 title=_("费用标准收到反提议：%(c)s") % {"c": thread.certificate.name},
                 link=reverse("fees:thread", args=[thread.pk]))
    return version


@transaction.atomic
def fee_version_verify(*, actor: Actor, version: FeeVersion, effective_from: datetime.date) -> FeeStandard:
    """The provincial department verifies one version: it becomes THE standard of that certificate
    (level) in the province from ``effective_from``; an earlier standard ends the day before."""
    thread = FeeThread.objects.select_for_update().get(pk=version.thread_id)
    if thread.status != FeeThread.Status.NEGOTIATING:
        raise AppError(_("该协商已核定，不能再次核定。"))
    thread_access_of(actor, thread).require("verify", _("只有本省的省级教育行政部门可以核定费用标准。"))
    cap = cap_in_force(assessment_type=thread.assessment_type, on=effective_from)
    if version.total > cap.amount:
        raise AppError(_("该版本合计 %(t)s 元/人次，超过 %(d)s 起适用的上限 %(c)s 元/人次。") % {
            "t": version.total, "d": effective_from, "c": cap.amount}, code="over_cap")
    current = list(FeeStandard.objects.select_for_update().filter(
        certificate=thread.certificate, level=thread.level, province=thread.province)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=effective_from)))
    for standard in current:
        if standard.effective_from >= effective_from:
            raise AppError(_("已有 %(d)s 起生效的核定标准，新标准的生效日期须晚于该日期。") % {
                "d": standard.effective_from}, field="effective_from", code="overlap")
    for standard in current:
        standard.effective_until = effective_from - datetime.timedelta(days=1)
        standard.save(update_fields=["effective_until"])
        audit_log(actor=actor, action="fee.superseded", obj=standard, province=thread.province_id,
                  changes={"effective_until": [None, standard.effective_until]})
    standard = FeeStandard.objects.create(
        thread=thread, version=version, certificate=thread.certificate, level=thread.level, province=thread.province,
        org=thread.org, assessment_type=thread.assessment_type, amount=version.total, cap=cap, cap_amount=cap.amount,
        effective_from=effective_from, verified_by=actor.user)
    thread.status = FeeThread.Status.VERIFIED
    thread.closed_at = timezone.now()
    thread.save(update_fields=["status", "closed_at"])
    audit_log(actor=actor, action="fee.verified", obj=standard, object_repr=str(thread.certificate),
              province=thread.province_id, changes={"amount": [None, standard.amount],
                                                    "effective_from": [None, effective_from]})
    notify_scope(role=Role.ORG, scope_id=thread.org_id, category="fees",
                 title=_("费用标准已核定：%(c)s %(a)s 元/人次") % {"c": thread.certificate.name, "a": standard.amount},
                 link=reverse("fees:thread", args=[thread.pk]))
    return standard


@transaction.atomic
def fee_payment_record(*, actor: Actor, session_id: int, amount, paid_on: datetime.date, reference: str,
                       institution_id: int | None = None, person_id: int | None = None) -> FeePayment:
    """Record a payment against what is due for one finalized session: an institution pays for its
    candidates (recorded by the institution), a social learner pays the org (recorded by the org).
    Never more than is outstanding; nothing where no verified standard is in force."""
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
