from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与权限")

    def ready(self):
        # api_schema registers its schema extensions, audit_actions the audit actions' names,
        # notification_kinds what sign-up tells an account's holder.
        from accounts import api_schema, audit_actions, todos  # noqa: F401
        from accounts.signup import notification_kinds  # noqa: F401

        todos.register()
