from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("证书")

    def ready(self):
        from certificates.catalog import navigation

        navigation.register()
        from certificates.issuance import navigation as navigation_issued

        navigation_issued.register()
