from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from assessments.registrations.models import Registration
from certificates.catalog.models import Certificate, Level
from organizations.institutions.models import Institution
from organizations.orgs.models import Org


class Result(models.Model):
    """A candidate's score; pass or fail follows the level's pass mark. Editable until the session is
    finalized; afterwards only through an audited ResultAmendment."""

    registration = models.OneToOneField(Registration, on_delete=models.PROTECT, related_name="result")
    score = models.DecimalField(_("成绩"), max_digits=6, decimal_places=1)
    passed = models.BooleanField(_("合格"))
    recorded_at = models.DateTimeField(auto_now=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Repeated from the registration for aggregation without joins (checked through the
    # registration); org and province lead the composite indexes below.
    org = models.ForeignKey(Org, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False)
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="+", db_constraint=False)
    level = models.CharField(max_length=16, choices=Level.choices)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="+", db_constraint=False,
                                 db_index=False)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    db_constraint=False)
    session_date = models.DateField()

    scope_paths = {"org": "org", "province": "province", "institution": "institution",
                   "person": "registration__person"}

    class Meta:
        indexes = [models.Index(fields=["province", "session_date"]), models.Index(fields=["org", "session_date"])]
        constraints = [models.CheckConstraint(name="result_score_nonnegative", condition=Q(score__gte=0))]
        verbose_name = _("成绩")
        verbose_name_plural = _("成绩")

    def __str__(self):
        # As its audit entries name it: the candidate, the certificate (its level in the reader's words)
        # and the date; the audit log names it so while it exists.
        return (f"{self.registration.person.name} · {self.certificate.name}（{self.get_level_display()}）"
                f"{self.session_date:%Y-%m-%d}")


class ResultAmendment(models.Model):
    """A correction of a finalized result: audited, with its reason; may follow a score review."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="amendments")
    score_before = models.DecimalField(max_digits=6, decimal_places=1)
    score_after = models.DecimalField(max_digits=6, decimal_places=1)
    passed_before = models.BooleanField()
    passed_after = models.BooleanField()
    reason = models.TextField(_("更正原因"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"org": "result__org", "province": "result__province", "institution": "result__institution",
                   "person": "result__registration__person"}


class ScoreReview(models.Model):
    """A candidate's request for a score review (成绩复核), answered by the org."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待复核")
        MAINTAINED = "maintained", _("维持原成绩")
        AMENDED = "amended", _("成绩已更正")

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="reviews")
    reason = models.TextField(_("复核理由"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED)
    answer = models.TextField(_("复核结果说明"), blank=True)
    amendment = models.OneToOneField(ResultAmendment, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="review")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_paths = {"org": "registration__org", "province": "registration__province",
                   "institution": "registration__institution", "person": "registration__person"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration"], condition=Q(status="requested"),
                                               name="scorereview_one_open")]
