"""The audit actions of certificates, named for the audit log (accounts.audit_labels; issue #16)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit_labels import (
    register_audit_actions,
    register_audit_fields,
    register_audit_formatter,
    register_audit_object,
    register_audit_object_names,
    register_audit_references,
    register_audit_values,
)
from certificates.catalog.models import AssessmentType, Level

register_audit_actions("certificates.certificate", {
    "certificate.created": _("新增X证书"),
    "certificate.updated": _("修改X证书信息"),
    "certificate.standard_uploaded": _("上传证书标准"),
    "certificate.status_changed": _("变更X证书状态"),
    "certificate.skills_updated": _("修改职业技能要求"),
})
register_audit_actions("certificates.issuedcertificate", {
    "certificate.issued": _("签发电子证书"),
    "certificate.imported": _("导入历史证书"),
    "certificate.revoked": _("撤销电子证书"),
    "certificate.reissued": _("换发电子证书"),
    # The holder's public credential page (/c/<token>/), turned on and off.
    "certificate.shared": _("公开证书展示页"),
    "certificate.unshared": _("关闭证书展示页"),
})
register_audit_actions("certificates.issuancerequest", {"issuance.retried": _("重新提交发证")})
register_audit_actions("certificates.selectionbatch", {
    "batch.opened": _("开启遴选批次"),
    "batch.closed": _("截止遴选申报"),
    "batch.application_submitted": _("提交遴选申报"),
    "batch.applications_imported": _("导入遴选申报"),
    "batch.review_recorded": _("记录遴选评审"),
    "batch.published": _("公布遴选结果"),
})
register_audit_actions("certificates.papercopyoffer", {"paper_copy.price_set": _("设置纸质证书价格")})
register_audit_actions("certificates.papercopyorder", {
    "paper_copy.ordered": _("申请纸质证书"),
    "paper_copy.printed": _("打印纸质证书"),
    "paper_copy.mailed": _("邮寄纸质证书"),
    "paper_copy.cancelled": _("取消纸质证书申请"),
})
register_audit_object("certificates.papercopyoffer", _("纸质证书价格"))
# A chunk of certificates issued, or imported, in one entry: named by their number.
register_audit_object_names({
    "certificate.issued": lambda changes: gettext("%(n)d 份证书") % {"n": len(changes["numbers"])},
    "certificate.imported": lambda changes: gettext("导入 %(n)d 份证书") % {"n": int(changes["count"])},
})
register_audit_references({"certificate": "certificates.certificate"})
register_audit_fields({
    "certificate": _("X证书"),
    "standard": _("标准文件"),
    "majors": _("面向专业"),
    "first": _("起始编号"),
    "last": _("截止编号"),
    "numbers": _("证书编号"),
    "applicant": _("申报单位"),
    "applications": _("申报数"),
    "certificates": _("证书"),
    "certificates_created": _("新增证书数"),
    "certificates_published": _("公布证书数"),
    "orgs_created": _("新增培训评价组织数"),
    "replaced_by": _("替代证书"),
    "holder_name": _("持证人姓名"),
    "price": _("价格（元）"),
    "batch_number": _("遴选批次"),
    "level": _("等级"),
    "assessment_type": _("考核方式"),
})
register_audit_fields({"levels": _("等级设置"), "skills": _("职业技能要求")}, model="certificates.certificate")
register_audit_fields({"public": _("公开展示页")}, model="certificates.issuedcertificate")
register_audit_values("level", dict(Level.choices))
register_audit_values("assessment_type", dict(AssessmentType.choices))


def _level(spec) -> str:
    """A certificate's level as recorded: ``level:assessment type:pass mark/full marks``."""
    parts = str(spec).split(":")
    if len(parts) != 3:
        return str(spec)
    level, kind, marks = parts
    kinds = "+".join(str(dict(AssessmentType.choices).get(k, k)) for k in kind.split("+"))
    return f"{dict(Level.choices).get(level, level)}（{kinds}，{marks}）"


register_audit_formatter("certificates.certificate", "levels", _level)


def _skills(spec) -> str:
    """One level's skills as recorded: ``level:skill；skill``."""
    level, _sep, skills = str(spec).partition(":")
    if level not in Level.values:
        return str(spec)
    return f"{dict(Level.choices)[level]}: {skills or '—'}"


register_audit_formatter("certificates.certificate", "skills", _skills)
