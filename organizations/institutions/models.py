from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Province


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
