from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("证书")

    def ready(self):
        from certificates import navigation

        navigation.register()
        from certificates import navigation_issued

        navigation_issued.register()
