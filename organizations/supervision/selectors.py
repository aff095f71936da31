"""Reads of supervision records, and the one decision about what an org may still do once it has
left the pilot (delisted by the ministry, or withdrawn): ``org_standing``.

The rule (issue 16, *Delisting*): certificates issued before the delisting stay valid, and candidates
assessed before the delisting date still get their certificates (students' rights come first);
anything assessed, amended, imported or uploaded on or after that date is refused, naming the
delisting. Every entry point asks this one object: session scheduling, registration, score entry and finalization,
amendments and reissues, plans, the import of earlier certificates, seal uploads, and the issuance worker.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import AppError
from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction

Status = Org.Status
# Orgs in these states may start new work (plans, sessions, issuance of new results).
OPERATING_STATES = frozenset({Status.ACTIVE, Status.YELLOW_CARD})


def org_latest_action(org: Org) -> OrgAction | None:
    """The supervision action behind the org's current status, for the warning banner."""
    return org.actions.filter(status_after=org.status).order_by("-at", "-pk").first()


def official_date(day: datetime.date) -> str:
    """A date as Chinese officials write it (2026年12月7日; 2026-12-07 in English)."""
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


# What each kind of work is called in a refusal ("摘牌后…").
_REFUSED = {
    "schedule": lambda: _("不能开展新的考核，也不能安排新的考核批次"),
    "register": lambda: _("摘牌当日及以后举行的考核不再接受报名"),
    "assess": lambda: _("摘牌当日及以后举行的考核不能录入成绩、确认成绩或发证"),
    "amend": lambda: _("不能再更正成绩"),
    "import": lambda: _("不能导入发证日期在摘牌当日及以后的证书"),
    "upload_seal": lambda: _("不能再上传新的电子公章；摘牌前已发放的证书继续有效"),
    "issue": lambda: _("摘牌当日及以后的考核不能发证"),
    "plan": lambda: _("不能再提交考核计划"),
    "reissue": lambda: _("不能再换发证书；摘牌前已发放的证书继续有效"),
}


@dataclass(frozen=True)
class OrgStanding:
    """Whether an org is still in the pilot and, if not, since when. ``ended_at`` is when it was
    delisted or withdrew (None while it is in the pilot, or when the record has no time)."""

    org: Org
    ended_at: datetime.datetime | None

    @property
    def in_pilot(self) -> bool:
        return self.org.status in OPERATING_STATES

    @property
    def delisted(self) -> bool:
        return self.org.status == Status.DELISTED

    @property
    def ended_on(self) -> datetime.date | None:
        """The delisting (or withdrawal) date: work dated before it stands, work dated on or after it
        does not."""
        return timezone.localdate(self.ended_at) if self.ended_at else None

    def allows(self, on: datetime.date) -> bool:
        """Whether work dated ``on`` (an assessment's date, a certificate's issue date, the day of an
        amendment or an upload) may go ahead. An org out of the pilot whose end has no recorded
        time allows nothing new."""
        if self.in_pilot:
            return True
        return self.ended_on is not None and on < self.ended_on

    def allows_now(self) -> bool:
        return self.allows(timezone.localdate())

    def reason(self) -> str:
        """The org's end, named: "“某组织”已于2026年12月7日被教育部摘牌"."""
        return standing_reason(org_name=self.org.name, ended_on=self.ended_on, delisted=self.delisted)

    def refusal(self, work: str) -> str:
        return standing_refusal(org_name=self.org.name, ended_on=self.ended_on, delisted=self.delisted, work=work)

    def as_params(self) -> dict:
        """What a record keeps of the standing to word its refusal later, in its reader's language."""
        return {"org": self.org.name, "ended_on": f"{self.ended_on:%Y-%m-%d}" if self.ended_on else None}

    def check(self, work: str, *, on: datetime.date | None = None, field: str | None = None) -> None:
        """Refuse ``work`` dated ``on`` (today when not given) with the delisting named."""
        if not self.allows(on or timezone.localdate()):
            raise AppError(self.refusal(work), code="org_delisted" if self.delisted else "org_withdrawn", field=field)


def standing_reason(*, org_name: str, ended_on: datetime.date | None, delisted: bool) -> str:
    values = {"org": org_name, "date": official_date(ended_on) if ended_on else ""}
    if delisted:
        return (_("“%(org)s”已于%(date)s被教育部摘牌") if ended_on else _("“%(org)s”已被教育部摘牌")) % values
    return (_("“%(org)s”已于%(date)s主动退出试点") if ended_on else _("“%(org)s”已主动退出试点")) % values


def standing_refusal(*, org_name: str, ended_on: datetime.date | None, delisted: bool, work: str) -> str:
    """Why ``work`` is refused, in the active language: "“某组织”已于…被教育部摘牌，摘牌当日及以后的考核不能发证。"."""
    reason = standing_reason(org_name=org_name, ended_on=ended_on, delisted=delisted)
    return _("%(reason)s，%(refused)s。") % {"reason": reason, "refused": _REFUSED[work]()}


def _end_times(orgs: list[Org]) -> dict[int, datetime.datetime | None]:
    """When each org out of the pilot left it: its status change time, or the supervision action
    that put it in its status when the time is missing on the org."""
    ended = {o.pk: o.status_changed_at for o in orgs if o.status not in OPERATING_STATES}
    unknown = [o for o in orgs if o.pk in ended and ended[o.pk] is None]
    for org in unknown:
        action = org_latest_action(org)
        ended[org.pk] = action.at if action else None
    return ended


def org_standing(org: Org) -> OrgStanding:
    """The org's standing as recorded now (re-read, so a delisting a moment ago counts)."""
    current = Org.objects.get(pk=org.pk)
    return OrgStanding(current, _end_times([current]).get(current.pk))


def org_standings(org_ids) -> dict[int, OrgStanding]:
    """``org_standing`` for many orgs in one query (issuance works in chunks across orgs)."""
    orgs = list(Org.objects.filter(pk__in=list(org_ids)))
    ends = _end_times(orgs)
    return {o.pk: OrgStanding(o, ends.get(o.pk)) for o in orgs}
