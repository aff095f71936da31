"""Reads of the fees app, scoped to the actor, and the one place that decides what an actor may do
with fees: on the pages (``fees_access``), with one negotiation thread (``thread_access``), with a
certificate's fee (``proposal_access``) and with one amount due (``due_access``). Views, API views,
templates and services read those flags; none compares roles itself."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, Max, Min, OuterRef, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Access, Permissions, decides_access
from accounts.models import Province, Role
from accounts.personal_data import Relation, relations_of
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import AssessmentSession, Result
from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel, Level
from core import normalize
from core.errors import AppError, Forbidden, NotInScope
from fees.models import CostCap, FeePayment, FeeStandard, FeeStandardLevel, FeeThread, FeeVersion, FixedItemPrice
from organizations.institutions.models import Institution
from organizations.orgs.models import Org

# Who reads the negotiation and who reads amounts due and payments (pages, API and navigation alike).
NEGOTIATION_ROLES = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ALLIANCE, Role.ORG)
PAYMENT_ROLES = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.ORG)
# The payers' side records payments: an institution (or its alliance) for its candidates, an org for
# the social learners who pay it directly.
_PAYMENT_RECORDERS = (Role.INSTITUTION, Role.ALLIANCE, Role.ORG)
# How the payments page adds up what is outstanding, for each reader.
_SUMMARY_BY = {Role.MINISTRY: "province_code", Role.PROVINCE: "institution_id", Role.PROVINCE_AGENCY: "institution_id",
               Role.ORG: "institution_id"}


# --- who may do what -----------------------------------------------------------------------------

def fees_access(actor: Actor) -> Permissions:
    """The fees pages. The ministry sets caps and compares provinces (filter, waiting per province,
    outstanding per org); the negotiating roles read the negotiation; an org proposes; the paying
    roles read dues and payments, and the payers' side records payments."""
    role = actor.role
    may = set()
    if role in NEGOTIATION_ROLES:
        may.add("read_negotiation")
    if role == Role.ORG:
        may.add("propose")
    if role == Role.PROVINCE:
        may.add("verify")  # the provincial department verifies its province's negotiations
    if role == Role.MINISTRY:
        may |= {"set_cap", "filter_by_province", "waiting_by_province", "summary_by_org"}
    if role in PAYMENT_ROLES:
        may.add("read_payments")
    if role in _PAYMENT_RECORDERS:
        may.add("record_payment")
    return Permissions(may)


def require_negotiation_reader(actor: Actor) -> None:
    if "read_negotiation" not in fees_access(actor):
        raise Forbidden()


def require_payment_reader(actor: Actor) -> None:
    if "read_payments" not in fees_access(actor):
        raise Forbidden()


def summary_by(actor: Actor) -> str | None:
    """What the payments page adds outstanding amounts up by for this reader: the ministry by
    province, a province and an org by payer (institution); an institution or alliance not at all."""
    return _SUMMARY_BY.get(actor.role)


def thread_access_of(actor: Actor, thread: FeeThread) -> Access[FeeThread]:
    """What ``actor`` may do with a negotiation it already holds. While it is open: the org whose
    certificate it is revises its proposal ("propose"); the province's pilot agency or an
    institution alliance of the province answers ("counter_propose"); the provincial department
    verifies a version ("verify"). Nobody acts on a verified thread."""
    relations = relations_of(actor, org_id=thread.org_id)
    may = set()
    if thread.status == FeeThread.Status.NEGOTIATING:
        in_province = actor.province_code is not None and actor.province_code == thread.province_id
        if Relation.ORG in relations:
            may.add("propose")
        if in_province and actor.role in (Role.PROVINCE_AGENCY, Role.ALLIANCE):
            may.add("counter_propose")
        if in_province and actor.role == Role.PROVINCE:
            may.add("verify")
    return Access(thread, relations, Permissions(may))


def thread_access(actor: Actor, pk: int) -> Access[FeeThread]:
    """One negotiation inside the actor's scope (404 outside it), with what the actor may do."""
    return thread_access_of(actor, thread_get(actor, pk))


def thread_for_action(actor: Actor, pk: int, action: str) -> FeeThread:
    """A negotiation the actor is about to act on, refused (403) before any input is read when
    their role may not take ``action`` on it while it is open; a verified thread is refused by the
    service, with its own message."""
    access = thread_access(actor, pk)
    if access.obj.status == FeeThread.Status.NEGOTIATING:
        access.require(action)
    return access.obj


def proposal_access(actor: Actor, certificate: Certificate) -> Access[Certificate]:
    """Whether the actor may propose fees for ``certificate``: only the org that owns it."""
    relations = relations_of(actor, org_id=certificate.org_id)
    return Access(certificate, relations, Permissions({"propose"} if Relation.ORG in relations else ()))


def payment_permissions(actor: Actor, *, institution_id: int | None, person_id: int | None,
                        org_id: int | None) -> Permissions:
    """Whether the actor may record a payment by this payer: an institution's payment by that
    institution (or its alliance), a social learner's by the org that assessed them."""
    relations = relations_of(actor, person_id=person_id, institution_id=institution_id, org_id=org_id)
    if "record_payment" not in fees_access(actor):
        return Permissions()
    if institution_id is not None:
        allowed = bool(relations & {Relation.INSTITUTION, Relation.ALLIANCE})
    else:
        allowed = person_id is not None and Relation.ORG in relations
    return Permissions({"record_payment"} if allowed else ())


# --- negotiation ---------------------------------------------------------------------------------

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


def thread_version(thread: FeeThread, pk) -> FeeVersion | None:
    """One version of ``thread`` by id, or None for a version of another thread (or none at all)."""
    return thread.versions.filter(pk=pk).first()


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


def threads_awaiting_verification(actor: Actor) -> list[FeeThread]:
    """The open negotiations this actor may verify, oldest first: none for a role that verifies
    nothing, otherwise each thread's own decision (``thread_access_of``) says."""
    if "verify" not in fees_access(actor):
        return []
    return [thread for thread in threads_waiting(actor) if thread_access_of(actor, thread).may.verify]


def waiting_by_province(actor: Actor) -> list[dict]:
    """Per province: how many proposals wait for verification and the longest wait in days — the
    ministry's view of provinces slow to verify."""
    today = timezone.localdate()
    rows = (_threads_in_scope(actor, FeeThread.objects.filter(status=FeeThread.Status.NEGOTIATING))
            .values("province_id", "province__name").annotate(waiting=Count("*"), oldest=Min("opened_at"))
            .order_by("oldest"))
    return [{"province": r["province_id"], "province_name": r["province__name"], "waiting": r["waiting"],
             "longest_days": (today - timezone.localdate(r["oldest"])).days} for r in rows]


def _matching(qs, *, province: str, certificate: str):
    """Standards (or their level rows) of a province code and a certificate named by code or by part
    of its name, as typed (４２, ｘ１０００１ and 42, X10001 alike: ``core.normalize``)."""
    if province:
        qs = qs.filter(province_id=normalize.code(province))
    if certificate:
        qs = qs.filter(Q(certificate__name__icontains=normalize.text(certificate))
                       | Q(certificate__code=normalize.code(certificate)))
    return qs


def standards_public(*, province: str = "", certificate: str = "", current_only: bool = True,
                     today: datetime.date | None = None) -> QuerySet[FeeStandard]:
    """Verified standards are published: institutions, orgs and the public read them. ``current_only``:
    those that apply today to some level or will apply from a later date (``today`` is the local date)."""
    qs = FeeStandard.objects.select_related("certificate", "province", "org")
    if current_only:
        today = today or timezone.localdate()
        qs = qs.filter(pk__in=FeeStandardLevel.objects.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=today)).values("standard_id"))
    qs = _matching(qs, province=province, certificate=certificate)
    return qs


@dataclass
class ScheduleRow:
    """One line of the public list: a standard, the levels it applies to over one period, and
    whether that period is today's (``in_force``), a later one (``upcoming``) or past (``ended``)."""

    standard: FeeStandard
    levels: list[str]
    effective_from: datetime.date
    effective_until: datetime.date | None
    state: str

    @property
    def level_labels(self) -> str:
        return "、".join(str(Level(level).label) for level in self.levels)


_LEVEL_ORDER = {level: i for i, level in enumerate(Level.values)}


def standards_schedule(*, province: str = "", certificate: str = "", history: bool = False,
                       today: datetime.date | None = None) -> list[ScheduleRow]:
    """What applies today to each certificate level in each province and what will apply from which
    later date (with ``history``, what applied before too), one row per standard and period."""
    today = today or timezone.localdate()
    rows = FeeStandardLevel.objects.select_related("standard__certificate", "standard__province", "standard__org")
    if not history:
        rows = rows.filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
    rows = _matching(rows, province=province, certificate=certificate)
    grouped: dict[tuple, ScheduleRow] = {}
    for row in rows:
        key = (row.standard_id, row.effective_from, row.effective_until)
        if key not in grouped:
            state = ("upcoming" if row.effective_from > today else "ended"
                     if row.effective_until is not None and row.effective_until < today else "in_force")
            grouped[key] = ScheduleRow(standard=row.standard, levels=[], effective_from=row.effective_from,
                                       effective_until=row.effective_until, state=state)
        grouped[key].levels.append(row.level)
    for line in grouped.values():
        line.levels.sort(key=_LEVEL_ORDER.get)
    return sorted(grouped.values(), key=lambda r: (r.standard.province_id, r.standard.certificate.name,
                                                   r.standard.certificate_id, _LEVEL_ORDER[r.levels[0]],
                                                   r.effective_from))


def standard_levels_covered(*, certificate: Certificate, level: str) -> list[str]:
    """The levels a standard verified for ``level`` applies to: that one, or for a standard verified
    for all levels (empty level) every level of the certificate."""
    if level:
        return [level]
    levels = set(CertificateLevel.objects.filter(certificate=certificate).values_list("level", flat=True))
    return sorted(levels, key=_LEVEL_ORDER.get)


def standard_levels_in_force_from(*, certificate_id: int, province_code: str, levels: list[str],
                                  on: datetime.date, lock: bool = False) -> list[FeeStandardLevel]:
    """The rows of these levels that apply on ``on`` or later (locked for update with ``lock``)."""
    rows = FeeStandardLevel.objects.filter(certificate_id=certificate_id, province_id=province_code, level__in=levels)
    rows = rows.filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on)).select_related(
        "standard__certificate", "standard__province")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return list(rows.order_by("effective_from", "pk"))


def standard_describe(standard: FeeStandard) -> str:
    """How a message names a standard: "湖北省 Web前端开发 初级 300.00 元/人次（自 2027-01-01 起，核定标准第 12 号）"."""
    return _("%(p)s %(c)s %(l)s %(a)s 元/人次（自 %(d)s 起，核定标准第 %(n)s 号）") % {
        "p": standard.province.name, "c": standard.certificate.name,
        "l": standard.get_level_display() or _("各等级统一"), "a": standard.amount, "d": standard.effective_from,
        "n": standard.pk}


def standards_superseded_by(standard: FeeStandard) -> list[FeeStandard]:
    """The standards ``standard`` ended (for some or all of their levels) when it was verified."""
    return list(FeeStandard.objects.filter(levels__superseded_by=standard).select_related("certificate", "province")
                .distinct().order_by("pk"))


def caps_all() -> QuerySet[CostCap]:
    return CostCap.objects.all()


def cap_in_force(*, assessment_type: str, on: datetime.date) -> CostCap:
    cap = (CostCap.objects.filter(assessment_type=assessment_type, effective_from__lte=on)
           .order_by("-effective_from").first())
    if cap is None:
        raise AppError(_("%(d)s 时“%(t)s”尚无考核成本上限。") % {"d": on, "t": AssessmentType(assessment_type).label})
    return cap


def assessment_type_for(*, certificate: Certificate, level: str) -> str:
    """The assessment type a fee for this certificate (level) is capped by. With no level, every
    level must be assessed the same way (one standard for the whole certificate)."""
    levels = list(CertificateLevel.objects.filter(certificate=certificate))
    if not levels:
        raise AppError(_("证书“%(c)s”尚未设置等级。") % {"c": certificate.name})
    if level:
        match = next((lv for lv in levels if lv.level == level), None)
        if match is None:
            raise AppError(_("证书“%(c)s”没有“%(l)s”等级。") % {"c": certificate.name, "l": Level(level).label},
                           field="level")
        return match.assessment_type
    kinds = {lv.assessment_type for lv in levels}
    if len(kinds) > 1:
        raise AppError(_("证书“%(c)s”各等级考核方式不同，请按等级分别提出费用标准。") % {"c": certificate.name},
                       field="level")
    return kinds.pop()


def fixed_prices(province: Province, on: datetime.date) -> dict[str, FixedItemPrice]:
    """Item -> the rule-fixed price in force: a province's own rule wins over a national one."""
    prices: dict[str, FixedItemPrice] = {}
    rows = (FixedItemPrice.objects.filter(Q(province=province) | Q(province__isnull=True), effective_from__lte=on)
            .order_by("province_id", "effective_from"))  # national first, then newer and provincial override
    for row in rows:
        prices[row.item] = row
    return prices


def standard_in_force(*, certificate_id: int, level: str, province_code: str, on: datetime.date) -> FeeStandard | None:
    """THE verified standard of a certificate level in a province on a date (whether verified for
    that level or for all levels: at most one applies), or None."""
    row = (FeeStandardLevel.objects.filter(certificate_id=certificate_id, province_id=province_code, level=level,
                                           effective_from__lte=on)
           .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=on)).select_related("standard").first())
    return row.standard if row else None


def standards_in_force(*, certificate_ids, province_codes):
    """``standard_in_force`` for many lookups with one query: every standard of these certificates
    and provinces is read once; returns ``lookup(certificate_id, level, province_code, on)``."""
    by_key: dict[tuple, list[FeeStandardLevel]] = {}
    for row in FeeStandardLevel.objects.filter(certificate_id__in=set(certificate_ids),
                                               province_id__in=set(province_codes)).select_related("standard"):
        by_key.setdefault((row.certificate_id, row.province_id, row.level), []).append(row)

    def lookup(certificate_id: int, level: str, province_code: str, on: datetime.date) -> FeeStandard | None:
        row = next((r for r in by_key.get((certificate_id, province_code, level), ()) if r.applies_on(on)), None)
        return row.standard if row else None

    return lookup


def provinces() -> QuerySet[Province]:
    return Province.objects.all()


def province_by_code(code: str) -> Province | None:
    return Province.objects.filter(code=normalize.code(code)).first()


def certificate_by_code(code: str) -> Certificate | None:
    return Certificate.objects.filter(code=normalize.code(code)).first()


def proposable_certificates(actor: Actor) -> QuerySet[Certificate]:
    """The published certificates an org may propose fees for: its own (none for other roles)."""
    if "propose" not in fees_access(actor):
        return Certificate.objects.none()
    return Certificate.objects.filter(org_id=actor.scope.org_id, status=Certificate.Status.PUBLISHED)


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
    def due_on(self) -> datetime.date:
        """The day the amount became due: the assessment date, when the candidates were assessed
        under the standard in force that day (finalizing the results later does not move it)."""
        return self.session_date

    @property
    def age_days(self) -> int:
        return max(0, (timezone.localdate() - self.due_on).days)

    @property
    def age_bucket(self) -> str:
        for limit, label in AGE_BUCKETS:
            if limit is None or self.age_days <= limit:
                return label
        return AGE_BUCKETS[-1][1]


def due_access(actor: Actor, due: Due) -> Access[Due]:
    """What ``actor`` may do with one amount due: record a payment against it, where the actor
    records this payer's payments and something is outstanding under a verified standard."""
    may = payment_permissions(actor, institution_id=due.institution_id, person_id=due.person_id, org_id=due.org_id)
    if due.standard is None or not due.outstanding or due.outstanding <= 0:
        may = Permissions()
    return Access(due, relations_of(actor, person_id=due.person_id, institution_id=due.institution_id,
                                    org_id=due.org_id), may)


def due_rows(actor: Actor, rows: Iterable[Due]) -> list[Access[Due]]:
    """``due_access`` for each row of the payments page: no query of its own."""
    return [due_access(actor, due) for due in rows]


def _assessed_in_finalized(actor: Actor) -> QuerySet[Result]:
    """The results that fees are due for: present, registered candidates of finalized sessions."""
    return scoped(Result.objects.filter(registration__session__status=AssessmentSession.Status.FINALIZED,
                                        registration__absent=False, registration__status="registered"), actor)


def dues(actor: Actor, *, session_id: int | None = None, institution_id: int | None = None) -> list[Due]:
    """Every amount due in the actor's scope, from the finalized sessions' assessed candidates (present,
    with a result) and the standard in force on each session date, with what has been paid."""
    results = _assessed_in_finalized(actor)
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


# Up to this many sessions ``session_dues`` reads them (and their payments) by id.
_SESSIONS_LISTED = 1_000


def session_dues(actor: Actor, *, within: Q | None = None) -> list[Due]:
    """The amounts due of ``dues(actor)`` added up per session rather than per payer (one ``Due``
    per session, its payers together: no institution or person), grouped in the database; of the
    results ``within`` only when given (e.g. some certificate levels). ``outstanding_summary`` of
    these equals that of ``dues``: a session has one certificate level, province and date (so one
    standard) and one age, and what its payers owe less what they paid is what the session is owed
    less what was paid against it."""
    # The present, registered candidates with a result are grouped by session first and the sessions
    # not finalized dropped afterwards (there are few): testing each of millions of results' session
    # in the statement cost a third of it at national scale. The registrations are read from their
    # index of candidates fees are due for (``registration_due_idx``), not from the table.
    assessed = scoped(Result.objects.filter(registration__absent=False, registration__status="registered"), actor)
    if within is not None:
        assessed = assessed.filter(within)
    groups = list(assessed.values_list("registration__session_id", "session_date", "certificate_id", "level",
                                       "province_id", "org_id").annotate(candidates=Count("*")).order_by())
    session_ids = {group[0] for group in groups}
    # Of many sessions (a full rebuild: tens of thousands), every finalized one is read rather than
    # those ids: a list that long cost more to send than the rows it saved.
    many = len(session_ids) > _SESSIONS_LISTED
    sessions = AssessmentSession.objects.filter(status=AssessmentSession.Status.FINALIZED)
    finalized = dict((sessions if many else sessions.filter(pk__in=session_ids))
                     .annotate(on=TruncDate("finalized_at")).values_list("pk", "on"))
    groups = [group for group in groups if group[0] in finalized]
    # What was paid against an amount due: a payment by a payer the session has assessed candidates of.
    payer_assessed = _assessed_in_finalized(actor).filter(registration__session_id=OuterRef("session_id"))
    payments = FeePayment.objects.filter(
        Q(session__status=AssessmentSession.Status.FINALIZED) if many else Q(session_id__in=set(finalized))).filter(
        Q(Exists(payer_assessed.filter(institution_id=OuterRef("institution_id"))), institution_id__isnull=False)
        | Q(Exists(payer_assessed.filter(institution_id__isnull=True, registration__person_id=OuterRef("person_id"))),
            institution_id__isnull=True))
    paid = dict(payments.values("session_id").annotate(total=Sum("amount")).values_list("session_id", "total").order_by())
    standard_in_force = standards_in_force(certificate_ids={group[2] for group in groups},
                                           province_codes={group[4] for group in groups})
    nothing = Decimal("0.00")
    return [Due(session_id=session_id, session_date=day, finalized_on=finalized[session_id],
                certificate_id=certificate_id, certificate_name="", level=level, province_code=province,
                org_id=org_id, institution_id=None, person_id=None, candidates=candidates,
                paid=paid.get(session_id, nothing),
                standard=standard_in_force(certificate_id, level, province, day))
            for session_id, day, certificate_id, level, province, org_id, candidates in groups]


def due_names(rows: list[Due]) -> dict:
    """Display names of the provinces, orgs and institutions in ``rows``, keyed (kind, key)."""
    names = {("province_code", p.code): p.name for p in Province.objects.all()}
    names.update({("org_id", pk): name for pk, name in
                  Org.objects.filter(pk__in={d.org_id for d in rows}).values_list("pk", "name")})
    names.update({("institution_id", pk): name for pk, name in
                  Institution.objects.filter(pk__in={d.institution_id for d in rows}).values_list("pk", "name")})
    return names


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(FeeThread)(lambda actor, obj: thread_access(actor, obj.pk))
