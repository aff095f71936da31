from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Person
from certificates.catalog.models import Certificate
from organizations.institutions.models import Institution


class TrainerQualification(models.Model):
    """A teacher an institution sent to an org's trainer training (培训教师) for one certificate,
    and whether they qualified as a trainer (合格培训师). The institution records it; the org
    that owns the certificate confirms attendance and qualification."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="trainer_records",
                                    verbose_name=_("院校"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="trainer_records",
                               verbose_name=_("教师"))
    subject = models.CharField(_("任教学科/专业"), max_length=64)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="trainer_records",
                                    verbose_name=_("证书"))
    training_date = models.DateField(_("培训日期"))
    reported_qualified = models.BooleanField(_("院校填报：取得合格培训师资格"), default=False)
    attendance_confirmed = models.BooleanField(_("培训评价组织确认参训"), null=True, blank=True)
    qualified = models.BooleanField(_("培训评价组织确认合格培训师"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_paths = {"province": "institution__province", "institution": "institution", "org": "certificate__org"}
    scope_writers = ("institution",)

    class Meta:
        ordering = ["-training_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "person", "certificate"], name="trainer_unique"),
            models.CheckConstraint(name="trainer_qualified_needs_attendance",
                                   condition=Q(qualified__isnull=True) | Q(qualified=False)
                                   | Q(attendance_confirmed=True)),
        ]
        verbose_name = _("培训师资格")
        verbose_name_plural = _("培训师资格")

    def __str__(self):
        return f"{self.person.name} · {self.certificate.name}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
