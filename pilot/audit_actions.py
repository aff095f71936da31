"""The audit actions of the pilot overview, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import register_audit_actions, register_audit_fields, register_audit_object

register_audit_actions("pilot.notice", {
    "notice.published": _("发布通知公告"),
    "notice.withdrawn": _("撤回通知公告"),
    "notice.drafted": _("保存通知公告草稿"),
    "notice.edited": _("修改通知公告"),
})
register_audit_actions("pilot.indicatorruleset", {"indicator.rules_set": _("设置黄牌候选规则")})
register_audit_actions("pilot.indicatorrun", {
    "indicator.requested": _("申请计算行为评价指标"),
    "indicator.generated": _("生成行为评价指标"),
})
register_audit_actions("pilot.rolluprefresh", {"dashboard.refresh_requested": _("申请刷新试点总览数据")})
register_audit_object("pilot.rolluprefresh", _("试点总览数据刷新"))
register_audit_fields({
    "attachments": _("附件数"),
    "as_of": _("统计截至"),
})
