"""Reads of the fees app, scoped to the actor."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Max, Min, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts.models import Province, Role
from accounts.scoping import Actor, get_in_scope, scoped
from core.errors import Forbidden, NotInScope
from fees.models import CostCap, FeePayment, FeeStandard, FeeThread

# Who reads the negotiation and who reads amounts due and payments (pages and API alike).
NEGOTIATION_ROLES = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ALLIANCE, Role.ORG)
PAYMENT_ROLES = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.ORG)


def require_negotiation_reader(actor: Actor) -> None:
    if actor.role not in NEGOTIATION_ROLES:
        raise Forbidden()


def require_payment_reader(actor: Actor) -> None:
    if actor.role not in PAYMENT_ROLES:
        raise Forbidden()


def threads_visible(actor: Actor) -> QuerySet[FeeThread]:
    """The ministry all; a province (department or agency) its own; an org its own; an institution
    alliance, which negotiates for the province's institutions, the threads of its province."""
    return _threads_in_scope(actor, FeeThread.objects.select_related("certificate", "province", "org").annotate(
        version_count=Count("versions"), last_version_at=Max("versions__created_at")))


def _threads_in_scope(actor: Actor, base: QuerySet[FeeThread]) -> QuerySet[FeeThread]:
    if actor.role == Role.ALLIANCE:
        return base.filter(province_id=actor.province_code)
    return scoped(base, actor)


def thread_get(actor: Actor, pk: int) -> FeeThread:
    thread = threads_visible(actor).filter(pk=pk).first()
    if thread is None:
        raise NotInScope()
    return thread


def thread_versions(thread: FeeThread) -> list:
    """Versions with their items keyed by cost item, and which items differ from the version before."""
    versions = list(thread.versions.select_related("author").prefetch_related("items"))
    previous = {}
    for version in versions:
        version.item_map = {i.item: i for i in version.items.all()}
        version.changed = {key for key in set(previous) | set(version.item_map)
                           if (previous.get(key).amount if key in previous else None)
                           != (version.item_map.get(key).amount if key in version.item_map else None)}
        previous = version.item_map
    return versions


def threads_waiting(actor: Actor) -> QuerySet[FeeThread]:
    """Proposals waiting for verification, oldest first (each knows its ``waiting_days``)."""
    return threads_visible(actor).filter(status=FeeThread.Status.NEGOTIATING).order_by("opened_at")


def waiting_by_province(actor: Actor) -> list[dict]:
    """Per province: how many proposals wait for verification and the longest wait in days — the
    ministry's view of provinces slow to verify."""
    today = timezone.localdate()
    rows = (_threads_in_scope(actor, FeeThread.objects.filter(status=FeeThread.Status.NEGOTIATING))
            .values("province_id", "province__name").annotate(waiting=Count("*"), oldest=Min("opened_at"))
            .order_by("oldest"))
    return [{"province": r["province_id"], "province_name": r["province__name"], "waiting": r["waiting"],
             "longest_days": (today - timezone.localdate(r["oldest"])).days} for r in rows]


def standards_public(*, province: str = "", certificate: str = "", current_only: bool = True) -> QuerySet[FeeStandard]:
    """Verified standards are published: institutions, orgs and the public read them."""
    qs = FeeStandard.objects.select_related("certificate", "province", "org")
    if current_only:
        qs = qs.filter(effective_until__isnull=True)
    if province:
        qs = qs.filter(province_id=province)
    if certificate:
        qs = qs.filter(certificate__name__icontains=certificate) | qs.filter(certificate__code=certificate)
    return qs


def caps_all() -> QuerySet[CostCap]:
    return CostCap.objects.all()


def payments_visible(actor: Actor) -> QuerySet[FeePayment]:
    """Payments in the actor's scope: an institution (or alliance) its own, an org those of its
    sessions, a province its province, the ministry all."""
    require_payment_reader(actor)
    return scoped(FeePayment.objects.select_related("session", "institution", "org", "province"), actor)


def standard_get(actor: Actor, pk: int) -> FeeStandard:
    return get_in_scope(FeeStandard, actor, pk=pk)


# --- amounts due and payments ---------------------------------------------------------------

AGE_BUCKETS = ((30, "0-30"), (60, "31-60"), (90, "61-90"), (None, "90+"))


@dataclass
class Due:
    """What one payer owes for one finalized session: an institution for its assessed candidates, or
    a social learner for themself. ``amount_due`` is None where no verified standard was in force on
    the session date: that is shown and counted apart, never guessed."""

    session_id: int
    session_date: datetime.date
    finalized_on: datetime.date | None
    certificate_id: int
    certificate_name: str
    level: str
    province_code: str
    org_id: int
    institution_id: int | None
    person_id: int | None
    candidates: int
    standard: FeeStandard | None
    paid: Decimal = Decimal("0.00")

    @property
    def amount_due(self) -> Decimal | None:
        return None if self.standard is None else self.standard.amount * self.candidates

    @property
    def outstanding(self) -> Decimal | None:
        return None if self.amount_due is None else self.amount_due - self.paid

    @property
    def age_days(self) -> int:
        return (timezone.localdate() - (self.finalized_on or self.session_date)).days

    @property
    def age_bucket(self) -> str:
        for limit, label in AGE_BUCKETS:
            if limit is None or self.age_days <= limit:
                return label
        return AGE_BUCKETS[-1][1]


def dues(actor: Actor, *, session_id: int | None = None, institution_id: int | None = None) -> list[Due]:
    """Every amount due in the actor's scope, from the finalized sessions' assessed candidates (present,
    with a result) and the standard in force on each session date, with what has been paid."""
    from assessments.models import AssessmentSession, Result
    from fees.services import standards_in_force

    results = scoped(Result.objects.filter(registration__session__status=AssessmentSession.Status.FINALIZED,
                                           registration__absent=False, registration__status="registered"), actor)
    if session_id is not None:
        results = results.filter(registration__session_id=session_id)
    if institution_id is not None:
        results = results.filter(institution_id=institution_id)
    groups = (results.values("registration__session_id", "session_date", "registration__session__finalized_at",
                             "certificate_id", "certificate__name", "level", "province_id", "org_id",
                             "institution_id")
              .annotate(candidates=Count("*"),
                        person_id=Case(When(institution_id__isnull=True, then=F("registration__person_id")),
                                       default=Value(None), output_field=IntegerField()))
              .order_by())
    groups = list(groups)
    standard_in_force = standards_in_force(certificate_ids={g["certificate_id"] for g in groups},
                                           province_codes={g["province_id"] for g in groups})
    standards: dict[tuple, FeeStandard | None] = {}
    rows: dict[tuple, Due] = {}
    for g in groups:
        key_std = (g["certificate_id"], g["level"], g["province_id"], g["session_date"])
        if key_std not in standards:
            standards[key_std] = standard_in_force(g["certificate_id"], g["level"], g["province_id"], g["session_date"])
        key = (g["registration__session_id"], g["institution_id"], g["person_id"])
        if key in rows:  # a social learner group split by the Case annotation: add up
            rows[key].candidates += g["candidates"]
            continue
        finalized = g["registration__session__finalized_at"]
        rows[key] = Due(session_id=key[0], session_date=g["session_date"],
                        finalized_on=timezone.localdate(finalized) if finalized else None,
                        certificate_id=g["certificate_id"], certificate_name=g["certificate__name"], level=g["level"],
                        province_code=g["province_id"], org_id=g["org_id"], institution_id=key[1], person_id=key[2],
                        candidates=g["candidates"], standard=standards[key_std])
    if rows:
        paid = (FeePayment.objects.filter(session_id__in={k[0] for k in rows})
                .values("session_id", "institution_id", "person_id").annotate(total=Sum("amount")).order_by())
        for p in paid:
            due = rows.get((p["session_id"], p["institution_id"], p["person_id"]))
            if due is not None:
                due.paid = p["total"]
    return sorted(rows.values(), key=lambda d: (d.session_date, d.session_id, d.institution_id or 0))


def outstanding_summary(rows: list[Due], *, by: str) -> list[dict]:
    """Dues added up per ``by`` ("province_code", "org_id" or "institution_id"): due, paid,
    outstanding, aged by 30/60/90 days, and the candidates with no verified standard, apart."""
    summary: dict = {}
    for due in rows:
        key = getattr(due, by)
        entry = summary.setdefault(key, {"key": key, "due": Decimal("0.00"), "paid": Decimal("0.00"),
                                         "outstanding": Decimal("0.00"), "no_standard_candidates": 0,
                                         "sessions": set(), **{label: Decimal("0.00") for _l, label in AGE_BUCKETS}})
        entry["sessions"].add(due.session_id)
        entry["paid"] += due.paid
        if due.amount_due is None:
            entry["no_standard_candidates"] += due.candidates
            continue
        entry["due"] += due.amount_due
        entry["outstanding"] += due.outstanding
        entry[due.age_bucket] += due.outstanding
    for entry in summary.values():
        entry["sessions"] = len(entry["sessions"])
    return sorted(summary.values(), key=lambda e: e["outstanding"], reverse=True)


def due_names(rows: list[Due]) -> dict:
    """Display names of the provinces, orgs and institutions in ``rows``, keyed (kind, key)."""
    from organizations.institutions.models import Institution
    from organizations.orgs.models import Org

    names = {("province_code", p.code): p.name for p in Province.objects.all()}
    names.update({("org_id", pk): name for pk, name in
                  Org.objects.filter(pk__in={d.org_id for d in rows}).values_list("pk", "name")})
    names.update({("institution_id", pk): name for pk, name in
                  Institution.objects.filter(pk__in={d.institution_id for d in rows}).values_list("pk", "name")})
    return names
