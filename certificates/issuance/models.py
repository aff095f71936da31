from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import Certificate, Level
from organizations.orgs.models import Org


class IssuanceRequest(models.Model):
    """A durable request to issue one certificate for one finalized pass (issuance is never tied to
    payment: nothing here refers to fees).

    Created by the assessment pipeline in the same transaction that finalizes a session, one per
    passed result (``result_id`` is unique: the pipeline's result, referenced by id because
    assessments is a higher layer). It carries copies of everything the certificate needs, so
    issuance never reads the pipeline's tables.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发证")
        BLOCKED = "blocked", _("暂缓（原因见说明）")
        ISSUED = "issued", _("已发证")
        DUPLICATE = "duplicate", _("已持有同级证书")
        FAILED = "failed", _("发证失败")

    result_id = models.BigIntegerField(_("成绩编号"), unique=True)
    session_id = models.BigIntegerField(_("考核批次编号"), db_index=True)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="issuance_requests")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="issuance_requests")
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="issuance_requests")
    holder_name = models.CharField(_("持证人姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=24)
    id_number = models.CharField(_("证件号码"), max_length=32)
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("考核所在省份"), db_index=False)  # (province, status) serves it
    institution = models.ForeignKey("organizations.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="issuance_requests")
    site_code = models.CharField(_("考点代码"), max_length=8, blank=True)
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=1)
    passed_on = models.DateField(_("考核日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # Why the request is not issued, kept as what it means (certificates.issuance.selectors
    # request_note words it in the reader's language); status_note is the wording of requests
    # answered before notes were kept that way.
    note_params = models.JSONField(null=True, blank=True)
    status_note = models.CharField(_("说明"), max_length=200, blank=True)
    block_code = models.CharField(_("暂缓原因"), max_length=16, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    scope_paths = {"province": "province", "org": "org", "institution": "institution", "person": "person"}

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "org"]), models.Index(fields=["province", "status"]),
                   # The worker's claim reads the oldest pending requests: only those, however many
                   # were issued before them (without it each chunk stepped over every issued row).
                   models.Index(fields=["created_at", "id"], condition=Q(status="pending"),
                                name="issuancerequest_pending_idx")]
        verbose_name = _("发证请求")
        verbose_name_plural = _("发证请求")


class IssuanceBlock(models.TextChoices):
    """Why a request waits (status ``blocked``); the sweep resumes ``no_seal`` once a seal exists.
    ``delisted`` and ``org_withdrawn`` hold a pass assessed on or after the day its org left the pilot
    (organizations.supervision ``org_standing``): nothing resumes it; the candidate's way forward is
    the certificate the ministry designated to replace the org's."""

    NO_SEAL = "no_seal", _("未上传电子公章")
    GLYPH = "glyph", _("姓名含证书字体无法显示的字符")
    DELISTED = "delisted", _("组织已摘牌")
    ORG_WITHDRAWN = "org_withdrawn", _("组织已退出试点")


# Held because the org left the pilot before the assessment: retrying cannot change that.
HELD_FOR_ORG = (IssuanceBlock.DELISTED, IssuanceBlock.ORG_WITHDRAWN)


class NumberSequence(models.Model):
    """The last serial used under one number prefix (the sequence scope, see certificates.numbering).

    Workers take a block of serials under a row lock held only for the short transaction that also
    stores the certificates, so serials are unique and gap-free per prefix."""

    prefix = models.CharField(max_length=24, unique=True)
    last_value = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("证书编号序列")
        verbose_name_plural = _("证书编号序列")


def _issued_pdf_path(instance, filename):
    return f"certificates/{instance.issued_on:%Y}/{filename}"


class IssuedCertificate(models.Model):
    """An issued e-certificate (电子证书): one per issuance request, or imported from before the
    portal. Holds the current version; superseded versions are kept in CertificateVersion."""

    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    class Origin(models.TextChoices):
        ISSUED = "issued", _("平台签发")
        IMPORTED = "imported", _("平台启用前签发（导入）")

    number = models.CharField(_("证书编号"), max_length=32, unique=True)
    request = models.OneToOneField(IssuanceRequest, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="issued")
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="issued_certificates")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="issued")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    # The org, province and institution are read through the (…, issued_on) indexes below; an index
    # of their own would be one more to write with every certificate (bench/bench_issuance_scale.py).
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="issued_certificates", db_index=False)
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("考核所在省份"), db_index=False)
    institution = models.ForeignKey("organizations.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="issued_certificates", db_index=False)
    holder_name = models.CharField(_("持证人姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=24)
    id_number = models.CharField(_("证件号码"), max_length=32)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    seal = models.ForeignKey("organizations.OrgSeal", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("电子公章版本"))
    issued_on = models.DateField(_("发证日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.VALID)
    revoked_reason = models.TextField(_("撤销原因"), blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    origin = models.CharField(_("来源"), max_length=16, choices=Origin.choices, default=Origin.ISSUED)
    # The QR token: random, bound to this certificate's current version, never expiring; it stops
    # verifying only when the certificate is revoked or the version superseded.
    token = models.CharField(max_length=32, unique=True)
    pdf = models.FileField(upload_to=_issued_pdf_path, max_length=200, blank=True)
    pdf_size = models.PositiveIntegerField(null=True, blank=True)
    # The signed OFD of the current version, made on its first download and kept (certificates.
    # issuance.ofd_files); a reissue clears it like the PDF. A database default too: the bulk loads
    # (COPY in seed_scale and the scale bench) name their columns and never this one.
    ofd = models.FileField(upload_to=_issued_pdf_path, max_length=200, blank=True, db_default="")
    ofd_size = models.PositiveIntegerField(null=True, blank=True)
    # Set once the issued hook has fired and the holder has been told (at least once; see hooks.py).
    announced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    scope_paths = {"province": "province", "org": "org", "institution": "institution", "person": "person"}
    scope_writers = ("ministry", "org")

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "certificate", "level"], condition=Q(status="valid"),
                                    name="issuedcertificate_one_valid_per_level"),
            models.CheckConstraint(name="issuedcertificate_revoked_has_reason",
                                   condition=~Q(status="revoked") | ~Q(revoked_reason="")),
        ]
        indexes = [models.Index(fields=["org", "issued_on"]), models.Index(fields=["institution", "issued_on"]),
                   models.Index(fields=["province", "issued_on"])]
        verbose_name = _("电子证书")
        verbose_name_plural = _("电子证书")

    def __str__(self):
        return self.number


class CertificateVersion(models.Model):
    """A superseded version of an issued certificate (after a name correction): its PDF and QR
    token keep answering "superseded" (已被新版本取代)."""

    issued = models.ForeignKey(IssuedCertificate, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("版本"))
    holder_name = models.CharField(_("持证人姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=24)
    id_number = models.CharField(_("证件号码"), max_length=32)
    issued_on = models.DateField(_("发证日期"))
    token = models.CharField(max_length=32, unique=True)
    pdf = models.FileField(upload_to=_issued_pdf_path, max_length=200, blank=True)
    superseded_at = models.DateTimeField(_("取代时间"), auto_now_add=True)
    reason = models.CharField(_("换发原因"), max_length=200)

    scope_paths = {"province": "issued__province", "org": "issued__org", "institution": "issued__institution",
                   "person": "issued__person"}

    class Meta:
        ordering = ["issued", "-version"]
        constraints = [models.UniqueConstraint(fields=["issued", "version"], name="certificateversion_unique")]

    @property
    def number(self) -> str:
        return self.issued.number


class OfdSeal(models.Model):
    """The GB/T 38540 electronic seal (DER ``SES_Seal``) of one org seal version, which signs the OFD
    of every certificate issued with that version. Built once, on the first OFD that needs it, and
    kept: its SM2 signature is randomized, so building it again would give another seal for the same
    seal version (certificates.issuance.ofd_files)."""

    seal = models.OneToOneField("organizations.OrgSeal", primary_key=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("电子公章版本"))
    der = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("OFD 电子印章")
        verbose_name_plural = _("OFD 电子印章")
