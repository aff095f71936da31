from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("考核")

    def ready(self):
        # Imported here, not at the top, only for Django's app loading: these modules import the
        # models, which are not ready when Django imports this AppConfig.
        from accounts.models import Role
        from assessments import audit_actions, notification_kinds  # noqa: F401  (register names and wordings)
        from assessments.registrations import navigation as registrations_navigation
        from assessments.results import navigation as results_navigation
        from assessments.sessions import navigation as sessions_navigation
        from assessments.sessions import selectors as sessions_selectors
        from assessments.trainers import navigation as trainers_navigation
        from certificates.issuance.selectors import register_session_labels
        from core.navigation import register_nav

        # Menu entries by role are configuration: the pages themselves ask the selectors.
        provincial = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
        # The registry pages live in organizations; their entry is registered here, with the
        # filings they exist for, so the menu reads in the order officials work.
        register_nav(_("院校名录"), "organizations:institutions", provincial, order=20, group="filings")
        register_nav(_("院校备案"), "assessments:filings",
                     (*provincial, Role.INSTITUTION, Role.ALLIANCE, Role.ORG), order=30, group="filings")
        register_nav(_("全国备案汇总"), "assessments:national", (Role.MINISTRY,), order=31, group="reports")
        register_nav(_("培训师资格"), "assessments:trainers",
                     (*provincial, Role.INSTITUTION, Role.ALLIANCE, Role.ORG), order=40, group="filings")
        register_session_labels(sessions_selectors.session_labels)
        # To-dos in the order the workbench lists them.
        trainers_navigation.register()
        results_navigation.register()
        sessions_navigation.register()
        registrations_navigation.register()
        # Trainings, plans and the monthly progress report (issue 5, items 1, 2 and 6).
        readers = (*provincial, Role.ORG)
        register_nav(_("师资培训"), "assessments:trainings", readers, order=45, group="filings")
        register_nav(_("考核计划"), "assessments:plans", readers, order=50, group="assessment")
        register_nav(_("月度进展报告"), "assessments:reports", readers, order=55, group="reports")
