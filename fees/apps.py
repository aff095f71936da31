from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "fees"
    verbose_name = _("费用")

    def ready(self):
        # Imported here, not at the top: the selectors import models, which are loaded only now.
        from fees import audit_actions, navigation, notification_kinds  # noqa: F401  (register names and wordings)

        navigation.register()
