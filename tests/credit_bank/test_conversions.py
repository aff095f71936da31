"""Conversion requests: the student asks, the institution approves or declines; bad inputs are
refused with a clear message and nothing is saved; everything is audited and the other side told."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates.catalog.models import Level
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.revocation import certificate_revoke
from core.errors import AppError, Forbidden, NotInScope
from credit_bank.models import Conversion, Outcome
from credit_bank.services.conversions import (
    conversion_annul,
    conversion_decline,
    conversion_request,
    conversion_withdraw,
)
from credit_bank.services.outcomes import catalog_credits_set
from credit_bank.services.rules import policy_set
from tests.accounts.factories import PersonFactory
from tests.credit_bank.factories import approve, enrol, issued_for, make_rule, request_conversion, web_certificate

pytestmark = pytest.mark.django_db


def test_a_student_asks_and_the_institution_approves(outcome, rule, student_user, hubei_institution_user,
                                                     hubei_alliance_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conversion = request_conversion(student_user, outcome, rule, note="已修完实训")
    assert conversion.status == "requested" and conversion.course_code == "WEB101"
    assert conversion.rule_version == rule.current and conversion.enrolment.major_name == "软件技术"
    assert AuditEntry.objects.filter(action="credit.conversion_requested", object_id=str(conversion.pk)).exists()
    assert any("新的学分转换申请" in n.title_text for n in hubei_institution_user.notifications.all())
    assert any("新的学分转换申请" in n.title_text for n in hubei_alliance_user.notifications.all())

    with django_capture_on_commit_callbacks(execute=True):
        conversion = approve(hubei_institution_user, conversion)
    assert conversion.status == "approved" and conversion.converted_credits == Decimal("2.0")
    assert conversion.decided_by == hubei_institution_user and conversion.decided_at
    audit = AuditEntry.objects.get(action="credit.conversion_approved")
    assert audit.changes["converted_credits"] == [None, "2.0"] and audit.actor == hubei_institution_user
    assert any("学分转换已认定" in n.title_text for n in student_user.notifications.all())


def test_the_institution_may_record_fewer_credits_never_more(outcome, rule, student_user, hubei_institution_user):
    conversion = request_conversion(student_user, outcome, rule)
    for credits, message in (("2.5", "不超过规则规定的课程学分 2.0"), ("0", "大于 0"), ("x", "必须是数字")):
        with pytest.raises(AppError, match=message):
            approve(hubei_institution_user, conversion, credits=credits)
    conversion.refresh_from_db()
    assert conversion.status == "requested" and conversion.converted_credits is None
    assert approve(hubei_institution_user, conversion, credits="1.5").converted_credits == Decimal("1.5")


def test_declining_needs_a_reason_and_tells_the_student(outcome, rule, student_user, hubei_institution_user,
                                                        django_capture_on_commit_callbacks):
    conversion = request_conversion(student_user, outcome, rule)
    with pytest.raises(AppError, match="必须填写原因"):
        conversion_decline(actor=actor_for(hubei_institution_user), conversion=conversion, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        conversion = conversion_decline(actor=actor_for(hubei_institution_user), conversion=conversion,
                                        reason="该课程须参加校内实训考核")
    assert conversion.status == "declined" and conversion.decision_reason == "该课程须参加校内实训考核"
    assert AuditEntry.objects.filter(action="credit.conversion_declined").exists()
    assert any("未通过" in n.title_text and "实训考核" in n.body_text for n in student_user.notifications.all())
    with pytest.raises(AppError, match="已处理"):
        approve(hubei_institution_user, conversion)
    # Declined, the student may ask again.
    assert request_conversion(student_user, outcome, rule).status == "requested"


def test_the_student_withdraws_a_pending_request(outcome, rule, student_user, social_learner_user):
    conversion = request_conversion(student_user, outcome, rule)
    with pytest.raises(NotInScope):
        conversion_withdraw(actor=actor_for(social_learner_user), conversion=conversion)
    conversion = conversion_withdraw(actor=actor_for(student_user), conversion=conversion)
    assert conversion.status == "withdrawn"
    assert AuditEntry.objects.filter(action="credit.conversion_withdrawn").exists()


def test_the_institution_annuls_credits_built_on_a_revoked_certificate(issued, outcome, rule, student_user, org_a_user,
                                                                      hubei_institution_user,
                                                                      django_capture_on_commit_callbacks):
    conversion = approve(hubei_institution_user, request_conversion(student_user, outcome, rule))
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="证书信息造假")
    conversion.refresh_from_db()
    assert conversion.is_flagged and conversion.status == "approved"
    with pytest.raises(AppError, match="必须填写原因"):
        conversion_annul(actor=actor_for(hubei_institution_user), conversion=conversion, reason=" ")
    conversion = conversion_annul(actor=actor_for(hubei_institution_user), conversion=conversion,
                                  reason="依据的证书已被撤销")
    assert conversion.status == "annulled"
    assert AuditEntry.objects.get(action="credit.conversion_annulled").changes["converted_credits"] == ["2.0", None]


# --- bad inputs: a clear Chinese message, nothing saved ------------------------------------------------

def assert_nothing_saved():
    assert not Conversion.objects.exists()
    assert not AuditEntry.objects.filter(action="credit.conversion_requested").exists()


def test_a_revoked_outcome_cannot_be_converted(issued, outcome, rule, student_user, org_a_user,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="撤销")
    outcome.refresh_from_db()
    with pytest.raises(AppError, match=f"证书 {issued.number} 已撤销"):
        request_conversion(student_user, outcome, rule)
    assert_nothing_saved()


def test_a_pending_request_on_a_revoked_outcome_cannot_be_approved(issued, outcome, rule, student_user, org_a_user,
                                                                   hubei_institution_user,
                                                                   django_capture_on_commit_callbacks):
    conversion = request_conversion(student_user, outcome, rule)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(actor=actor_for(org_a_user), issued=issued, reason="撤销")
    with pytest.raises(AppError, match="已撤销"):
        approve(hubei_institution_user, conversion)
    conversion.refresh_from_db()
    assert conversion.status == "requested" and conversion.is_flagged


def test_someone_elses_outcome_cannot_be_converted(outcome, rule, social_learner_user, hubei_institution):
    enrol(social_learner_user.person, hubei_institution)  # even enrolled in the same major
    with pytest.raises(NotInScope) as error:
        request_conversion(social_learner_user, outcome, rule)
    assert "不在您的学习账户中" in str(error.value.message)
    assert_nothing_saved()


def test_a_second_conversion_of_the_same_outcome_into_the_same_course_is_refused(outcome, rule, student_user,
                                                                                   hubei_institution_user):
    conversion = request_conversion(student_user, outcome, rule)
    with pytest.raises(AppError, match="不能重复转换"):
        request_conversion(student_user, outcome, rule)
    approve(hubei_institution_user, conversion)
    with pytest.raises(AppError, match="不能重复转换"):
        request_conversion(student_user, outcome, rule)
    assert Conversion.objects.count() == 1


def test_one_certificate_per_course_by_default(outcome, rule, student_user, hubei_institution_user, hubei,
                                               hubei_institution, certificate, org_b):
    other_certificate = web_certificate(org_b, name="网页设计")
    other = issued_for(student_user.person, certificate=other_certificate, province=hubei)
    other_outcome = Outcome.objects.get(issued=other)
    other_rule = make_rule(hubei_institution_user, institution=hubei_institution, certificate=other_certificate)
    request_conversion(student_user, outcome, rule)
    with pytest.raises(AppError, match="每门课程最多认定 1 个证书"):
        request_conversion(student_user, other_outcome, other_rule)
    assert Conversion.objects.count() == 1
    policy_set(actor=actor_for(hubei_institution_user), institution=hubei_institution, max_certificates_per_course=2,
               max_credits_per_certificate="8")
    assert request_conversion(student_user, other_outcome, other_rule).status == "requested"


def test_credits_per_certificate_never_exceed_the_limits(student_user, hubei_institution_user, hubei, hubei_institution,
                                                         certificate, enrolled, ministry_user):
    """A senior certificate (6 credits recognized) converting into three 2.5-credit courses: the
    third would pass 6; after raising the catalog to 10 the institution's 8 still caps it."""
    issued = issued_for(student_user.person, certificate=certificate, province=hubei, level=Level.SENIOR)
    outcome = Outcome.objects.get(issued=issued)
    rules = [make_rule(hubei_institution_user, institution=hubei_institution, certificate=certificate, level="senior",
                       course_code=f"C{i}", course_name=f"课程{i}", course_credits="2.5") for i in range(4)]
    request_conversion(student_user, outcome, rules[0])
    request_conversion(student_user, outcome, rules[1])
    with pytest.raises(AppError, match="超过上限 6.0 学分"):
        request_conversion(student_user, outcome, rules[2])
    assert Conversion.objects.count() == 2
    catalog_credits_set(actor=actor_for(ministry_user), certificate=certificate, level="senior", credits="10",
                        reason="上调")
    # The outcome keeps the 6 credits it was recognized with.
    with pytest.raises(AppError, match="超过上限 6.0 学分"):
        request_conversion(student_user, outcome, rules[2])


def test_a_rule_of_another_major_or_institution_or_level_is_refused(outcome, student_user, hubei_institution_user,
                                                                    shandong_institution_user, shandong_institution,
                                                                    hubei_institution, certificate, enrolled):
    enrol(PersonFactory(), hubei_institution, major_name="计算机应用技术", major_code="510201")
    enrol(PersonFactory(), shandong_institution)
    other_major = make_rule(hubei_institution_user, institution=hubei_institution, certificate=certificate,
                            major_name="计算机应用技术")
    other_school = make_rule(shandong_institution_user, institution=shandong_institution, certificate=certificate)
    other_level = make_rule(hubei_institution_user, institution=hubei_institution, certificate=certificate,
                            level="intermediate", course_code="WEB201", course_credits="4")
    with pytest.raises(AppError, match="不是.*计算机应用技术专业的学生"):
        request_conversion(student_user, outcome, other_major)
    with pytest.raises(AppError, match="不是.*软件技术专业的学生"):
        request_conversion(student_user, outcome, other_school)
    with pytest.raises(AppError, match="与您选择的学习成果不符"):
        request_conversion(student_user, outcome, other_level)
    assert_nothing_saved()


def test_a_withdrawn_rule_takes_no_new_requests(outcome, rule, student_user, hubei_institution_user):
    from credit_bank.services.rules import rule_withdraw

    rule_withdraw(actor=actor_for(hubei_institution_user), rule=rule, reason="停开")
    rule.refresh_from_db()
    with pytest.raises(AppError, match="已停用"):
        request_conversion(student_user, outcome, rule)
    assert_nothing_saved()


def test_only_the_students_institution_decides(outcome, rule, student_user, shandong_institution_user, hubei_user,
                                               ministry_user, org_a_user, hubei_alliance_user, hubei_institution_user):
    conversion = request_conversion(student_user, outcome, rule)
    with pytest.raises(NotInScope):
        approve(shandong_institution_user, conversion)
    for user in (hubei_user, ministry_user, org_a_user, student_user):
        with pytest.raises(Forbidden):
            approve(user, conversion)
    with pytest.raises(Forbidden):
        conversion_request(actor=actor_for(hubei_institution_user), outcome=outcome, rule=rule)
    assert approve(hubei_alliance_user, conversion).status == "approved"  # the alliance acts for its member


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_for_the_last_credits_do_not_both_pass(student_user, hubei_institution_user, hubei,
                                                                   hubei_institution, certificate, enrolled):
    issued = issued_for(student_user.person, certificate=certificate, province=hubei, level=Level.SENIOR)
    outcome = Outcome.objects.get(issued=issued)
    rules = [make_rule(hubei_institution_user, institution=hubei_institution, certificate=certificate, level="senior",
                       course_code=f"R{i}", course_name=f"课程{i}", course_credits="4") for i in range(2)]
    errors, barrier = [], threading.Barrier(2)

    def ask(rule):
        try:
            barrier.wait()
            request_conversion(student_user, Outcome.objects.get(pk=outcome.pk), rule)
        except AppError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(r,)) for r in rules]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Conversion.objects.count() == 1 and len(errors) == 1 and "超过上限" in str(errors[0].message)
    assert IssuedCertificate.objects.count() == 1
