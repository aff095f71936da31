"""Demo credit bank: outcomes from the certificates issued so far (the issuance demo step, where it ran
first, issued one to student_li), conversion rules of 武汉职业技术学院 for its 软件技术 major (Web前端开发
初级/中级/高级 into courses), and one approved conversion of student_li's outcome.

Idempotent: outcomes are keyed on the certificate, rules looked up by institution, major, certificate,
level and course, the conversion by outcome and course. Runs through the services, so the demo
data carries the same audit trail as real use.
"""

from decimal import Decimal

from accounts.models import User
from accounts.scoping import actor_for
from certificates.catalog.models import Certificate, CertificateLevel, Level
from credit_bank.models import Conversion, ConversionRule, Outcome
from credit_bank.services import conversions, rules
from credit_bank.services.outcomes import outcomes_sweep
from organizations.institutions.models import Enrolment, Institution

SCHOOL_CODE = "4142010834"  # 武汉职业技术学院
MAJOR_NAME = "软件技术"
CERTIFICATE_NAME = "Web前端开发"
# (level, course code, course name, credits, course type): within the default limits (≤ 8 credits
# per certificate) and never above what the credit bank recognizes (初级 2, 中级 4, 高级 6).
COURSES = [
    (Level.JUNIOR, "WEB1101", "Web前端开发基础", Decimal("2.0"), "major_basic"),
    (Level.INTERMEDIATE, "WEB2103", "Web前端框架应用开发", Decimal("4.0"), "major_core"),
    (Level.SENIOR, "WEB3105", "Web前端工程化实践", Decimal("4.0"), "major_extended"),
]


def seed_credit_bank(out) -> None:
    counts = outcomes_sweep()
    institution = Institution.objects.filter(school_code=SCHOOL_CODE).first()
    staff = User.objects.filter(username="whvc_admin").first()
    certificate = Certificate.objects.filter(name=CERTIFICATE_NAME).first()
    if institution is None or staff is None or certificate is None:
        out.write("学分银行：缺少武汉职业技术学院或“Web前端开发”证书，跳过转换规则。\n")
        return
    if not Enrolment.objects.filter(institution=institution, major_name=MAJOR_NAME).exists():
        out.write("学分银行：武汉职业技术学院没有软件技术专业的学籍，跳过转换规则。\n")
        return
    actor = actor_for(staff)
    offered = set(CertificateLevel.objects.filter(certificate=certificate).values_list("level", flat=True))
    made = {}
    for level, code, name, credits, course_type in COURSES:
        if level not in offered:
            continue
        rule = ConversionRule.objects.filter(institution=institution, major_name=MAJOR_NAME, certificate=certificate,
                                             level=level, course_code=code, status="active").first()
        if rule is None:
            rule = rules.rule_create(actor=actor, institution=institution, major_name=MAJOR_NAME,
                                     certificate=certificate, level=level, course_code=code, course_name=name,
                                     course_credits=credits, course_type=course_type,
                                     note="依据人才培养方案，X证书与专业课程学分互认")
        made[level] = rule
    approved = _approve_student_li(actor, made)
    out.write(f"学分银行：补录学习成果 {counts['recorded']} 项，转换规则 {len(made)} 条"
              f"{'，李小明的学分转换已认定' if approved else ''}。\n")


def _approve_student_li(actor, made) -> bool:
    student = User.objects.filter(username="student_li").select_related("person").first()
    if student is None or student.person is None:
        return False
    for outcome in Outcome.objects.filter(account__person=student.person, status=Outcome.Status.RECOGNIZED,
                                          certificate__name=CERTIFICATE_NAME).order_by("pk"):
        rule = made.get(outcome.level)
        if rule is None:
            continue
        conversion = Conversion.objects.filter(outcome=outcome, course_code=rule.course_code,
                                               status__in=Conversion.OPEN_STATUSES).first()
        if conversion is None:
            conversion = conversions.conversion_request(actor=actor_for(student), outcome=outcome, rule=rule,
                                                        note="已取得证书，申请认定课程学分")
        if conversion.status == Conversion.Status.REQUESTED:
            conversions.conversion_approve(actor=actor, conversion=conversion)
        return True
    return False
