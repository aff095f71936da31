"""The holder's public credential page (issue 17, item 4) and how often each certificate is verified.

``CredentialPage``: off until the holder turns it on; its token is random (never the certificate
number), so public pages cannot be enumerated, and it is kept when the page is turned off and on
again. ``VerificationCount``: per certificate per day, nothing about who looked (no address, no
browser), bumped by one UPSERT per successful lookup.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from certificates.issuance.models import IssuedCertificate


class CredentialPage(models.Model):
    issued = models.OneToOneField(IssuedCertificate, on_delete=models.CASCADE, related_name="credential_page")
    token = models.CharField(max_length=32, unique=True)
    public = models.BooleanField(_("公开证书页"), default=False)
    changed_at = models.DateTimeField(auto_now=True)

    scope_paths = {"province": "issued__province", "org": "issued__org", "institution": "issued__institution",
                   "person": "issued__person"}

    class Meta:
        verbose_name = _("证书公开页")
        verbose_name_plural = _("证书公开页")


class VerificationCount(models.Model):
    issued = models.ForeignKey(IssuedCertificate, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    count = models.PositiveIntegerField(_("查验次数"), default=0)

    scope_paths = {"province": "issued__province", "org": "issued__org", "institution": "issued__institution",
                   "person": "issued__person"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issued", "day"], name="verificationcount_one_per_day")]
        verbose_name = _("查验次数")
        verbose_name_plural = _("查验次数")
