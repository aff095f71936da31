from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("证书")

    def ready(self):
        # Imported here, not at the top: the navigation modules read models, which Django loads
        # only after every app's configuration (app loading, not an import cycle).
        from accounts.identity import register_name_check
        from certificates import audit_actions, metrics, notification_kinds  # noqa: F401  (register names, wordings, figures)
        from certificates.batches import navigation as batches_navigation
        from certificates.catalog import navigation as catalog_navigation
        from certificates.catalog.models import Certificate
        from certificates.catalog.selectors import certificates_matching
        from certificates.issuance import navigation as issuance_navigation
        from certificates.issuance import selectors as issuance_selectors
        from certificates.issuance.pdf import name_drawable
        from certificates.paper_copies import navigation as paper_copies_navigation
        from certificates.paper_copies import selectors as paper_copies_selectors
        from core.choices import register_choice_search

        # A name the certificate fonts cannot draw is refused where it is typed (sign-up), not
        # only when a certificate is rendered.
        register_name_check(name_drawable)
        catalog_navigation.register()
        batches_navigation.register()
        issuance_navigation.register()
        paper_copies_navigation.register()
        # Paper copies, above issuance, tell the certificate's access decision whether its copy is taken.
        issuance_selectors.paper_copy_taken_source(paper_copies_selectors.paper_copy_taken)
        register_choice_search(Certificate, certificates_matching)
