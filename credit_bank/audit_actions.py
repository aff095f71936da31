"""The audit actions of the credit bank, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import register_audit_actions, register_audit_fields, register_audit_values
from credit_bank.models import CourseType

register_audit_actions("credit_bank.transcript", {
    "credit.transcript_issued": _("出具学分银行成绩单"),
    "credit.transcript_withdrawn": _("作废学分银行成绩单"),
})
register_audit_actions("credit_bank.conversionpolicy", {"credit.policy_changed": _("修改学分转换限额")})
register_audit_actions("credit_bank.conversionrule", {
    "credit.rule_created": _("新增学分转换规则"),
    "credit.rule_changed": _("修改学分转换规则"),
    "credit.rule_withdrawn": _("停用学分转换规则"),
})
register_audit_actions("credit_bank.recognizedoutcome", {"credit.catalog_changed": _("修改学习成果认定目录")})
register_audit_actions("credit_bank.learningaccount", {"credit.account_opened": _("开设个人学习账户")})
register_audit_actions("credit_bank.outcome", {
    "credit.outcome_recorded": _("记入学习成果"),
    "credit.outcome_revoked": _("撤销学习成果"),
    "credit.outcome_updated": _("更新学习成果"),
})
register_audit_actions("credit_bank.conversion", {
    "credit.conversion_requested": _("申请学分转换"),
    "credit.conversion_approved": _("批准学分转换"),
    "credit.conversion_declined": _("驳回学分转换"),
    "credit.conversion_withdrawn": _("撤回学分转换申请"),
    "credit.conversion_annulled": _("撤销已批准的学分转换"),
})
register_audit_fields({
    "course": _("课程"),
    "outcome": _("学习成果"),
    "rule_version": _("规则版本"),
    "course_code": _("课程代码"),
    "course_name": _("课程名称"),
    "course_credits": _("课程学分"),
    "course_type": _("课程类型"),
    "major": _("专业"),
    "flagged_conversions": _("待复核的学分转换"),
    "totals": _("学分合计"),
    "converted_credits": _("转换学分"),
    "credits": _("学分"),
    "certificate_version": _("证书版本"),
})
register_audit_values("course_type", dict(CourseType.choices))
