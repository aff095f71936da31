from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotConfig(AppConfig):
    name = "pilot"
    verbose_name = _("试点总览")

    def ready(self):
        # Imported here, not at the top: they import models, which Django loads after the app configs.
        from accounts.models import Role
        from core.metrics import register_scrape
        from core.metrics.collectors import celery_queues, jobs_by_state
        from core.navigation import register_nav, register_nav_group, register_todo_provider
        from pilot import audit_actions, notification_kinds  # noqa: F401  (register names and wordings)
        from pilot.dashboard import metrics as dashboard_metrics  # noqa: F401  (registers the rollup age)
        from pilot.dashboard.receivers import receivers_connect
        from pilot.indicators.selectors import indicator_todos
        from pilot.selectors import supervision_todos

        # The side menu's areas, as officials divide the pilot's work.
        for order, (key, label) in enumerate([
                ("general", _("综合")), ("reports", _("统计与报告")), ("filings", _("备案与院校")),
                ("assessment", _("考核与成绩")), ("certificates", _("证书")), ("fees", _("收费")),
                ("credit_bank", _("学分银行")), ("supervision", _("监管")), ("account", _("账户"))]):
            register_nav_group(key, label, order=order * 10)
        register_nav(_("工作台"), "pilot:home", None, order=0, group="general")
        register_nav(_("试点总览"), "pilot:dashboard", (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG),
                     order=5, group="reports")
        register_nav(_("省份"), "pilot:provinces", (Role.MINISTRY,), order=10, group="filings")
        register_nav(_("监管"), "pilot:supervision", (Role.MINISTRY,), order=60, group="supervision")
        register_nav(_("行为评价指标"), "pilot:indicators", (Role.MINISTRY,), order=61, group="supervision")
        register_nav(_("黄牌候选"), "pilot:candidates", (Role.MINISTRY,), order=62, group="supervision")
        register_nav(_("通知公告"), "pilot:notices", None, order=70, group="general")
        register_todo_provider(supervision_todos)
        register_todo_provider(indicator_todos)
        receivers_connect()
        # The operational figures read at scrape time (core.metrics): queues and jobs are core's,
        # which is no app of its own, so the project registers them.
        register_scrape(celery_queues)
        register_scrape(jobs_by_state)
