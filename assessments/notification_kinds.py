"""What assessments tells people, worded when read (accounts.notification_kinds; issue #16)."""

from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import register_notification_kinds

register_notification_kinds({
    "results.published": (_("成绩已发布：%(c)s（%(l)s）%(d)s"),),
    "results.published_to_candidate": (_("成绩已发布：%(c)s（%(l)s）%(d)s"),
                                       _("请在“我的考核”中查看成绩；对成绩有异议的，可以申请复核。")),
    "result.amended": (_("您的成绩已更正：%(s)s 分"), "%(reason)s"),
    "score_review.requested": (_("新的成绩复核申请"), _("%(c)s（%(l)s）%(d)s %(site)s")),
    "score_review.answered": (_("成绩复核结果：%(s)s"), "%(answer)s"),
    "report.generated": (_("%(y)d年%(m)d月进展报告已生成"),),
})
