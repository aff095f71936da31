from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("费用")

    def ready(self):
        # Imported here, not at the top: the selectors import models, which are loaded only now.
        from core.navigation import register_nav
        from fees.selectors import NEGOTIATION_ROLES, PAYMENT_ROLES

        register_nav(_("费用核定"), "fees:index", NEGOTIATION_ROLES, order=40, group="fees")
        register_nav(_("费用支付"), "fees:payments", PAYMENT_ROLES, order=41, group="fees")
