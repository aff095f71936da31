from django.db import models
from django.utils.translation import gettext_lazy as _


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
