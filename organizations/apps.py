from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("培训评价组织与院校")

    def ready(self):
        # Imported here, not at the top: the hooks import models, which are loaded only now.
        from organizations import (
            audit_actions,  # noqa: F401  (registers its audit actions' names)
            hooks,
            notification_kinds,  # noqa: F401  (registers its notifications' wordings)
        )

        hooks.register()
