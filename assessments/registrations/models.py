from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Person, Province
from assessments.sessions.models import AssessmentSession
from certificates.catalog.models import Certificate, Level
from organizations.institutions.models import Institution
from organizations.orgs.models import Org


class Registration(models.Model):
    """A candidate (a Person) registered for a session: by their institution's file, or — a social
    learner — by themself, in which case the registering account later holds the certificate."""

    class Channel(models.TextChoices):
        INSTITUTION = "institution", _("院校报名")
        SELF = "self", _("个人报名")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已报名")
        CANCELLED = "cancelled", _("已取消")

    session = models.ForeignKey(AssessmentSession, on_delete=models.PROTECT, related_name="registrations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="registrations")
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="registrations")
    channel = models.CharField(_("报名方式"), max_length=16, choices=Channel.choices)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="registrations", help_text=_("个人报名的账户，日后持证"))
    major_code = models.CharField(_("专业代码"), max_length=16, blank=True)
    major_name = models.CharField(_("专业"), max_length=64, blank=True)
    # The name as the registration gave it; when it differs from the person's name on file the
    # institution confirms it (never a second person).
    name_given = models.CharField(_("报名姓名"), max_length=64)
    name_mismatch = models.BooleanField(_("姓名与档案不一致"), default=False)
    name_confirmed_at = models.DateTimeField(null=True, blank=True)
    absent = models.BooleanField(_("缺考"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED)
    # Repeated from the session for aggregation without joins (checked through the session); the
    # composite indexes below lead with them, so they need no index of their own.
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                    db_index=False)
    level = models.CharField(max_length=16, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    session_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    scope_paths = {"org": "org", "province": "province", "institution": "institution", "person": "person"}

    class Meta:
        ordering = ["session", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="registration_once_per_session")]
        indexes = [models.Index(fields=["province", "session_date"]), models.Index(fields=["org", "session_date"]),
                   models.Index(fields=["certificate", "level", "session_date"]),
                   # The candidates fees are due for, by id with their session: the dashboard's full
                   # rebuild joins them to their results reading this index alone, not the table.
                   models.Index(fields=["id", "session"], condition=Q(status="registered", absent=False),
                                name="registration_due_idx")]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")

    def __str__(self):
        # As the registration's audit entries name it: the candidate, the certificate (its level in the
        # reader's words) and the date; the audit log names it so while it exists.
        return f"{self.name_given} · {self.certificate.name}（{self.get_level_display()}）{self.session_date:%Y-%m-%d}"

    @property
    def ticket_number(self) -> str:
        """The admission ticket number (准考证号): date, site code and registration number."""
        return f"{self.session.date:%Y%m%d}{self.session.site.code}{self.pk:08d}"
