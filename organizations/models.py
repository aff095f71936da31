from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Province, StoredFile


class Org(models.Model):
    """A training and evaluation organization (培训评价组织) that owns X certificates."""

    class OrgType(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        ASSOCIATION = "association", _("行业协会/学会")
        RESEARCH = "research", _("研究机构")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        PRIVATE_NON_ENTERPRISE = "private_non_enterprise", _("民办非企业单位")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        YELLOW_CARD = "yellow_card", _("黄牌警告")
        DELISTED = "delisted", _("摘牌")
        WITHDRAWN = "withdrawn", _("主动退出")

    name = models.CharField(_("名称"), max_length=128, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    org_type = models.CharField(_("类型"), max_length=32, choices=OrgType.choices)
    batch_number = models.PositiveSmallIntegerField(_("遴选批次"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    # The portal-assigned org code used in certificate numbers (certificate coding rules).
    code = models.CharField(_("组织编码"), max_length=4, unique=True, null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    website = models.URLField(_("网站"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"org": "pk"}
    scope_writers = ("ministry", "org")

    class Meta:
        ordering = ["name"]
        verbose_name = _("培训评价组织")
        verbose_name_plural = _("培训评价组织")

    def __str__(self):
        return self.name


class Alliance(models.Model):
    """An institution alliance (院校联盟) acting for its member institutions."""

    name = models.CharField(_("名称"), max_length=128, unique=True)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"province": "province", "institution": "members__pk"}
    scope_distinct = True

    class Meta:
        ordering = ["name"]
        verbose_name = _("院校联盟")
        verbose_name_plural = _("院校联盟")

    def __str__(self):
        return self.name


class Institution(models.Model):
    """A vocational school or college (院校)."""

    class InstitutionType(models.TextChoices):
        SECONDARY = "secondary", _("中职")
        HIGHER_VOCATIONAL = "higher_vocational", _("高职专科")
        VOCATIONAL_UNDERGRADUATE = "vocational_undergraduate", _("职业本科")
        APPLIED_UNDERGRADUATE = "applied_undergraduate", _("应用型本科")
        TECHNICIAN = "technician", _("技工院校")

    name = models.CharField(_("名称"), max_length=128)
    school_code = models.CharField(_("学校标识码"), max_length=10, unique=True)
    institution_type = models.CharField(_("类型"), max_length=32, choices=InstitutionType.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    city = models.CharField(_("城市"), max_length=64, blank=True)
    alliance = models.ForeignKey(Alliance, null=True, blank=True, on_delete=models.SET_NULL, related_name="members",
                                 verbose_name=_("所属院校联盟"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"province": "province", "institution": "pk"}
    scope_writers = ("province",)

    class Meta:
        ordering = ["province", "name"]
        verbose_name = _("院校")
        verbose_name_plural = _("院校")

    def __str__(self):
        return self.name


class Enrolment(models.Model):
    """A person studying a major (专业) at an institution."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="enrolments")
    major_code = models.CharField(_("专业代码"), max_length=16, blank=True)
    major_name = models.CharField(_("专业名称"), max_length=64)
    entry_year = models.PositiveSmallIntegerField(_("入学年份"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"province": "institution__province", "institution": "institution", "person": "person"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "institution", "major_name"],
                                               name="enrolment_unique")]
        verbose_name = _("学籍")
        verbose_name_plural = _("学籍")


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


class OrgAction(models.Model):
    """A supervision action on an org (or its own withdrawal): the org's timeline, with evidence."""

    class Kind(models.TextChoices):
        YELLOW_CARD = "yellow_card", _("黄牌警告")
        LIFT_YELLOW_CARD = "lift_yellow_card", _("撤销黄牌")
        DELIST = "delist", _("摘牌")
        WITHDRAW = "withdraw", _("主动退出")
        REINSTATE = "reinstate", _("恢复正常")

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("措施"), max_length=24, choices=Kind.choices)
    status_before = models.CharField(max_length=16, choices=Org.Status.choices)
    status_after = models.CharField(max_length=16, choices=Org.Status.choices)
    reason = models.TextField(_("原因"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("监管措施")
        verbose_name_plural = _("监管措施")


class OrgActionEvidence(StoredFile):
    action = models.ForeignKey(OrgAction, on_delete=models.CASCADE, related_name="evidence")
    upload_folder = "evidence"


class Complaint(models.Model):
    """A complaint (投诉举报) against an org. The org sees its substance, never who made it."""

    class Category(models.TextChoices):
        BUNDLED_SALES = "bundled_sales", _("捆绑销售")
        EXCESSIVE_FEES = "excessive_fees", _("高收费")
        LENIENT_ASSESSMENT = "lenient_assessment", _("考核放水")
        FALSE_PUBLICITY = "false_publicity", _("宣传不实")
        INACTION = "inaction", _("推进不力")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理")
        INVESTIGATING = "investigating", _("调查中")
        UPHELD = "upheld", _("属实")
        DISMISSED = "dismissed", _("不属实")

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("被投诉组织"))
    # The receipt number the submitter keeps (e.g. TS2026-K7QM-4XPD): random, so it reveals neither
    # the database id nor how many complaints exist, and it is the key of the public status lookup.
    reference = models.CharField(_("受理编号"), max_length=20, unique=True)
    category = models.CharField(_("类别"), max_length=24, choices=Category.choices)
    text = models.TextField(_("投诉内容"))
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    scope_paths = {"org": "org"}

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")

    def __str__(self):
        # Used in audit entries: the reference only, never the complainant.
        return self.reference


class ComplaintEvidence(StoredFile):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    upload_folder = "complaints"


class ComplaintNote(models.Model):
    """The ministry's triage trail: each status change or note, in order."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    status_before = models.CharField(max_length=16, choices=Complaint.Status.choices)
    status_after = models.CharField(max_length=16, choices=Complaint.Status.choices)
    text = models.TextField(_("处理意见"))
    # Triage notes are shown to the complained-about org unless the ministry marks them internal.
    internal = models.BooleanField(_("仅教育部可见"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
