"""The audit actions of assessments, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import (
    register_audit_actions,
    register_audit_fields,
    register_audit_object,
    register_audit_references,
)

register_audit_actions("assessments.filing", {
    "filing.created": _("新增备案"),
    "filing.corrected": _("更正备案"),
    "filing.withdrawn": _("撤回备案"),
})
register_audit_actions("assessments.filingimport", {
    "filing_import.uploaded": _("上传批量备案文件"),
    "filing_import.saved": _("保存批量备案"),
})
register_audit_actions("assessments.trainerqualification", {
    "trainer.recorded": _("登记培训师"),
    "trainer.corrected": _("更正培训师记录"),
    "trainer.deleted": _("删除培训师记录"),
    "trainer.confirmed": _("确认培训师资格"),
})
register_audit_actions("assessments.site", {
    "site.created": _("新增考点"),
    "site.updated": _("修改考点信息"),
})
register_audit_actions("assessments.assessmentsession", {
    "session.created": _("新增考核批次"),
    "session.updated": _("修改考核批次"),
    "session.registration_opened": _("开放报名"),
    "session.registration_closed": _("截止报名"),
    "session.cancelled": _("取消考核批次"),
    "session.finalized": _("确认并发布成绩"),
})
register_audit_actions("assessments.registration", {
    "registration.created": _("报名"),
    "registration.cancelled": _("取消报名"),
    "registration.name_confirmed": _("核对考生姓名"),
    "registration.code_reissued": _("重新签发考生激活码"),
    "registration.absent_marked": _("登记缺考"),
})
register_audit_actions("assessments.result", {
    "result.recorded": _("录入成绩"),
    "result.corrected": _("更正成绩"),
    "result.amended": _("更改已发布成绩"),
})
register_audit_actions("assessments.scorereview", {
    "score_review.requested": _("申请成绩复核"),
    "score_review.answered": _("答复成绩复核"),
})
register_audit_actions("assessments.teachertraining", {
    "training.teacher_recorded": _("登记师资培训"),
    "training.teacher_corrected": _("更正师资培训"),
    "training.teacher_deleted": _("删除师资培训"),
})
register_audit_actions("assessments.certificatetraining", {
    "training.certificate_recorded": _("登记证书培训"),
    "training.certificate_corrected": _("更正证书培训"),
    "training.certificate_deleted": _("删除证书培训"),
})
register_audit_actions("assessments.hubeicommitment", {
    "training.hubei_committed": _("提交湖北专项行动承诺"),
    "training.hubei_commitment_revised": _("修改湖北专项行动承诺"),
})
register_audit_actions("assessments.monthlyreport", {
    "report.requested": _("申请生成月度进展报告"),
    "report.generated": _("生成月度进展报告"),
})
register_audit_actions("assessments.planningwindow", {"plan.window_set": _("设置考核计划时间窗口")})
register_audit_actions("assessments.assessmentplan", {"plan.submitted": _("提交考核计划")})
register_audit_object("assessments.resultamendment", _("成绩更改"))
register_audit_object("assessments.scorereview", _("成绩复核"))
register_audit_references({"session": "assessments.assessmentsession", "amendment": "assessments.resultamendment",
                           "review": "assessments.scorereview"})
register_audit_fields({
    "session": _("考核批次"),
    "site": _("考点"),
    "total_candidates": _("计划考核人数"),
    "total_sessions": _("计划考核场次"),
    "warnings": _("提示数"),
    "absent": _("缺考"),
    "failed": _("不合格人数"),
    "issuance_requests": _("发证请求数"),
    "registrations_cancelled": _("取消的报名数"),
    "withdrawn": _("已撤回"),
    "total_students": _("申报人数"),
    "levels": _("各等级申报人数"),
    "created": _("新增条数"),
    "corrected": _("更正条数"),
    "unchanged": _("未变条数"),
    "file": _("文件"),
    "registered_ytd": _("年内累计报名人数"),
    "runs": _("计算次数"),
    "account": _("账户"),
    "person_name": _("登记姓名"),
    "name_given": _("填报姓名"),
    "name_mismatch": _("姓名不一致"),
    "amendment": _("成绩更改"),
    "review": _("成绩复核"),
    "score": _("成绩"),
    "passed": _("合格"),
    "reason": _("理由"),
})
register_audit_fields({"passed": _("合格人数"), "absent": _("缺考人数")}, model="assessments.assessmentsession")
