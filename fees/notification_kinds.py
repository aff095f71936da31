"""What fees tells people, worded when read (accounts.notification_kinds; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

register_notification_kinds({
    "fee.proposed": (_("收到费用标准提议：%(c)s（%(l)s）%(p)s"),),
    "fee.countered": (_("费用标准收到反提议：%(c)s"),),
    "fee.verified": (_("费用标准已核定：%(c)s %(a)s 元/人次"),),
})
