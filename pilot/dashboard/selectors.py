"""Reads of the dashboard, always within the actor's scope: the figures from the rollups, broken
down by month, province, org, certificate and institution, and the Hubei, fees and supervision
panels. The lists of rows behind each figure are in ``lists``."""

from dataclasses import dataclass, field, replace

from django.db.models import Count, Min, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Access, Permissions
from accounts.models import Province, Role, RoleBinding, User
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import HubeiCommitment
from certificates.batches.models import SelectionBatch
from certificates.catalog.models import Certificate, Level
from certificates.issuance.models import IssuedCertificate
from core.errors import NotInScope
from core.jobs.selectors import jobs_alive
from fees.selectors import AGE_BUCKETS, waiting_by_province
from organizations.complaints.models import Complaint
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from pilot.dashboard.measures import HUBEI, INSTITUTION_MEASURES, PILOT_MEASURES
from pilot.dashboard.models import InstitutionFact, PilotFact, PilotYearFact, RollupRefresh, WaitingFact
from pilot.selectors import pilot_access

PAGE_SIZE = 50

# Measures of the pilot's stages, in the order of the pipeline, with the words officials use.
MEASURE_LABELS = {
    "declared": gettext_lazy("院校申报人数"),
    "planned": gettext_lazy("计划考核人数"),
    "teachers": gettext_lazy("培训教师（人次）"),
    "teachers_hubei": gettext_lazy("湖北专项培训教师（人次）"),
    "trained_students": gettext_lazy("证书培训学生（人次）"),
    "trained_social": gettext_lazy("证书培训社会学习者（人次）"),
    "sessions": gettext_lazy("考核批次数"),
    "registered": gettext_lazy("报名人数"),
    "assessed": gettext_lazy("实考人数"),
    "passed": gettext_lazy("合格人数"),
    "issued": gettext_lazy("已发证书"),
    "revoked": gettext_lazy("已撤销证书"),
    "not_issued": gettext_lazy("合格未发证"),
    "not_finalized": gettext_lazy("成绩未确认"),
    "waiting": gettext_lazy("等待发证"),
    "blocked": gettext_lazy("暂缓发证"),
    "failed": gettext_lazy("发证失败"),
}
NOT_ISSUED_CAUSES = ("not_finalized", "waiting", "blocked", "failed")
# What a province tile or a table can be coloured or sorted by (rates are per cent).
MAP_MEASURES = ("registered", "assessed", "passed", "issued", "not_issued", "pass_rate", "issue_rate", "declared",
                "teachers")
RATE_LABELS = {"pass_rate": gettext_lazy("合格率"), "issue_rate": gettext_lazy("发证率（已发证 / 合格）"),
               "plan_rate": gettext_lazy("计划完成率（按计划实考 / 计划）")}


@dataclass(frozen=True)
class Filters:
    """What the official narrowed the dashboard to. ``problems`` lists values that made no sense:
    the page shows them and an empty result, never an error page."""

    year: int | None = None
    batch: int | None = None
    certificate: int | None = None
    province: str | None = None
    org: int | None = None
    level: str | None = None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def impossible(self) -> bool:
        return bool(self.problems)

    def query(self, **changes) -> dict:
        """The filters as query parameters (for links that keep them)."""
        values = {"year": self.year, "batch": self.batch, "certificate": self.certificate, "level": self.level}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _int(value: str, problems: list, label: str, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    if value.isdigit() and low <= int(value) <= high:
        return int(value)
    problems.append(_("“%(label)s”的取值“%(value)s”无效。") % {"label": label, "value": value[:20]})
    return None


def filters_parse(params, *, province: str | None = None, org: int | None = None) -> Filters:
    """Filters from a query string; the scope (province, org) comes from the URL, not from here."""
    problems: list[str] = []
    year = _int(params.get("year", ""), problems, _("年度"), 2019, 2100)
    batch = _int(params.get("batch", ""), problems, _("遴选批次"), 1, 99)
    certificate = _int(params.get("certificate", ""), problems, _("证书"), 1, 2**31 - 1)
    level = params.get("level") or None
    if level is not None and level not in Level.values:
        problems.append(_("“%(label)s”的取值“%(value)s”无效。") % {"label": _("等级"), "value": level[:20]})
        level = None
    return Filters(year=year, batch=batch, certificate=certificate, level=level, province=province, org=org,
                   problems=tuple(problems))


# --- scope: who sees which dashboard (the only role comparisons of the dashboard) ---------------------

def dashboard_access(actor: Actor) -> Access[None]:
    """Which dashboards and lists ``actor`` may open (anything else is a 404):

    - ``national``: the nation, the Hubei panel, every province's and org's dashboard and list, the
      province filter (``choose_province``) and the ``refresh`` button (the ministry);
    - ``own_province``: its own province's dashboard and lists (a province or its pilot agency);
    - ``own_org``: its own org's dashboard and lists (an org);
    - ``institutions``: the institution pages of the provinces it sees (the ministry, a province);
    - ``supervise``: the supervision board the dashboard links to (pilot.selectors.pilot_access).
    """
    role = actor.role
    may = set()
    if role == Role.MINISTRY:
        may |= {"national", "choose_province", "refresh", "institutions"}
    if role in (Role.PROVINCE, Role.PROVINCE_AGENCY):
        may |= {"own_province", "institutions"}
    if role == Role.ORG and actor.scope.org_id:
        may.add("own_org")
    if pilot_access(actor).may.supervise:
        may.add("supervise")
    return Access(obj=None, may=Permissions(may))


def national_reader() -> Actor:
    """The fees selectors read within a scope; the rollups are national, so they read as the
    ministry does (an unsaved binding: no one signs in as it)."""
    return Actor(user=User(is_active=True), binding=RoleBinding(role=Role.MINISTRY))


def province_exists(code: str) -> bool:
    return Province.objects.filter(pk=code).exists()


def province_short_names() -> dict[str, str]:
    return dict(Province.objects.values_list("code", "short_name"))


def national_check(actor: Actor) -> None:
    if not dashboard_access(actor).may.national:
        raise NotInScope()


def province_get(actor: Actor, code: str) -> Province:
    """The ministry sees every province's dashboard, a province (or its agency) its own."""
    may = dashboard_access(actor).may
    if not (may.national or may.own_province):
        raise NotInScope()
    return get_in_scope(Province, actor, pk=code)


def org_get(actor: Actor, pk: int) -> Org:
    """The ministry sees every org's dashboard, an org its own."""
    may = dashboard_access(actor).may
    if not (may.national or may.own_org):
        raise NotInScope()
    return get_in_scope(Org, actor, pk=pk)


def list_scope(actor: Actor, *, province: str | None, org: int | None, institution: int | None) -> dict:
    """Where a list of rows is read: the ministry where it asks; a province (or its agency) in its
    own province, an org in its own org, whatever they ask; anyone else nowhere (404)."""
    may = dashboard_access(actor).may
    if may.national:
        scope = {}
        if province:
            scope["province"] = province_get(actor, province)
        if org:
            scope["org"] = org_get(actor, org)
    elif may.own_province:
        scope = {"province": province_get(actor, province or actor.province_code)}
    elif may.own_org:
        scope = {"org": org_get(actor, org or actor.scope.org_id)}
    else:
        raise NotInScope()
    if institution is not None:
        scope["institution"] = institution_get(actor, institution)
    return scope


def dashboard_home_for(actor: Actor) -> tuple[str, tuple] | None:
    """Where the dashboard link takes each actor: the nation, its province or its org."""
    may = dashboard_access(actor).may
    if may.national:
        return "pilot:dashboard", ()
    if may.own_province:
        return "pilot:dashboard_province", (actor.province_code,)
    if may.own_org:
        return "pilot:dashboard_org", (actor.scope.org_id,)
    return None


# --- the rollups, filtered ----------------------------------------------------------------------

def narrow(qs: QuerySet, filters: Filters) -> QuerySet:
    if filters.impossible:
        return qs.none()
    conditions = {"year": filters.year, "certificate_id": filters.certificate, "province_id": filters.province,
                  "org_id": filters.org, "level": filters.level}
    qs = qs.filter(**{k: v for k, v in conditions.items() if v is not None})
    if filters.batch is not None:
        qs = qs.filter(certificate_id__in=Certificate.objects.filter(batch__number=filters.batch).values("pk"))
    return qs


def facts(actor: Actor, filters: Filters) -> QuerySet[PilotFact]:
    """The monthly rollup (for trends)."""
    return narrow(scoped(PilotFact, actor), filters)


def year_facts(actor: Actor, filters: Filters) -> QuerySet[PilotYearFact]:
    """The yearly rollup (for totals and breakdowns)."""
    return narrow(scoped(PilotYearFact, actor), filters)


def _sums(measures=PILOT_MEASURES) -> dict:
    return {m: Sum(m) for m in measures}


def _with_rates(row: dict) -> dict:
    row = {k: (v or 0) if k in MEASURE_LABELS else v for k, v in row.items()}
    if "waiting" in row:
        row["not_issued"] = sum(row.get(c, 0) for c in NOT_ISSUED_CAUSES)
    row["pass_rate"] = _rate(row.get("passed"), row.get("assessed"))
    row["issue_rate"] = _rate(row.get("issued"), row.get("passed"))
    row["plan_rate"] = _rate(row.get("plan_met"), row.get("planned"))
    return row


def _rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def totals(qs: QuerySet[PilotYearFact]) -> dict:
    return _with_rates(qs.aggregate(**_sums()))


def by_month(qs: QuerySet[PilotFact]) -> list[dict]:
    rows = qs.filter(month__isnull=False).values("year", "month").annotate(**_sums()).order_by("year", "month")
    return [_with_rates(r) for r in rows]


# A run of more empty months than this is drawn as one break on the time axis, not month by month.
GAP_MONTHS = 6


def month_axis(months: list[dict]) -> list[dict]:
    """The months of ``by_month`` on a real time axis, from the first month with data to the last:
    a month without data is there, empty (``empty``: a gap in the chart, a dash in the table), and a
    run of more than ``GAP_MONTHS`` empty months is one ``gap`` entry naming its first and last month
    (so 2020 is never drawn next to 2026). Each entry has a ``label`` (YYYY-MM, or the gap's span)."""
    def label(index: int) -> str:
        return f"{index // 12}-{index % 12 + 1:02d}"

    axis: list[dict] = []
    previous = None  # months since year 0 of the last month with data
    for row in months:
        current = row["year"] * 12 + row["month"] - 1
        if previous is not None and current - previous - 1 > GAP_MONTHS:
            axis.append({"gap": True, "months": current - previous - 1, "first": label(previous + 1),
                         "last": label(current - 1), "label": f"{label(previous + 1)} … {label(current - 1)}"})
        elif previous is not None:
            axis += [{"empty": True, "year": k // 12, "month": k % 12 + 1, "label": label(k)}
                     for k in range(previous + 1, current)]
        axis.append({**row, "label": label(current)})
        previous = current
    return axis


def imported_total(actor: Actor, filters: Filters) -> int:
    """Valid certificates imported from before the portal (no pass in the portal behind them):
    counted apart from the issued ones, by issue year, within the actor's scope and filters."""
    if filters.impossible:
        return 0
    qs = scoped(IssuedCertificate.objects.filter(origin=IssuedCertificate.Origin.IMPORTED,
                                                 status=IssuedCertificate.Status.VALID), actor)
    conditions = {"issued_on__year": filters.year, "certificate_id": filters.certificate,
                  "province_id": filters.province, "org_id": filters.org, "level": filters.level,
                  "certificate__batch__number": filters.batch}
    return qs.filter(**{k: v for k, v in conditions.items() if v is not None}).count()


def by_province(qs: QuerySet[PilotYearFact]) -> list[dict]:
    names = dict(Province.objects.values_list("code", "name"))
    rows = qs.values("province_id").annotate(**_sums()).order_by("province_id")
    return sorted(({**_with_rates(r), "code": r["province_id"], "name": names.get(r["province_id"], r["province_id"])}
                   for r in rows), key=lambda r: -r["registered"])


def by_org(qs: QuerySet[PilotYearFact]) -> list[dict]:
    rows = list(qs.values("org_id").annotate(**_sums()).order_by())
    orgs = {o["pk"]: o for o in Org.objects.filter(pk__in=[r["org_id"] for r in rows]).values(
        "pk", "name", "status", "batch_number")}
    statuses = dict(Org.Status.choices)
    result = []
    for r in rows:
        org = orgs.get(r["org_id"], {})
        result.append({**_with_rates(r), "id": r["org_id"], "name": org.get("name", ""), "status": org.get("status"),
                       "status_label": statuses.get(org.get("status"), ""), "batch": org.get("batch_number")})
    return sorted(result, key=lambda r: -r["registered"])


def by_certificate(qs: QuerySet[PilotYearFact]) -> list[dict]:
    rows = list(qs.values("certificate_id").annotate(**_sums()).order_by())
    certificates = {c["pk"]: c for c in Certificate.objects.filter(pk__in=[r["certificate_id"] for r in rows]).values(
        "pk", "name", "code", "batch__number", "org__name")}
    result = []
    for r in rows:
        c = certificates.get(r["certificate_id"], {})
        result.append({**_with_rates(r), "id": r["certificate_id"], "name": c.get("name", ""), "code": c.get("code", ""),
                       "batch": c.get("batch__number"), "org": c.get("org__name", "")})
    return sorted(result, key=lambda r: -r["registered"])


def waiting_matrix(actor: Actor, filters: Filters) -> dict:
    """Passed but not issued: how many per cause and per age, and the oldest wait per cause."""
    qs = narrow(scoped(WaitingFact, actor), filters)
    cells = {(r["cause"], r["age"]): r["n"] for r in qs.values("cause", "age").annotate(n=Sum("count")).order_by()}
    oldest = dict(qs.values("cause").annotate(first=Min("oldest")).order_by().values_list("cause", "first"))
    matrix = []
    for cause in WaitingFact.Cause:
        counts = [cells.get((str(cause), str(age)), 0) for age in WaitingFact.Age]
        matrix.append({"cause": str(cause), "label": cause.label, "counts": counts, "total": sum(counts),
                       "oldest": oldest.get(str(cause))})
    return {"ages": [a.label for a in WaitingFact.Age], "rows": matrix, "total": sum(r["total"] for r in matrix)}


def institutions_page(actor: Actor, filters: Filters, *, after: int | None = None) -> dict:
    """A province's institutions with their figures, a page at a time (keyset on the institution
    id); the count comes from the rollup."""
    qs = narrow(scoped(InstitutionFact, actor), filters)
    total = qs.values("institution_id").distinct().count()
    page_qs = qs if after is None else qs.filter(institution_id__gt=after)
    rows = list(page_qs.values("institution_id", "institution__name", "institution__institution_type")
                .annotate(**_sums(INSTITUTION_MEASURES)).order_by("institution_id")[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = [{**_with_rates(r), "id": r["institution_id"], "name": r["institution__name"]} for r in rows[:PAGE_SIZE]]
    return {"rows": rows, "total": total, "next_after": rows[-1]["id"] if more else None}


def institution_get(actor: Actor, pk: int) -> Institution:
    if not dashboard_access(actor).may.institutions:
        raise NotInScope()
    return get_in_scope(Institution, actor, pk=pk)


def institution_totals(actor: Actor, filters: Filters, institution: Institution) -> dict:
    qs = narrow(scoped(InstitutionFact, actor), replace(filters, province=None)).filter(institution=institution)
    by_cert = (qs.values("certificate_id", "certificate__name", "level").annotate(**_sums(INSTITUTION_MEASURES))
               .order_by("certificate__name", "level"))
    return {"totals": _with_rates(qs.aggregate(**_sums(INSTITUTION_MEASURES))),
            "by_certificate": [{**_with_rates(r), "name": r["certificate__name"],
                                "level_label": Level(r["level"]).label} for r in by_cert]}


# --- panels ---------------------------------------------------------------------------------------

def catalog_by_batch(filters: Filters) -> list[dict]:
    """Orgs and published certificates per selection batch (the speech: 92 certificates of 73 orgs).
    A batch's orgs are the orgs whose certificates that batch published (as the speech counts them:
    batch 4, 355 certificates of 270 orgs), not the orgs first selected in it: an org of an earlier
    batch that won a batch-4 certificate counts in both."""
    groups = (Certificate.objects.filter(status__in=[Certificate.Status.PUBLISHED, Certificate.Status.SUSPENDED])
              .values("batch__number").annotate(n=Count("*"), orgs=Count("org_id", distinct=True)).order_by())
    certificates = {g["batch__number"]: g["n"] for g in groups}
    orgs = {g["batch__number"]: g["orgs"] for g in groups}
    rows = []
    for batch in SelectionBatch.objects.order_by("number"):
        if filters.batch is not None and batch.number != filters.batch:
            continue
        rows.append({"number": batch.number, "name": batch.name, "status": batch.get_status_display(),
                     "orgs": orgs.get(batch.number, 0), "certificates": certificates.get(batch.number, 0)})
    return rows


def hubei_panel(actor: Actor, filters: Filters) -> dict:
    """湖北专项行动: teachers trained for Hubei against the orgs' commitments, and each org's
    commitments (teachers to train, candidates to assess) against what it did."""
    qs = narrow(scoped(PilotYearFact, actor), replace(filters, province=None))
    trained = dict(qs.values("org_id").annotate(n=Sum("teachers_hubei")).order_by().values_list("org_id", "n"))
    assessed = dict(qs.filter(province_id=HUBEI).values("org_id").annotate(n=Sum("assessed")).order_by()
                    .values_list("org_id", "n"))
    commitments = scoped(HubeiCommitment.objects.select_related("org"), actor)
    if filters.org is not None:
        commitments = commitments.filter(org_id=filters.org)
    rows = []
    for c in commitments.order_by("org__name"):
        done_teachers, done_assessed = trained.get(c.org_id) or 0, assessed.get(c.org_id) or 0
        rows.append({"org_id": c.org_id, "org": c.org.name, "teachers_to_train": c.teachers_to_train,
                     "teachers_trained": done_teachers, "teachers_rate": _rate(done_teachers, c.teachers_to_train),
                     "candidates_to_assess": c.candidates_to_assess, "assessed": done_assessed,
                     "assessed_rate": _rate(done_assessed, c.candidates_to_assess)})
    target = sum(r["teachers_to_train"] for r in rows)
    total = sum((trained.get(pk) or 0) for pk in trained)
    return {"rows": rows, "target": target, "trained": total, "rate": _rate(total, target),
            "behind": [r for r in rows if (r["teachers_rate"] or 0) < 100]}


def fees_panel(refresh: RollupRefresh | None, province: str | None = None) -> dict:
    """Fees per province as of the last refresh, and the proposals waiting for verification now."""
    names = dict(Province.objects.values_list("code", "name"))
    stored = (refresh.fees if refresh else {}) or {}
    rows = [{"code": code, "name": names.get(code, code), **values} for code, values in stored.items()
            if province is None or code == province]
    rows.sort(key=lambda r: -float(r["outstanding"]))
    waiting = [w for w in waiting_by_province(national_reader()) if province is None or w["province"] == province]
    return {"rows": rows, "ages": [label for _l, label in AGE_BUCKETS], "waiting": waiting}


def supervision_panel(filters: Filters) -> dict:
    """Org behaviour at a glance: orgs by status, complaints by category and outcome."""
    orgs = Org.objects.all() if filters.org is None else Org.objects.filter(pk=filters.org)
    statuses = dict(orgs.values("status").annotate(n=Count("*")).order_by().values_list("status", "n"))
    complaints = Complaint.objects.all() if filters.org is None else Complaint.objects.filter(org_id=filters.org)
    counts = {(r["category"], r["status"]): r["n"] for r in
              complaints.values("category", "status").annotate(n=Count("*")).order_by()}
    categories = []
    for category in Complaint.Category:
        row = {"label": category.label, "total": sum(n for (c, _s), n in counts.items() if c == category),
               "upheld": counts.get((str(category), str(Complaint.Status.UPHELD)), 0),
               "open": sum(counts.get((str(category), str(s)), 0)
                           for s in (Complaint.Status.RECEIVED, Complaint.Status.INVESTIGATING))}
        categories.append(row)
    return {"statuses": [{"code": str(s), "label": s.label, "count": statuses.get(str(s), 0)} for s in Org.Status],
            "complaints": categories}


def refresh_latest() -> RollupRefresh | None:
    """The last completed refresh (the figures on screen) and whether another is under way."""
    return RollupRefresh.objects.filter(status=RollupRefresh.Status.DONE).order_by("-finished_at", "-pk").first()


def refresh_get(actor: Actor, pk: int) -> RollupRefresh:
    """A refresh, for its progress: whoever has a dashboard sees how far its figures are."""
    refresh = RollupRefresh.objects.filter(pk=pk).first() if dashboard_home_for(actor) else None
    if refresh is None:
        raise NotInScope()
    return refresh


def refresh_running() -> RollupRefresh | None:
    """The refresh under way, if its worker is alive (a dead one is the sweep's, not the page's)."""
    return jobs_alive(RollupRefresh).first()


def filter_certificates(actor: Actor, filters: Filters) -> QuerySet[Certificate]:
    """The certificates the filter bar offers (about 450 for the ministry), by name."""
    certificates = scoped(Certificate.objects.filter(status__in=[Certificate.Status.PUBLISHED,
                                                               Certificate.Status.SUSPENDED]), actor)
    if filters.org is not None:
        certificates = certificates.filter(org_id=filters.org)
    return certificates.order_by("name")


def filter_choices(actor: Actor, filters: Filters) -> dict:
    years = sorted(scoped(PilotYearFact, actor).values_list("year", flat=True).distinct().order_by(), reverse=True)
    certificates = filter_certificates(actor, filters)
    return {"provinces": list(Province.objects.values_list("code", "name")), "years": years,
            "batches": list(SelectionBatch.objects.order_by("number").values_list("number", flat=True)),
            "certificates": list(certificates.order_by("name").values("pk", "name")), "levels": Level.choices}

