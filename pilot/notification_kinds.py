"""What the pilot overview tells people, worded when read (accounts.notification_kinds; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

register_notification_kinds({
    "indicator.generated": (_("%(y)d年%(m)d月行为评价指标已计算，黄牌候选 %(n)d 个"),),
})
