from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def trainer_todos(actor):
    """An org's workbench: trainer records waiting for its confirmation."""
    from django.urls import reverse

    from assessments.trainers.selectors import trainers_pending_count
    from core.navigation import Todo

    count = trainers_pending_count(actor)
    if not count:
        return []
    return [Todo(title=str(_("待确认的培训师记录")), url=f"{reverse('assessments:trainers')}?status=pending",
                 count=count)]


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("考核")

    def ready(self):
        from accounts.models import Role
        from core.navigation import register_nav, register_todo_provider

        provincial = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
        # The registry pages live in organizations; their entry is registered here, with the
        # filings they exist for, so the menu reads in the order officials work.
        register_nav(_("院校名录"), "organizations:institutions", provincial, order=20)
        register_nav(_("院校备案"), "assessments:filings",
                     (*provincial, Role.INSTITUTION, Role.ALLIANCE, Role.ORG), order=30)
        register_nav(_("全国备案汇总"), "assessments:national", (Role.MINISTRY,), order=31)
        register_nav(_("培训师资格"), "assessments:trainers",
                     (*provincial, Role.INSTITUTION, Role.ALLIANCE, Role.ORG), order=40)
        register_todo_provider(trainer_todos)
        from assessments.sessions.navigation import register as register_sessions

        register_sessions()
        # Trainings, plans and the monthly progress report (issue 5, items 1, 2 and 6).
        readers = (*provincial, Role.ORG)
        register_nav(_("师资培训"), "assessments:trainings", readers, order=45)
        register_nav(_("考核计划"), "assessments:plans", readers, order=50)
        register_nav(_("月度进展报告"), "assessments:reports", readers, order=55)
