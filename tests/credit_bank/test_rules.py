"""Conversion rules and limits: majors the institution runs, limits, versions, who may write."""

from decimal import Decimal

import pytest

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from core.errors import AppError, Forbidden, NotInScope
from credit_bank.models import ConversionPolicy, ConversionRule, ConversionRuleVersion
from credit_bank.selectors import policy_for
from credit_bank.services.outcomes import catalog_credits_set
from credit_bank.services.rules import policy_set, rule_change, rule_create, rule_withdraw
from tests.credit_bank.factories import enrol, make_rule, request_conversion
from tests.organizations.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def create(user, institution, certificate, **overrides):
    values = {"major_name": "软件技术", "level": "junior", "course_code": "web101", "course_name": "Web前端开发基础",
              "course_credits": "2", "course_type": "major_basic"}
    values.update(overrides)
    return rule_create(actor=actor_for(user), institution=institution, certificate=certificate, **values)


def test_an_institution_defines_a_rule_for_a_major_it_runs(hubei_institution_user, hubei_institution, certificate,
                                                           enrolled):
    rule = create(hubei_institution_user, hubei_institution, certificate)
    assert (rule.major_name, rule.major_code, rule.course_code, rule.status) == ("软件技术", "510203", "WEB101", "active")
    assert rule.current.version == 1 and rule.current.course_credits == Decimal("2.0")
    assert rule.current.course_type == "major_basic"
    entry = AuditEntry.objects.get(action="credit.rule_created")
    assert entry.object_id == str(rule.pk) and entry.province_id == "42"


BAD_RULES = [
    ({"major_name": "护理"}, "没有开设“护理”专业"),
    ({"major_code": "999999"}, "专业代码 999999"),
    ({"course_credits": "3"}, "超过学分银行对该证书初级认定的 2.0 学分"),
    ({"level": "senior", "course_credits": "6.5"}, "超过学分银行对该证书高级认定的 6.0 学分"),
    ({"course_credits": "0"}, "必须大于 0"),
    ({"course_credits": "1.3"}, "0.5 为最小单位"),
    ({"course_code": "WEB 101!"}, "课程代码只能包含"),
    ({"course_name": "  "}, "请填写课程名称"),
    ({"course_type": "sports"}, "请选择课程类型"),
]


@pytest.mark.parametrize("overrides,message", BAD_RULES)
def test_bad_rules_are_refused_with_a_clear_message_and_nothing_is_saved(hubei_institution_user, hubei_institution,
                                                                         certificate, enrolled, overrides, message):
    with pytest.raises(AppError) as error:
        create(hubei_institution_user, hubei_institution, certificate, **overrides)
    assert message in str(error.value.message)
    assert not ConversionRule.objects.exists() and not ConversionRuleVersion.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="credit.rule").exists()


def test_a_rule_above_the_institutions_own_limit_is_refused(hubei_institution_user, hubei_institution, certificate,
                                                            enrolled, ministry_user):
    catalog_credits_set(actor=actor_for(ministry_user), certificate=certificate, level="senior", credits="10",
                        reason="高级对接两门核心课")
    rule = create(hubei_institution_user, hubei_institution, certificate, level="senior", course_credits="8")
    assert rule.current.course_credits == Decimal("8.0")
    with pytest.raises(AppError, match="超过本校规定的每个证书最多转换 8.0 学分"):
        create(hubei_institution_user, hubei_institution, certificate, level="senior", course_credits="9",
               course_code="WEB302")
    policy_set(actor=actor_for(hubei_institution_user), institution=hubei_institution, max_certificates_per_course=1,
               max_credits_per_certificate="4")
    with pytest.raises(AppError, match="最多转换 4.0 学分"):
        create(hubei_institution_user, hubei_institution, certificate, level="senior", course_credits="4.5",
               course_code="WEB303")
    assert ConversionRule.objects.count() == 1


def test_a_second_active_rule_for_the_same_course_is_refused(hubei_institution_user, hubei_institution, certificate,
                                                             enrolled):
    create(hubei_institution_user, hubei_institution, certificate)
    with pytest.raises(AppError, match="已有一条生效的规则"):
        create(hubei_institution_user, hubei_institution, certificate, course_name="另一个名字")
    assert ConversionRule.objects.count() == 1


def test_a_level_may_convert_into_several_courses(hubei_institution_user, hubei_institution, certificate, enrolled):
    create(hubei_institution_user, hubei_institution, certificate, level="intermediate", course_credits="2")
    create(hubei_institution_user, hubei_institution, certificate, level="intermediate", course_credits="2",
           course_code="WEB102", course_name="网页设计")
    assert ConversionRule.objects.count() == 2


def test_who_may_write_rules(hubei_institution, shandong_institution, certificate, enrolled, hubei_alliance_user,
                             shandong_institution_user, hubei_user, ministry_user, student_user, org_a_user):
    # The alliance acts for its member institution.
    rule = create(hubei_alliance_user, hubei_institution, certificate)
    assert rule.institution == hubei_institution
    # Another institution's scope: not found; read-only and unrelated roles: forbidden.
    with pytest.raises(NotInScope):
        create(shandong_institution_user, hubei_institution, certificate, course_code="X1")
    for user in (hubei_user, ministry_user, student_user, org_a_user):
        with pytest.raises(Forbidden):
            create(user, hubei_institution, certificate, course_code="X2")
    assert ConversionRule.objects.count() == 1


def test_the_alliance_may_not_write_for_an_institution_outside_it(hubei_alliance_user, hubei, certificate,
                                                                  student_user):
    outsider = InstitutionFactory(province=hubei)  # in Hubei, not an alliance member
    enrol(student_user.person, outsider)
    with pytest.raises(NotInScope):
        create(hubei_alliance_user, outsider, certificate)


def test_a_change_makes_a_new_version_and_requests_keep_theirs(hubei_institution_user, rule, outcome, student_user):
    conversion = request_conversion(student_user, outcome, rule)
    changed = rule_change(actor=actor_for(hubei_institution_user), rule=rule, course_name="Web前端开发基础（新版）",
                          course_credits="1.5", course_type="major_core", note="课程改革")
    assert changed.current.version == 2 and changed.current.course_credits == Decimal("1.5")
    conversion.refresh_from_db()
    assert conversion.rule_version.version == 1 and conversion.rule_version.course_credits == Decimal("2.0")
    audit = AuditEntry.objects.get(action="credit.rule_changed")
    assert audit.changes["version"] == [1, 2] and audit.changes["course_credits"] == ["2.0", "1.5"]
    with pytest.raises(AppError, match="没有变化"):
        rule_change(actor=actor_for(hubei_institution_user), rule=changed, course_name="Web前端开发基础（新版）",
                    course_credits="1.5", course_type="major_core")
    with pytest.raises(AppError, match="超过学分银行"):
        rule_change(actor=actor_for(hubei_institution_user), rule=changed, course_name="x", course_credits="2.5",
                    course_type="major_core")
    assert ConversionRuleVersion.objects.filter(rule=rule).count() == 2


def test_withdrawing_a_rule(hubei_institution_user, rule, shandong_institution_user, hubei_user):
    with pytest.raises(AppError, match="必须填写原因"):
        rule_withdraw(actor=actor_for(hubei_institution_user), rule=rule, reason=" ")
    with pytest.raises(NotInScope):
        rule_withdraw(actor=actor_for(shandong_institution_user), rule=rule, reason="x")
    with pytest.raises(Forbidden):
        rule_withdraw(actor=actor_for(hubei_user), rule=rule, reason="x")
    rule = rule_withdraw(actor=actor_for(hubei_institution_user), rule=rule, reason="专业调整")
    assert rule.status == "withdrawn" and rule.withdrawn_reason == "专业调整"
    with pytest.raises(AppError, match="已停用"):
        rule_withdraw(actor=actor_for(hubei_institution_user), rule=rule, reason="again")
    with pytest.raises(AppError, match="已停用的规则不能修改"):
        rule_change(actor=actor_for(hubei_institution_user), rule=rule, course_name="x", course_credits="1",
                    course_type="elective")
    # A withdrawn rule frees the course for a new rule.
    make_rule(hubei_institution_user, institution=rule.institution, certificate=rule.certificate)
    assert ConversionRule.objects.filter(status="active").count() == 1


def test_limits_default_and_are_set_by_the_institution(hubei_institution_user, hubei_institution, hubei_user):
    default = policy_for(hubei_institution)
    assert (default.pk, default.max_certificates_per_course, default.max_credits_per_certificate) == (None, 1, Decimal("8.0"))
    policy = policy_set(actor=actor_for(hubei_institution_user), institution=hubei_institution,
                        max_certificates_per_course=2, max_credits_per_certificate="6")
    assert (policy.max_certificates_per_course, policy.max_credits_per_certificate) == (2, Decimal("6.0"))
    audit = AuditEntry.objects.get(action="credit.policy_changed")
    assert audit.changes == {"max_certificates_per_course": [1, 2], "max_credits_per_certificate": ["8.0", "6.0"]}
    with pytest.raises(Forbidden):
        policy_set(actor=actor_for(hubei_user), institution=hubei_institution, max_certificates_per_course=1,
                   max_credits_per_certificate="8")


@pytest.mark.parametrize("per_course,per_certificate,message", [
    (0, "8", "1 到 5"), (6, "8", "1 到 5"), ("two", "8", "必须是整数"), (1, "0", "大于 0"), (1, "20", "不超过 16")])
def test_bad_limits_are_refused(hubei_institution_user, hubei_institution, per_course, per_certificate, message):
    with pytest.raises(AppError, match=message):
        policy_set(actor=actor_for(hubei_institution_user), institution=hubei_institution,
                   max_certificates_per_course=per_course, max_credits_per_certificate=per_certificate)
    assert not ConversionPolicy.objects.exists()
