"""Conversion requests (学分转换申请): a student asks the institution of their enrolment to convert an
outcome into a course under one of its rules; the institution approves (recording the converted
credits) or declines with a reason. Every step is audited and the other side is told.

Limits are checked when the student asks (counting requests still open) and again when the
institution approves (counting approved conversions), under a row lock on the learning account, so
two requests racing each other cannot both slip under a limit.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from accounts.services import notify, notify_scope
from core.errors import AppError
from credit_bank import selectors
from credit_bank.models import Conversion, ConversionRule, LearningAccount, Outcome
from credit_bank.selectors import policy_for
from credit_bank.services.outcomes import parse_credits
from organizations.institutions.models import Enrolment


def _check_outcome_usable(outcome: Outcome) -> None:
    if outcome.status == Outcome.Status.REVOKED:
        raise AppError(_("证书 %(number)s 已撤销，对应的学习成果不能再转换学分。") % {"number": outcome.number},
                       code="outcome_revoked")


def _credits_of(conversion: Conversion) -> Decimal:
    if conversion.status == Conversion.Status.APPROVED:
        return conversion.converted_credits
    return conversion.rule_version.course_credits


def _check_limits(*, outcome: Outcome, institution, course_code: str, course_name: str, credits: Decimal,
                  statuses: tuple[str, ...], exclude_pk: int | None = None) -> None:
    """One certificate per course (or the institution's number), and per certificate at most the
    institution's credits and never more than the credit bank recognized."""
    policy = policy_for(institution)
    others = Conversion.objects.filter(status__in=statuses).exclude(pk=exclude_pk)
    same_course = (others.filter(person_id=outcome.account.person_id, institution=institution, course_code=course_code)
                   .exclude(outcome=outcome).values("outcome").distinct().count())
    if same_course >= policy.max_certificates_per_course:
        raise AppError(_("课程“%(course)s”已由您的其他证书申请或认定，%(institution)s规定每门课程最多认定 %(n)d 个证书。") % {
            "course": course_name, "institution": institution.name, "n": policy.max_certificates_per_course},
            code="course_limit")
    used = sum((_credits_of(c) for c in others.filter(outcome=outcome).select_related("rule_version")), Decimal("0"))
    cap = min(policy.max_credits_per_certificate, outcome.credits)
    if used + credits > cap:
        raise AppError(_("该证书已申请或认定 %(used)s 学分，再转换 %(credits)s 学分将超过上限 %(cap)s 学分"
                         "（学分银行认定 %(recognized)s 学分，%(institution)s规定每个证书最多转换 %(policy)s 学分）。") % {
            "used": used, "credits": credits, "cap": cap, "recognized": outcome.credits, "institution": institution.name,
            "policy": policy.max_credits_per_certificate}, code="credit_limit")


def _lock_account(outcome: Outcome) -> None:
    LearningAccount.objects.select_for_update().filter(pk=outcome.account_id).first()


def conversion_request(*, actor: Actor, outcome: Outcome, rule: ConversionRule, note: str = "") -> Conversion:
    outcome = selectors.outcome_for_conversion(actor=actor, pk=outcome.pk)
    _check_outcome_usable(outcome)
    if rule.status != ConversionRule.Status.ACTIVE:
        raise AppError(_("该转换规则已停用，不能再按它申请。"), field="rule")
    if (rule.certificate_id, rule.level) != (outcome.certificate_id, outcome.level):
        raise AppError(_("该规则适用于%(certificate)s（%(level)s），与您选择的学习成果不符。") % {
            "certificate": rule.certificate.name, "level": rule.get_level_display()}, field="rule")
    enrolment = Enrolment.objects.filter(person_id=actor.scope.person_id, institution=rule.institution,
                                         major_name=rule.major_name).first()
    if enrolment is None:
        raise AppError(_("您不是%(institution)s%(major)s专业的学生，不能按此规则申请转换。") % {
            "institution": rule.institution.name, "major": rule.major_name}, field="rule")
    version = rule.current
    duplicate = _("该学习成果已申请或已转换为课程“%(course)s”，不能重复转换。") % {"course": version.course_name}
    try:
        with transaction.atomic():
            _lock_account(outcome)
            if Conversion.objects.filter(outcome=outcome, institution=rule.institution, course_code=rule.course_code,
                                         status__in=Conversion.OPEN_STATUSES).exists():
                raise AppError(duplicate, field="rule", code="duplicate")
            _check_limits(outcome=outcome, institution=rule.institution, course_code=rule.course_code,
                          course_name=version.course_name, credits=version.course_credits,
                          statuses=Conversion.OPEN_STATUSES)
            conversion = Conversion.objects.create(
                outcome=outcome, person_id=actor.scope.person_id, institution=rule.institution, enrolment=enrolment,
                rule_version=version, course_code=rule.course_code, note=(note or "").strip()[:200])
            audit_log(actor=actor, action="credit.conversion_requested", obj=conversion,
                      province=rule.institution.province_id, changes={
                          "outcome": [None, outcome.number], "course": [None, f"{rule.course_code} {version.course_name}"],
                          "rule_version": [None, version.version], "status": [None, "requested"]})
            transaction.on_commit(lambda: _tell_institution(conversion))
    except IntegrityError:
        raise AppError(duplicate, field="rule", code="duplicate") from None
    return conversion


def _tell_institution(conversion: Conversion) -> None:
    institution = conversion.institution
    # The outcome and the rule version by reference: their names hold a level and "version n" in words.
    params = {"name": conversion.outcome.account.person.name, "certificate": conversion.outcome,
              "course": conversion.rule_version}
    link = reverse("credit:request_detail", args=[conversion.pk])
    notify_scope(role="institution", scope_id=institution.pk, category="credit", kind="credit.conversion_requested",
                 params=params, link=link)
    if institution.alliance_id:
        notify_scope(role="alliance", scope_id=institution.alliance_id, category="credit",
                     kind="credit.conversion_requested", params=params, link=link)


def _tell_student(conversion: Conversion, kind: str, params: dict) -> None:
    user = getattr(conversion.person, "user", None)
    if user is not None:
        notify(users=[user], category="credit", kind=kind, params=params, link=reverse("credit:account"))


def _locked_open(conversion: Conversion, *statuses: str) -> Conversion:
    current = Conversion.objects.select_for_update().select_related("outcome", "rule_version").get(pk=conversion.pk)
    if current.status not in statuses:
        raise AppError(_("该申请已处理（%(status)s），不能再次操作。") % {"status": current.get_status_display()},
                       code="already_decided")
    return current


def conversion_approve(*, actor: Actor, conversion: Conversion, credits=None) -> Conversion:
    """The institution approves and records the converted credits (the rule's course credits
    unless it records fewer)."""
    conversion = selectors.conversion_for_decision(actor=actor, pk=conversion.pk)
    with transaction.atomic():
        _lock_account(conversion.outcome)
        current = _locked_open(conversion, Conversion.Status.REQUESTED)
        _check_outcome_usable(current.outcome)
        allowed = current.rule_version.course_credits
        credits = allowed if credits in (None, "") else parse_credits(credits, field="credits")
        if credits <= 0 or credits > allowed:
            raise AppError(_("认定学分应大于 0 且不超过规则规定的课程学分 %(max)s。") % {"max": allowed}, field="credits")
        _check_limits(outcome=current.outcome, institution=current.institution, course_code=current.course_code,
                      course_name=current.rule_version.course_name, credits=credits,
                      statuses=(Conversion.Status.APPROVED,), exclude_pk=current.pk)
        current.status = Conversion.Status.APPROVED
        current.converted_credits = credits
        current.decided_at = timezone.now()
        current.decided_by = actor.user
        current.save(update_fields=["status", "converted_credits", "decided_at", "decided_by"])
        audit_log(actor=actor, action="credit.conversion_approved", obj=current,
                  province=current.institution.province_id,
                  changes={"status": ["requested", "approved"], "converted_credits": [None, credits]})
        transaction.on_commit(lambda: _tell_student(current, "credit.conversion_approved", {
            "course": current.rule_version.course_name, "credits": credits, "institution": current.institution.name}))
    return current


def conversion_decline(*, actor: Actor, conversion: Conversion, reason: str) -> Conversion:
    conversion = selectors.conversion_for_decision(actor=actor, pk=conversion.pk)
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("不予认定必须填写原因。"), field="reason")
    with transaction.atomic():
        current = _locked_open(conversion, Conversion.Status.REQUESTED)
        current.status = Conversion.Status.DECLINED
        current.decision_reason = reason[:300]
        current.decided_at = timezone.now()
        current.decided_by = actor.user
        current.save(update_fields=["status", "decision_reason", "decided_at", "decided_by"])
        audit_log(actor=actor, action="credit.conversion_declined", obj=current,
                  province=current.institution.province_id, changes={"status": ["requested", "declined"]}, note=reason)
        transaction.on_commit(lambda: _tell_student(current, "credit.conversion_declined", {
            "course": current.rule_version.course_name, "reason": reason}))
    return current


def conversion_withdraw(*, actor: Actor, conversion: Conversion) -> Conversion:
    """The student takes back a request the institution has not decided yet."""
    conversion = selectors.conversion_for_withdrawal(actor=actor, pk=conversion.pk)
    with transaction.atomic():
        current = _locked_open(conversion, Conversion.Status.REQUESTED)
        current.status = Conversion.Status.WITHDRAWN
        current.decided_at = timezone.now()
        current.save(update_fields=["status", "decided_at"])
        audit_log(actor=actor, action="credit.conversion_withdrawn", obj=current,
                  province=current.institution.province_id, changes={"status": ["requested", "withdrawn"]})
    return current


def conversion_annul(*, actor: Actor, conversion: Conversion, reason: str) -> Conversion:
    """The institution takes back converted credits (typically after the certificate was revoked)."""
    conversion = selectors.conversion_for_decision(actor=actor, pk=conversion.pk)
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("撤销认定必须填写原因。"), field="reason")
    with transaction.atomic():
        current = _locked_open(conversion, Conversion.Status.APPROVED)
        current.status = Conversion.Status.ANNULLED
        current.decision_reason = reason[:300]
        current.decided_at = timezone.now()
        current.decided_by = actor.user
        current.save(update_fields=["status", "decision_reason", "decided_at", "decided_by"])
        audit_log(actor=actor, action="credit.conversion_annulled", obj=current,
                  province=current.institution.province_id,
                  changes={"status": ["approved", "annulled"], "converted_credits": [current.converted_credits, None]},
                  note=reason)
        transaction.on_commit(lambda: _tell_student(
            current, _("学分转换认定已撤销：%(course)s") % {"course": current.rule_version.course_name}, reason))
    return current

