from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("证书")

    def ready(self):
        # Imported here, not at the top: the navigation modules read models, which Django loads
        # only after every app's configuration (app loading, not an import cycle).
        from certificates.batches import navigation as batches_navigation
        from certificates.catalog import navigation as catalog_navigation
        from certificates.catalog.models import Certificate
        from certificates.catalog.selectors import certificates_matching
        from certificates.issuance import navigation as issuance_navigation
        from certificates.paper_copies import navigation as paper_copies_navigation
        from core.choices import register_choice_search

        catalog_navigation.register()
        batches_navigation.register()
        issuance_navigation.register()
        paper_copies_navigation.register()
        register_choice_search(Certificate, certificates_matching)
