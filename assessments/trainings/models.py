"""Teacher training (师资培训), certificate training (证书培训) and the orgs' commitments to the
Hubei special action (湖北专项行动), as the orgs record them.

These session counts are the source of the national figures the speech quotes (170,000 teacher
trainings, 452,000 certificate trainings); the named trainer qualifications of the filing issue
(TrainerQualification) are the part of them that qualify institution teachers.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from certificates.catalog.models import Certificate, Level
from organizations.orgs.models import Org

HUBEI = "42"


class TrainingMode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")


class TeacherTraining(models.Model):
    """One teacher-training session an org held for one certificate level in one province."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="teacher_trainings",
                            verbose_name=_("培训评价组织"))
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="teacher_trainings",
                                    verbose_name=_("证书"))
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), db_index=True)
    # Where the trained teachers work: the province the figures are counted for.
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    mode = models.CharField(_("培训形式"), max_length=16, choices=TrainingMode.choices)
    teachers_trained = models.PositiveIntegerField(_("培训教师人数"))
    hubei_special = models.BooleanField(_("计入湖北专项行动"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_paths = {"org": "org", "province": "province"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["-end_date", "-pk"]
        constraints = [
            models.CheckConstraint(name="teachertraining_dates_ordered", condition=Q(end_date__gte=F("start_date"))),
            models.CheckConstraint(name="teachertraining_teachers_positive", condition=Q(teachers_trained__gt=0)),
            models.CheckConstraint(name="teachertraining_hubei_special_in_hubei",
                                   condition=Q(hubei_special=False) | Q(province=HUBEI)),
        ]
        indexes = [models.Index(fields=["org", "end_date"], name="teachertraining_org_end"),
                   models.Index(fields=["province", "end_date"], name="teachertraining_prov_end")]
        verbose_name = _("师资培训")
        verbose_name_plural = _("师资培训")

    def __str__(self):
        return f"{self.certificate.name}（{self.get_level_display()}）{self.start_date:%Y-%m-%d}"


class CertificateTraining(models.Model):
    """How many students and social learners an org trained for one certificate level in one
    province in one month. One row per key: recording it again corrects it."""

    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="certificate_trainings",
                            verbose_name=_("培训评价组织"))
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="certificate_trainings",
                                    verbose_name=_("证书"))
    level = models.CharField(_("等级"), max_length=16, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", verbose_name=_("省份"))
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    students = models.PositiveIntegerField(_("培训学生人数"), default=0)
    social_learners = models.PositiveIntegerField(_("培训社会学习者人数"), default=0)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_paths = {"org": "org", "province": "province"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["-month", "certificate__name", "province__sort_order", "level"]
        constraints = [
            models.UniqueConstraint(fields=["org", "certificate", "level", "province", "month"],
                                    name="certificatetraining_unique_key"),
            models.CheckConstraint(name="certificatetraining_someone_trained",
                                   condition=Q(students__gt=0) | Q(social_learners__gt=0)),
            models.CheckConstraint(name="certificatetraining_month_first_day", condition=Q(month__day=1)),
        ]
        verbose_name = _("证书培训")
        verbose_name_plural = _("证书培训")

    def __str__(self):
        return f"{self.certificate.name}（{self.get_level_display()}）{self.month:%Y-%m}"

    @property
    def total(self) -> int:
        return self.students + self.social_learners


class HubeiCommitment(models.Model):
    """What an org committed to the Hubei special action: teachers to train and candidates to
    assess in Hubei. The dashboards hold it against what the org recorded and assessed."""

    org = models.OneToOneField(Org, on_delete=models.PROTECT, related_name="hubei_commitment",
                               verbose_name=_("培训评价组织"))
    teachers_to_train = models.PositiveIntegerField(_("承诺培训教师人数"))
    candidates_to_assess = models.PositiveIntegerField(_("承诺考核人数"))
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"org": "org"}
    scope_writers = ("org",)

    class Meta:
        ordering = ["org__name"]
        verbose_name = _("湖北专项行动承诺")
        verbose_name_plural = _("湖北专项行动承诺")

    def __str__(self):
        return str(self.org)
