"""What the credit bank tells people, worded when read (accounts.notification_kinds; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

REVOKED = _("证书 %(number)s 已于 %(date)s 撤销：%(reason)s")

register_notification_kinds({
    "credit.outcome_revoked_to_institution": (_("学分转换所依据的证书已撤销，请复核"), REVOKED),
    "credit.outcome_revoked_to_student": (_("您学分银行中的学习成果因证书撤销而失效"), REVOKED),
    "credit.conversion_requested": (_("新的学分转换申请：%(name)s"), _("%(certificate)s → %(course)s")),
    "credit.conversion_approved": (_("学分转换已认定：%(course)s %(credits)s 学分"),
                                   _("%(institution)s已认定您的学分转换申请。")),
    "credit.conversion_declined": (_("学分转换申请未通过：%(course)s"), "%(reason)s"),
})
