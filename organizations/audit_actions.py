"""The audit actions of organizations, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import register_audit_actions, register_audit_fields, register_audit_references

register_audit_actions("organizations.org", {
    "org.created": _("新增培训评价组织"),
    "org.updated": _("修改培训评价组织信息"),
    "org.seal_uploaded": _("上传电子公章"),
    "org.yellow_card": _("黄牌警告"),
    "org.lift_yellow_card": _("撤销黄牌"),
    "org.delist": _("摘牌"),
    "org.withdraw": _("主动退出"),
    "org.reinstate": _("恢复正常"),
})
register_audit_actions("organizations.institution", {
    "institution.created": _("新增院校"),
    "institution.updated": _("修改院校信息"),
})
register_audit_actions("organizations.complaint", {
    "complaint.filed": _("提交投诉举报"),
    "complaint.status_changed": _("处理投诉举报"),
    "complaint.note_added": _("添加投诉处理意见"),
})
register_audit_references({"org": "organizations.org", "institution": "organizations.institution"})
register_audit_fields({
    "evidence": _("证据材料数"),
    "internal_note": _("仅内部可见"),
    "pixels": _("像素"),
    "printed_mm": _("打印尺寸（毫米）"),
    "seal_version": _("公章版本"),
    "org": _("培训评价组织"),
    "institution": _("院校"),
    "credit_code": _("统一社会信用代码"),
    "closed_at": _("办结时间"),
})
