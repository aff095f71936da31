"""What organizations tells people, worded when read (accounts.notification_kinds; issue #16)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

UPHELD = _("经教育部核查，一件针对贵组织的“%(category)s”投诉属实（受理编号 %(ref)s）。\n\n投诉内容：\n%(text)s")

register_notification_kinds({
    "org.supervision_action": (_("教育部对贵组织采取了监管措施：%(action)s"), "%(reason)s"),
    "complaint.upheld": (_("投诉经核查属实：%(category)s"), UPHELD),
    "complaint.upheld_with_note": (_("投诉经核查属实：%(category)s"),
                                   format_lazy("{}\n\n{}", UPHELD, _("处理意见：\n%(note)s"))),
})
