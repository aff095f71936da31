from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("费用")

    def ready(self):
        from accounts.models import Role
        from core.navigation import register_nav

        register_nav(_("费用核定"), "fees:index",
                     (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ALLIANCE, Role.ORG), order=40)
        register_nav(_("费用支付"), "fees:payments",
                     (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.ORG),
                     order=41)
