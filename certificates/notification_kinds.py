"""What certificates tells people, worded when read (accounts.notification_kinds; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

register_notification_kinds({
    "certificate.issued": (_("您的职业技能等级证书已签发：%(name)s（%(level)s）"),
                           _("证书编号 %(number)s。可在“我的证书”中下载电子证书、分享查验链接或申请纸质证书。")),
    # Notices sent before reasons were kept by meaning carry their reasons as stored text.
    "issuance.blocked": (_("%(n)d 名合格考生的证书暂缓签发"), "%(reasons)s"),
    "issuance.held": (_("%(n)d 名合格考生的证书暂缓签发：%(reason)s"),
                      _("每名考生的原因和处理途径见“合格未发证”页面。")),
    "paper_copy.ordered": (_("新的纸质证书申请：%(number)s"),),
    "paper_copy.advanced": (_("纸质证书 %(number)s：%(status)s"),),
    "paper_copy.mailed": (_("纸质证书 %(number)s：%(status)s"), _("快递：%(carrier)s %(no)s")),
})
