"""The dashboard's rollups. A full refresh replaces each table as a whole; a refresh of the changes
replaces the rows of the keys marked in ``RollupChange`` (``pilot/dashboard/rollups.py``); nothing
else writes them. Keys point at lower layers without database constraints, so the refresh (delete,
then insert) never waits on or blocks the tables it summarizes."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from certificates.catalog.models import Certificate, Level
from core.jobs.models import BackgroundJob, job_phase_field, job_status_field
from organizations.institutions.models import Institution
from organizations.orgs.models import Org


def _key(model, **extra):
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", **extra)


class PilotMeasures(models.Model):
    """Every measure of the pilot's stages for one province x org x certificate level x year."""

    year = models.PositiveSmallIntegerField()
    province = _key(Province)
    org = _key(Org)
    certificate = _key(Certificate)
    level = models.CharField(max_length=16, choices=Level.choices)
    declared = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)
    # Planned candidates assessed: min(assessed, planned) per month x province x org x certificate
    # level, summed; the plan completion rate is plan_met / planned (never above 100 %).
    plan_met = models.PositiveIntegerField(default=0)
    teachers = models.PositiveIntegerField(default=0)
    teachers_hubei = models.PositiveIntegerField(default=0)
    trained_students = models.PositiveIntegerField(default=0)
    trained_social = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    revoked = models.PositiveIntegerField(default=0)
    not_finalized = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    blocked = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    scope_paths = {"province": "province", "org": "org"}

    class Meta:
        abstract = True


class PilotFact(PilotMeasures):
    """The measures per month (the trends). ``month`` is null for facts without one (the declared
    scale of the year's filings)."""

    month = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["year", "province"]), models.Index(fields=["org", "year"])]


class PilotYearFact(PilotMeasures):
    """The same measures added up over the year: the breakdowns read these, a seventh of the rows."""

    class Meta:
        indexes = [models.Index(fields=["year", "province"]), models.Index(fields=["org", "year"])]


class InstitutionFact(models.Model):
    """One institution x certificate level x year: the province's drill-down to its institutions."""

    year = models.PositiveSmallIntegerField()
    province = _key(Province)
    institution = _key(Institution)
    org = _key(Org)
    certificate = _key(Certificate)
    level = models.CharField(max_length=16, choices=Level.choices)
    declared = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    assessed = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    not_issued = models.PositiveIntegerField(default=0)

    scope_paths = {"province": "province", "org": "org", "institution": "institution"}

    class Meta:
        indexes = [models.Index(fields=["province", "year"]), models.Index(fields=["institution", "year"])]


class WaitingFact(models.Model):
    """Passed but not issued, by cause and by how long since the assessment, as of the refresh."""

    class Cause(models.TextChoices):
        NOT_FINALIZED = "not_finalized", _("考核批次成绩未确认")
        WAITING = "waiting", _("等待发证")
        BLOCKED = "blocked", _("暂缓（未上传电子印章等）")
        FAILED = "failed", _("发证失败")

    class Age(models.TextChoices):
        WEEK = "0-7", _("7天以内")
        MONTH = "8-30", _("8–30天")
        QUARTER = "31-90", _("31–90天")
        OLDER = "90+", _("90天以上")

    year = models.PositiveSmallIntegerField()
    province = _key(Province)
    org = _key(Org)
    certificate = _key(Certificate)
    level = models.CharField(max_length=16, choices=Level.choices)
    cause = models.CharField(max_length=16, choices=Cause.choices)
    age = models.CharField(max_length=8, choices=Age.choices)
    count = models.PositiveIntegerField()
    oldest = models.DateField()

    scope_paths = {"province": "province", "org": "org"}


class FeeFact(models.Model):
    """What one finalized session's payers owe (``due``: null where no verified standard was in force
    on its date) and have paid; the fees panel adds these up per province, aged from ``age_from``
    (the day its results were finalized) as of the refresh."""

    session_id = models.BigIntegerField()
    province = _key(Province)
    org = _key(Org)
    certificate = _key(Certificate)
    level = models.CharField(max_length=16, choices=Level.choices)
    candidates = models.PositiveIntegerField()
    due = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    paid = models.DecimalField(max_digits=14, decimal_places=2)
    age_from = models.DateField()

    scope_paths = {"province": "province", "org": "org"}


class RollupChange(models.Model):
    """A key (province x org x certificate level) whose source rows changed since a refresh last read
    it. Written only by database triggers on the tables the rollups sum up (migration
    ``0006_rollup_changes``), so every write is seen: services, imports by COPY, bulk updates,
    deletions (a payment marks its session's key, a fee standard those of its levels). A refresh
    consumes the marks in the transaction that replaces the keys' rows. No unique key: a writer never
    waits on a refresh that is consuming marks."""

    province = _key(Province)
    org = _key(Org)
    certificate = _key(Certificate)
    level = models.CharField(max_length=16)


class RollupRefresh(BackgroundJob):
    """One refresh of the rollups, a background job: when the dashboard's figures were computed,
    and how long it took."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("更新中")
        DONE = "done", _("已更新")
        FAILED = "failed", _("更新失败")

    class Phase(models.TextChoices):
        WAITING = "waiting", _("等待处理")
        PILOT = "pilot", _("汇总试点各环节")
        INSTITUTIONS = "institutions", _("汇总各院校")
        WAITING_ISSUANCE = "waiting_issuance", _("汇总待发证")
        FEES = "fees", _("汇总收费")
        SAVING = "saving", _("保存统计数据")
        DONE = "done", _("完成")

    class Kind(models.TextChoices):
        FULL = "full", _("全部重算")
        CHANGES = "changes", _("增量更新")

    status = job_status_field(Status)
    phase = job_phase_field(Phase)
    # A full rebuild (the ministry's button, nightly) or the keys changed since the last refresh.
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.FULL)
    trigger = models.CharField(max_length=16, default="schedule")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    as_of = models.DateField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    # Fees per province (amounts due, paid, outstanding aged), computed with the rollups.
    fees = models.JSONField(default=dict, blank=True)

    task_name = "pilot.dashboard_refresh"
    stale_after = datetime.timedelta(minutes=30)
    # The schedule asks for a new refresh every 15 minutes: one whose worker died is failed, not repeated.
    max_attempts = 1
    phase_percent = {"pilot": 5, "institutions": 45, "waiting_issuance": 65, "fees": 75, "saving": 85}

    class Meta:
        ordering = ["-requested_at", "-pk"]
        get_latest_by = "requested_at"

    def progress_extra(self) -> dict:
        return {"message": self.message}
