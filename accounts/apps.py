from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与权限")

    def ready(self):
        from accounts import audit_actions  # noqa: F401  (registers its audit actions' names)
        from accounts import api_schema, todos  # noqa: F401  (api_schema registers its schema extensions)

        todos.register()
