"""The catalog's menu entry and its section on an org's profile (registered from
CertificatesConfig.ready)."""

from django.utils.translation import gettext_lazy

from certificates.catalog.selectors import certificates_of_org
from core.navigation import register_nav
from organizations.hooks import register_org_profile_section


def _org_certificates_section(actor, org) -> dict:
    # The profile is seen only by the ministry and the org itself, who may see every status.
    return {"certificates": certificates_of_org(org)}


def register() -> None:
    register_org_profile_section("certificates/org_certificates_section.html", _org_certificates_section, order=10)
    register_nav(gettext_lazy("证书目录"), "certificates:catalog", None, order=20, group="certificates")
