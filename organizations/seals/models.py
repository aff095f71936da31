from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import StoredFile
from organizations.orgs.models import Org


class OrgSeal(StoredFile):
    """One version of an org's electronic seal (电子公章). Certificates keep the version they were
    issued with; a new version applies only to certificates issued after it."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="seals")
    version = models.PositiveIntegerField(_("版本"))
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    printed_mm = models.PositiveSmallIntegerField(_("印面直径（毫米）"), default=40)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    upload_folder = "seals"
    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["org", "-version"]
        constraints = [models.UniqueConstraint(fields=["org", "version"], name="orgseal_unique_version")]
        verbose_name = _("电子公章")
        verbose_name_plural = _("电子公章")
