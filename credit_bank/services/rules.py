"""Conversion rules (转换规则) and each institution's limits.

An institution (or its alliance, acting for a member) says, per major it runs, which certificate
level converts into which course. A rule's course credits never exceed the institution's limit per
certificate nor what the credit bank recognizes for that level. A change makes a new version;
conversions keep the version they were requested under.
"""

import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.scoping import Actor
from certificates.catalog.models import Certificate, CertificateLevel
from core import normalize
from core.errors import AppError
from credit_bank import selectors
from credit_bank.models import (
    MAX_CERTIFICATES_PER_COURSE_CEILING,
    MAX_RECOGNIZED_CREDITS,
    ConversionPolicy,
    ConversionRule,
    ConversionRuleVersion,
    CourseType,
)
from credit_bank.selectors import catalog_credits, institution_majors, policy_for
from credit_bank.services.outcomes import level_label, parse_credits
from organizations.institutions.models import Institution

COURSE_CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,20}$")


# --- limits -----------------------------------------------------------------------------------

def policy_set(*, actor: Actor, institution: Institution, max_certificates_per_course,
               max_credits_per_certificate) -> ConversionPolicy:
    institution = selectors.institution_for_rules(actor=actor, pk=institution.pk)
    try:
        per_course = normalize.integer(max_certificates_per_course)
    except (TypeError, ValueError):
        raise AppError(_("每门课程最多可认定的证书数必须是整数。"), field="max_certificates_per_course") from None
    if not 1 <= per_course <= MAX_CERTIFICATES_PER_COURSE_CEILING:
        raise AppError(_("每门课程最多可认定的证书数应在 1 到 %(n)d 之间。") % {"n": MAX_CERTIFICATES_PER_COURSE_CEILING},
                       field="max_certificates_per_course")
    per_certificate = parse_credits(max_credits_per_certificate, field="max_credits_per_certificate")
    if not Decimal("0") < per_certificate <= MAX_RECOGNIZED_CREDITS:
        raise AppError(_("每个证书最多可转换的学分应大于 0 且不超过 %(max)s。") % {"max": MAX_RECOGNIZED_CREDITS},
                       field="max_credits_per_certificate")
    fields = ["max_certificates_per_course", "max_credits_per_certificate"]
    with transaction.atomic():
        policy = ConversionPolicy.objects.select_for_update().filter(institution=institution).first()
        before = snapshot(policy or policy_for(institution), fields)
        if policy is None:
            policy = ConversionPolicy(institution=institution)
        policy.max_certificates_per_course = per_course
        policy.max_credits_per_certificate = per_certificate
        policy.updated_by = actor.user
        changes = diff(before, snapshot(policy, fields))
        if not changes and policy.pk:
            return policy
        policy.save()
        audit_log(actor=actor, action="credit.policy_changed", obj=policy, province=institution.province_id,
                  changes=changes, object_repr=str(institution))
    return policy


# --- rules ------------------------------------------------------------------------------------

def _check_major(institution: Institution, major_name: str, major_code: str) -> str:
    major_name = (major_name or "").strip()
    major_code = normalize.code(major_code)
    known = dict((name, code) for code, name in institution_majors(institution))
    if not major_name or major_name not in known:
        raise AppError(_("%(institution)s没有开设“%(major)s”专业（没有该专业的在籍学生），不能为其制定转换规则。") % {
            "institution": institution.name, "major": major_name or "—"}, field="major_name", code="major_not_run")
    if major_code and known[major_name] and major_code != known[major_name]:
        raise AppError(_("专业代码 %(given)s 与%(institution)s“%(major)s”专业的代码 %(code)s 不符。") % {
            "given": major_code, "institution": institution.name, "major": major_name, "code": known[major_name]},
            field="major_code", code="major_not_run")
    return known[major_name]


def _check_course(course_name: str, course_type: str) -> str:
    course_name = (course_name or "").strip()
    if not course_name:
        raise AppError(_("请填写课程名称。"), field="course_name")
    if len(course_name) > 64:
        raise AppError(_("课程名称不能超过 64 个字。"), field="course_name")
    if course_type not in CourseType.values:
        raise AppError(_("请选择课程类型（公共基础课、专业基础课、专业核心课、专业拓展课或选修课）。"), field="course_type")
    return course_name


def check_credits_within_limits(*, institution: Institution, certificate_id: int, level: str, credits) -> Decimal:
    """A rule's course credits: above zero, at most the institution's limit per certificate and at
    most what the credit bank recognizes for the level."""
    credits = parse_credits(credits, field="course_credits")
    if credits <= 0:
        raise AppError(_("课程学分必须大于 0。"), field="course_credits", code="above_limits")
    policy = policy_for(institution)
    recognized = catalog_credits(certificate_id=certificate_id, level=level)
    if credits > recognized:
        raise AppError(_("课程学分 %(credits)s 超过学分银行对该证书%(level)s认定的 %(recognized)s 学分。") % {
            "credits": credits, "level": level_label(level), "recognized": recognized},
            field="course_credits", code="above_limits")
    if credits > policy.max_credits_per_certificate:
        raise AppError(_("课程学分 %(credits)s 超过本校规定的每个证书最多转换 %(max)s 学分。") % {
            "credits": credits, "max": policy.max_credits_per_certificate}, field="course_credits", code="above_limits")
    return credits


def rule_create(*, actor: Actor, institution: Institution, major_name: str, certificate: Certificate, level: str,
                course_code: str, course_name: str, course_credits, course_type: str, major_code: str = "",
                note: str = "") -> ConversionRule:
    institution = selectors.institution_for_rules(actor=actor, pk=institution.pk)
    major_code = _check_major(institution, major_name, major_code)
    major_name = major_name.strip()
    if not CertificateLevel.objects.filter(certificate=certificate, level=level).exists():
        raise AppError(_("证书“%(name)s”没有%(level)s等级。") % {"name": certificate.name, "level": level_label(level)},
                       field="level")
    course_code = normalize.code(course_code)
    if not COURSE_CODE_RE.match(course_code):
        raise AppError(_("课程代码只能包含字母、数字和 _ . -，最长 20 位。"), field="course_code")
    course_name = _check_course(course_name, course_type)
    credits = check_credits_within_limits(institution=institution, certificate_id=certificate.pk, level=level,
                                          credits=course_credits)
    duplicate = _("%(major)s专业已有一条生效的规则把该证书等级转换为课程 %(code)s；如需调整请修改那条规则。") % {
        "major": major_name, "code": course_code}
    if ConversionRule.objects.filter(institution=institution, major_name=major_name, certificate=certificate,
                                     level=level, course_code=course_code, status=ConversionRule.Status.ACTIVE).exists():
        raise AppError(duplicate, field="course_code")
    try:
        with transaction.atomic():
            rule = ConversionRule.objects.create(
                institution=institution, major_code=major_code, major_name=major_name, certificate=certificate,
                level=level, course_code=course_code)
            version = ConversionRuleVersion.objects.create(
                rule=rule, version=1, course_name=course_name, course_credits=credits, course_type=course_type,
                note=(note or "").strip()[:200], created_by=actor.user)
            rule.current = version
            rule.save(update_fields=["current"])
            audit_log(actor=actor, action="credit.rule_created", obj=rule, province=institution.province_id, changes={
                "major": [None, major_name], "certificate": [None, certificate.name], "level": [None, level],
                "course_code": [None, course_code], "course_name": [None, course_name],
                "course_credits": [None, credits], "course_type": [None, course_type]})
    except IntegrityError:
        raise AppError(duplicate, field="course_code") from None
    return rule


def rule_change(*, actor: Actor, rule: ConversionRule, course_name: str, course_credits, course_type: str,
                note: str = "") -> ConversionRule:
    """A new version of the rule; conversions already requested keep theirs."""
    rule = selectors.rule_for_change(actor=actor, pk=rule.pk)
    if rule.status != ConversionRule.Status.ACTIVE:
        raise AppError(_("已停用的规则不能修改。"))
    course_name = _check_course(course_name, course_type)
    credits = check_credits_within_limits(institution=rule.institution, certificate_id=rule.certificate_id,
                                          level=rule.level, credits=course_credits)
    with transaction.atomic():
        rule = ConversionRule.objects.select_for_update().get(pk=rule.pk)
        current = rule.current
        fields = ["course_name", "course_credits", "course_type"]
        before = snapshot(current, fields)
        after = {"course_name": course_name, "course_credits": credits, "course_type": course_type}
        changes = diff(before, after)
        if not changes:
            raise AppError(_("课程名称、学分和类型都没有变化，无需生成新版本。"))
        version = ConversionRuleVersion.objects.create(
            rule=rule, version=current.version + 1, course_name=course_name, course_credits=credits,
            course_type=course_type, note=(note or "").strip()[:200], created_by=actor.user)
        rule.current = version
        rule.save(update_fields=["current"])
        changes["version"] = [current.version, version.version]
        audit_log(actor=actor, action="credit.rule_changed", obj=rule, province=rule.institution.province_id,
                  changes=changes, note=note or "")
    return rule


def rule_withdraw(*, actor: Actor, rule: ConversionRule, reason: str) -> ConversionRule:
    """Stop the rule for new requests; requests already made are still decided under their version."""
    rule = selectors.rule_for_change(actor=actor, pk=rule.pk)
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("停用规则必须填写原因。"), field="reason")
    changed = ConversionRule.objects.filter(pk=rule.pk, status=ConversionRule.Status.ACTIVE).update(
        status=ConversionRule.Status.WITHDRAWN, withdrawn_at=timezone.now(), withdrawn_reason=reason[:200])
    if not changed:
        raise AppError(_("该规则已停用。"))
    audit_log(actor=actor, action="credit.rule_withdrawn", obj=rule, province=rule.institution.province_id,
              changes={"status": ["active", "withdrawn"]}, note=reason)
    rule.refresh_from_db()
    return rule
