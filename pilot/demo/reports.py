"""Demo trainings, Hubei commitments, a September–December plan and one monthly progress report.

Shaped by the speech (domain.md): orgs train teachers nationally and in Hubei (the Hubei special
action: 5,000+ trained so far, 6,000+ more expected by the year's end), train students and social
learners, and submit assessment plans for September–December that the monthly report holds
against what happened. Idempotent: trainings are looked up by org, certificate, province and start
date, certificate trainings by their unique key, commitments by org; the plan is submitted only if
the org has none for the year, the report generated only if the month has none.
"""

import datetime

from accounts.models import Role, User
from accounts.scoping import actor_for
from assessments.models import AssessmentPlan, CertificateTraining, HubeiCommitment, MonthlyReport, TeacherTraining
from assessments.plans.services import plan_submit_records
from assessments.reports.services import monthly_report_generate, monthly_report_request
from certificates.catalog.models import Certificate
from organizations.orgs.models import Org

YEAR = 2020
REPORT_MONTH = datetime.date(YEAR, 10, 1)
DEMO_ORGS = ("北京新奥时代科技有限责任公司", "北京中福长者文化科技有限公司")
# At a hundredth of the speech's figures, like the assessments (pilot.demo.pipeline): teachers trained
# (170,000 → about 1,700 with the other orgs' trainings of the indicators step), certificate trainings
# (410,000 students and 40,000 social learners → about 4,100 and 400).
# (province, start date, days, mode, teachers trained, counts toward the Hubei special action)
TEACHER_TRAININGS = [
    ("42", datetime.date(2020, 7, 6), 3, "offline", 19, True),
    ("42", datetime.date(2020, 8, 17), 2, "online", 24, True),
    ("42", datetime.date(2020, 10, 12), 2, "offline", 16, True),
    ("37", datetime.date(2020, 8, 3), 3, "offline", 12, False),
    ("44", datetime.date(2020, 9, 14), 2, "online", 31, False),
    ("32", datetime.date(2020, 10, 19), 3, "offline", 10, False),
]
# (province, month, students, social learners) per certificate, 初级
CERTIFICATE_TRAININGS = [("42", 9, 450, 30), ("42", 10, 560, 50), ("37", 9, 350, 40), ("44", 10, 690, 80)]
COMMITMENTS = {"北京新奥时代科技有限责任公司": (70, 300), "北京中福长者文化科技有限公司": (50, 200)}
# Each demo org's September–December plan, a little above the sessions it then held (pilot.demo.pipeline):
# (month, province, level, candidates, sessions)
PLANS = {
    "北京新奥时代科技有限责任公司": [
        (9, "湖北省", "初级", 70, 1), (9, "山东省", "初级", 50, 1), (10, "广东省", "初级", 70, 1),
        (10, "湖北省", "初级", 40, 1), (11, "湖北省", "初级", 50, 1), (11, "湖北省", "中级", 40, 1),
        (11, "江苏省", "初级", 30, 1), (12, "江苏省", "初级", 60, 1), (12, "湖北省", "初级", 70, 1),
        (12, "广东省", "初级", 60, 1)],
    "北京中福长者文化科技有限公司": [
        (10, "山东省", "初级", 45, 1), (11, "山东省", "中级", 35, 1), (12, "湖北省", "初级", 55, 1)],
}


def _certificates() -> dict[str, list[Certificate]]:
    certificates: dict[str, list[Certificate]] = {}
    for certificate in (Certificate.objects.filter(org__name__in=DEMO_ORGS, status=Certificate.Status.PUBLISHED)
                        .select_related("org").order_by("code")):
        certificates.setdefault(certificate.org.name, []).append(certificate)
    return certificates


def _trainings(certificates: dict[str, list[Certificate]]) -> int:
    made = 0
    for org_name, owned in certificates.items():
        certificate = owned[0]
        for province, start, days, mode, teachers, special in TEACHER_TRAININGS:
            if org_name != DEMO_ORGS[0]:
                teachers = teachers * 2 // 3
            _training, created = TeacherTraining.objects.get_or_create(
                org=certificate.org, certificate=certificate, province_id=province, start_date=start,
                defaults={"level": "junior", "end_date": start + datetime.timedelta(days=days - 1), "mode": mode,
                          "teachers_trained": teachers, "hubei_special": special,
                          "note": "湖北专项行动师资培训" if special else ""})
            made += created
        for province, month, students, learners in CERTIFICATE_TRAININGS:
            CertificateTraining.objects.get_or_create(
                org=certificate.org, certificate=certificate, level="junior", province_id=province,
                month=datetime.date(YEAR, month, 1), defaults={"students": students, "social_learners": learners})
        teachers, candidates = COMMITMENTS[org_name]
        HubeiCommitment.objects.get_or_create(org=certificate.org, defaults={
            "teachers_to_train": teachers, "candidates_to_assess": candidates})
    return made


def _plan(certificates: dict[str, list[Certificate]]) -> AssessmentPlan | None:
    """Each demo org's plan for the year, submitted in late August (before the window opened, as
    the ministry asked); returns the Web前端开发 org's."""

    plans = {}
    for org_name, username in zip(DEMO_ORGS, ("org_web", "org_care"), strict=True):
        owned = certificates.get(org_name)
        user = User.objects.filter(username=username).first()
        if not owned or user is None:
            continue
        org = Org.objects.get(name=org_name)
        existing = AssessmentPlan.objects.filter(org=org, year=YEAR).first()
        if existing is not None:
            plans[org_name] = existing
            continue
        actor = actor_for(user, user.role_bindings.filter(role=Role.ORG).values_list("pk", flat=True).first())
        records = [{"month": month, "province": province, "certificate": owned[0].code, "level": level,
                    "planned_candidates": candidates, "planned_sessions": sessions}
                   for month, province, level, candidates, sessions in PLANS[org_name]]
        plan = plan_submit_records(actor=actor, year=YEAR, records=records, source=AssessmentPlan.Source.FORM).plan
        AssessmentPlan.objects.filter(pk=plan.pk).update(
            submitted_at=datetime.datetime(YEAR, 8, 28, 10, 0, tzinfo=datetime.UTC))
        plans[org_name] = plan
    return plans.get(DEMO_ORGS[0])


def _report() -> MonthlyReport | None:

    report = MonthlyReport.objects.filter(month=REPORT_MONTH, status=MonthlyReport.Status.DONE).first()
    if report is not None:
        return report
    report = monthly_report_request(actor=None, month=REPORT_MONTH, trigger="schedule", enqueue=False)
    return monthly_report_generate(report_id=report.pk)


def seed_reports(out) -> None:
    certificates = _certificates()
    if not certificates:
        if out is not None:
            out.write("培训与进展报告演示数据：演示培训评价组织尚无已公布的证书，未生成。"
                      " / trainings and reports demo: the demo orgs have no published certificate yet.")
        return
    trainings = _trainings(certificates)
    plan = _plan(certificates)
    report = _report()
    if out is not None:
        plan_text = f"第 {plan.version} 版" if plan else "未生成"
        report_text = "已生成" if report and report.status == MonthlyReport.Status.DONE else "未生成"
        out.write(f"培训与进展报告演示数据：新增师资培训 {trainings} 期，考核计划{plan_text}，"
                  f"{REPORT_MONTH.year}年{REPORT_MONTH.month}月进展报告{report_text}。")
