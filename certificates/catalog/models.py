import functools

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import StoredFile
from organizations.orgs.models import Org


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
    """A selection batch (遴选批次) of training-evaluation orgs and their certificates. It belongs to the
    catalog (every certificate names its batch); the selection process itself (applications, reviews,
    publication) is certificates.batches."""

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
    # 职业技能要求: what a holder of this level can do, one skill a line, as the standard lists them.
    # The certificate's org keeps them (it wrote the standard); the credential page shows them.
    skills = models.TextField(_("职业技能要求"), blank=True, default="")

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

    def skill_lines(self) -> list[str]:
        return [line for line in self.skills.splitlines() if line.strip()]


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


PAPER_COPY_PRICE_CAP = 40  # yuan, shipping included (domain.md rule 5)
