"""The audit actions of fees, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import (
    register_audit_actions,
    register_audit_fields,
    register_audit_object,
    register_audit_references,
    register_audit_values,
)

register_audit_actions("fees.costcap", {"fee.cap_set": _("设置考核成本上限")})
register_audit_actions("fees.feethread", {"fee.refused": _("费用操作被拒绝")})
register_audit_actions("fees.feeversion", {
    "fee.proposed": _("提出费用标准"),
    "fee.countered": _("提出费用标准反提议"),
})
register_audit_actions("fees.feestandard", {
    "fee.verified": _("核定费用标准"),
    "fee.superseded": _("费用标准被新标准取代"),
})
register_audit_actions("fees.feepayment", {"fee.payment_recorded": _("登记费用支付")})
register_audit_object("fees.feethread", _("费用核定"))
register_audit_object("fees.feeversion", _("费用标准提议"))
register_audit_object("fees.feestandard", _("费用标准"))
register_audit_fields({
    "attempt": _("提交内容"),
    "code": _("原因"),
    "total": _("合计（元）"),
    "amount": _("金额（元）"),
    "effective_from": _("生效日期"),
    "effective_until": _("失效日期"),
    "reference": _("凭证号"),
})
register_audit_values("code", {
    "over_cap": _("超过考核成本上限"),
    "overlap": _("与已有标准的生效期重叠"),
    "no_standard": _("尚无核定的费用标准"),
    "nothing_due": _("无应付费用"),
    "over_due": _("超过应付金额"),
    "invalid": _("填写有误"),
    "forbidden": _("无权操作"),
    "not_found": _("记录不存在"),
})

# One standard per level (issue #16): what a verification superseded, and which action a refusal refused.
register_audit_fields({
    "attempted": _("被拒绝的操作"),
    "levels": _("适用等级"),
    "levels_until": _("原标准适用至"),
    "supersedes": _("取代的标准"),
    "superseded_by": _("被下列标准取代"),
}, model="fees.feestandard")
register_audit_fields({"attempted": _("被拒绝的操作")})
register_audit_values("attempted", {
    "fee.cap_set": _("设置考核成本上限"),
    "fee.proposed": _("提出费用标准"),
    "fee.countered": _("提出费用标准反提议"),
    "fee.verified": _("核定费用标准"),
    "fee.payment_recorded": _("登记费用支付"),
})
register_audit_references({"supersedes": "fees.feestandard", "superseded_by": "fees.feestandard"})
