from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditBankConfig(AppConfig):
    name = "credit_bank"
    verbose_name = _("学分银行")

    def ready(self):
        # Imported here, not at the top: they import models, which Django loads after the app configs.
        from credit_bank import (
            audit_actions,  # noqa: F401  (registers its audit actions' names)
            navigation,
            notification_kinds,  # noqa: F401  (registers its notifications' wordings)
            receivers,
        )

        receivers.connect()
        navigation.register()
