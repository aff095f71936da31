import functools

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from organizations.models import Org, StoredFile


class Level(models.TextChoices):
    JUNIOR = "junior", _("初级")
    INTERMEDIATE = "intermediate", _("中级")
    SENIOR = "senior", _("高级")


@functools.cache
def level_lookup() -> dict[str, str]:
    """Every way a spreadsheet may name a level: its label in each UI language (初级, Junior), any
    letter case of the English, and the code itself. Built on first use, not at import, so that
    the labels are those of every language and not only the one active when the module loaded."""
    lookup = {value: value for value in Level.values}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in Level.choices:
                lookup[str(label)] = lookup[str(label).lower()] = value
    return lookup


class AssessmentType(models.TextChoices):
    """The four kinds of assessment the "2357" cost caps are set for."""

    PAPER = "paper", _("纸笔考试")
    COMPUTER = "computer", _("机考")
    PRACTICAL_GENERAL = "practical_general", _("一般设备实操")
    PRACTICAL_SPECIAL = "practical_special", _("特殊设备实操")


# Cost order of the assessment types: where a level combines parts, the most expensive part's type
# sets its fee cap.
ASSESSMENT_TYPE_ORDER = [AssessmentType.PAPER, AssessmentType.COMPUTER, AssessmentType.PRACTICAL_GENERAL,
                         AssessmentType.PRACTICAL_SPECIAL]


class SelectionBatch(models.Model):
    """A selection batch (遴选批次) of training-evaluation orgs and their certificates."""

    class Status(models.TextChoices):
        OPEN = "open", _("申报中")
        REVIEWING = "reviewing", _("评审中")
        PUBLISHED = "published", _("已公布")

    number = models.PositiveSmallIntegerField(_("批次"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    opened_on = models.DateField(_("开始申报日期"))
    closes_on = models.DateField(_("申报截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    published_on = models.DateField(_("公布日期"), null=True, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("遴选批次")
        verbose_name_plural = _("遴选批次")

    def __str__(self):
        return self.name


class Certificate(models.Model):
    """An X certificate (职业技能等级证书) in the catalog."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("申报中")
        PUBLISHED = "published", _("已公布")
        SUSPENDED = "suspended", _("暂停")
        WITHDRAWN = "withdrawn", _("已退出")
        REPLACED = "replaced", _("已替换")

    code = models.CharField(_("证书代码"), max_length=16, unique=True)
    name = models.CharField(_("证书名称"), max_length=100)
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("培训评价组织"))
    batch = models.ForeignKey(SelectionBatch, on_delete=models.PROTECT, related_name="certificates",
                              verbose_name=_("遴选批次"))
    field = models.CharField(_("领域"), max_length=32, db_index=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.APPLIED, db_index=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces",
                                    verbose_name=_("替换为"))
    description = models.TextField(_("简介"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"org": "org"}
    scope_writers = ("ministry",)

    class Meta:
        ordering = ["batch__number", "code"]
        constraints = [models.CheckConstraint(name="certificate_replaced_has_replacement",
                                              condition=~Q(status="replaced") | Q(replaced_by__isnull=False))]
        verbose_name = _("X证书")
        verbose_name_plural = _("X证书")

    def __str__(self):
        return self.name


class CertificateLevel(models.Model):
    """One level (初级/中级/高级) of a certificate, with how it is assessed and its pass mark."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="levels")
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    assessment_type = models.CharField(_("考核方式"), max_length=24, choices=AssessmentType.choices)
    full_mark = models.DecimalField(_("满分"), max_digits=5, decimal_places=1, default=100)
    pass_mark = models.DecimalField(_("合格分数"), max_digits=5, decimal_places=1, default=60,
                                    validators=[MinValueValidator(0), MaxValueValidator(1000)])

    scope_paths = {"org": "certificate__org"}

    class Meta:
        ordering = ["certificate", "level"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "level"], name="certificatelevel_unique"),
            models.CheckConstraint(name="certificatelevel_pass_mark_within_full_mark",
                                   condition=Q(pass_mark__gte=0) & Q(pass_mark__lte=models.F("full_mark"))),
        ]
        verbose_name = _("证书等级")
        verbose_name_plural = _("证书等级")

    def __str__(self):
        return f"{self.certificate.name}（{self.get_level_display()}）"


class CertificateMajor(models.Model):
    """A major (专业) the certificate relates to."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="majors")
    major_code = models.CharField(_("专业代码"), max_length=16, blank=True)
    major_name = models.CharField(_("专业名称"), max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certificate", "major_name"], name="certificatemajor_unique")]


class CertificateStandard(StoredFile):
    """The certificate's standard document (PDF), versioned by upload time."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="standards")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    upload_folder = "standards"

    class Meta:
        ordering = ["-uploaded_at", "-pk"]


class CertificateStatusChange(models.Model):
    """The certificate's part of the supervision timeline (suspension, withdrawal, replacement)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="status_changes")
    status_before = models.CharField(max_length=16, choices=Certificate.Status.choices)
    status_after = models.CharField(max_length=16, choices=Certificate.Status.choices)
    reason = models.TextField(_("原因"))
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_paths = {"org": "certificate__org"}

    class Meta:
        ordering = ["-at", "-pk"]


class BatchApplication(models.Model):
    """An applicant's submission to a selection batch: one body, one or more certificates."""

    batch = models.ForeignKey(SelectionBatch, on_delete=models.PROTECT, related_name="applications")
    applicant_name = models.CharField(_("申报单位"), max_length=128)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    org_type = models.CharField(_("单位类型"), max_length=32, choices=Org.OrgType.choices)
    # Set when an existing org applies, or when an approved applicant becomes an org.
    org = models.ForeignKey(Org, null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    submitted_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["batch", "applicant_name"]
        constraints = [models.UniqueConstraint(fields=["batch", "credit_code"], name="batchapplication_unique")]


class ApplicationCertificate(models.Model):
    """One certificate in an application, with its review: expert score, public notice, decision."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待评审")
        SHORTLISTED = "shortlisted", _("公示中")
        APPROVED = "approved", _("通过")
        REJECTED = "rejected", _("未通过")

    application = models.ForeignKey(BatchApplication, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("证书名称"), max_length=100)
    field = models.CharField(_("领域"), max_length=32)
    levels = models.JSONField(_("等级与考核方式"), default=list)  # [{"level": ..., "assessment_type": ..., "pass_mark": ...}]
    expert_score = models.DecimalField(_("专家评审分"), max_digits=5, decimal_places=2, null=True, blank=True)
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_until = models.DateField(_("公示结束"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    certificate = models.OneToOneField(Certificate, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="application")

    scope_paths = {"org": "application__org"}

    class Meta:
        ordering = ["application", "pk"]


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
                                 verbose_name=_("考核所在省份"))
    institution = models.ForeignKey("organizations.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="issuance_requests")
    site_code = models.CharField(_("考点代码"), max_length=8, blank=True)
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=1)
    passed_on = models.DateField(_("考核日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
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


# --- Issued certificates (issue 6): numbering, e-certificates, versions, paper copies -------------

class IssuanceBlock(models.TextChoices):
    """Why a request waits (status ``blocked``); the sweep resumes ``no_seal`` once a seal exists."""

    NO_SEAL = "no_seal", _("未上传电子公章")
    GLYPH = "glyph", _("姓名含证书字体无法显示的字符")


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
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="issued_certificates")
    province = models.ForeignKey("accounts.Province", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("考核所在省份"))
    institution = models.ForeignKey("organizations.Institution", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="issued_certificates")
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


PAPER_COPY_PRICE_CAP = 40  # yuan, shipping included (domain.md rule 5)


class PaperCopyOffer(models.Model):
    """The price an org charges for a printed and mailed paper copy (纸质证书)."""

    org = models.OneToOneField(Org, on_delete=models.PROTECT, related_name="paper_copy_offer")
    price = models.DecimalField(_("价格（元，含邮费）"), max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    scope_paths = {"org": "org"}
    scope_writers = ("org",)

    class Meta:
        constraints = [models.CheckConstraint(name="papercopyoffer_price_capped",
                                              condition=Q(price__gte=0) & Q(price__lte=PAPER_COPY_PRICE_CAP))]


class PaperCopyOrder(models.Model):
    """A student's order of a paper copy, worked by the org's print queue."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("已下单，待打印")
        PRINTED = "printed", _("已打印，待邮寄")
        MAILED = "mailed", _("已邮寄")
        CANCELLED = "cancelled", _("已取消")

    issued = models.ForeignKey(IssuedCertificate, on_delete=models.PROTECT, related_name="paper_copies")
    person = models.ForeignKey("accounts.Person", on_delete=models.PROTECT, related_name="paper_copy_orders")
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="paper_copy_orders")
    recipient = models.CharField(_("收件人"), max_length=64)
    phone = models.CharField(_("联系电话"), max_length=20)
    address = models.CharField(_("邮寄地址"), max_length=200)
    postcode = models.CharField(_("邮政编码"), max_length=6, blank=True)
    price = models.DecimalField(_("价格（元，含邮费）"), max_digits=6, decimal_places=2)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ORDERED)
    carrier = models.CharField(_("快递公司"), max_length=32, blank=True)
    tracking_number = models.CharField(_("快递单号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)
    printed_at = models.DateTimeField(_("打印时间"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("邮寄时间"), null=True, blank=True)

    scope_paths = {"org": "org", "person": "person"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="papercopyorder_price_capped",
                                   condition=Q(price__gte=0) & Q(price__lte=PAPER_COPY_PRICE_CAP)),
            models.CheckConstraint(name="papercopyorder_mailed_has_tracking",
                                   condition=~Q(status="mailed") | ~Q(tracking_number="")),
        ]
        verbose_name = _("纸质证书订单")
        verbose_name_plural = _("纸质证书订单")
