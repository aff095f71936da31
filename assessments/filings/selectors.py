"""Reads of filings (备案) and filing imports, always through the actor's scope (accounts.scoping),
and the one place that decides what an actor may do with them (``filings_page_access``,
``filing_access``)."""

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy

from accounts.access import Access, Permissions, decides_access
from accounts.models import AuditEntry, Province, Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.models import Filing, FilingImport, FilingLevel, level_rank
from certificates.catalog.models import Certificate, Level
from core.errors import Forbidden

_READERS = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.ORG)
_PROVINCIAL = (Role.PROVINCE, Role.PROVINCE_AGENCY)


def filings_page_access(actor: Actor) -> Permissions:
    """What the actor may do on the filing pages (not with one filing):

    - "read": the filings of its scope (the ministry, provinces and their agencies, institutions,
      alliances, orgs);
    - "file": file for its province's institutions, one by one, from a file or over the API (a
      province);
    - "template": download the import template (a province or its pilot agency);
    - "imports": read the province's filing imports (the ministry, a province, its agency);
    - "national": the national summary (the ministry);
    - "compare_provinces": its filings span provinces, so lists show the province (the ministry, an org).
    """
    role = actor.role
    may = set()
    if role in _READERS:
        may.add("read")
    if role == Role.PROVINCE:
        may.add("file")
    if role in _PROVINCIAL:
        may.update({"template", "imports"})
    if role == Role.MINISTRY:
        may.update({"imports", "national"})
    if role in (Role.MINISTRY, Role.ORG):
        may.add("compare_provinces")
    return Permissions(may)


def filings_visible(actor: Actor) -> QuerySet[Filing]:
    """Filings the actor may read: the ministry all, a province its own, an institution (alliance)
    its own (its members'), an org those of its certificates. Withdrawn ones included; callers
    filter."""
    if not filings_page_access(actor).read:
        raise Forbidden()
    qs = Filing.objects.select_related("institution", "certificate", "province").prefetch_related(
        Prefetch("levels", queryset=FilingLevel.objects.order_by(level_rank())))
    return scoped(qs, actor)


def filing_access(actor: Actor, pk: int) -> Access[Filing]:
    """One filing in the actor's scope (404 outside it) and what the actor may do with it: its
    own province "correct"s and "withdraw"s it; everyone else who sees it reads it."""
    filing = get_in_scope(filings_visible(actor), actor, pk=pk)
    own = actor.role == Role.PROVINCE and filing.province_id == actor.province_code
    return Access(filing, may=Permissions({"correct", "withdraw"} if own else ()))


def filing_history(actor: Actor, filing: Filing) -> QuerySet[AuditEntry]:
    """The filing's own audit trail (created, corrected, withdrawn), for whoever may read it."""
    filing_access(actor, filing.pk)
    return AuditEntry.objects.filter(object_type=Filing._meta.label_lower, object_id=str(filing.pk)).select_related(
        "actor").order_by("at", "pk")


_CHANGE_LABELS = {"levels": gettext_lazy("各等级申报人数"), "total_students": gettext_lazy("申报人数合计"),
                  "contact_name": gettext_lazy("联系教师"), "contact_phone": gettext_lazy("联系电话"),
                  "withdrawn": gettext_lazy("已撤回")}


def _change_value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(gettext_lazy("是") if value else gettext_lazy("否"))
    if isinstance(value, dict):
        labels = dict(Level.choices)
        return "、".join(f"{labels.get(k, k)} {v}" for k, v in value.items()) or "—"
    return str(value)


def filing_history_display(actor: Actor, filing: Filing) -> list[dict]:
    """The filing's trail in words: each change as a field label, the old and the new value."""
    rows = []
    for entry in filing_history(actor, filing):
        changes = [{"label": _CHANGE_LABELS.get(k, k), "old": _change_value(v[0]), "new": _change_value(v[1])}
                   for k, v in (entry.changes or {}).items() if isinstance(v, list) and len(v) == 2 and v[0] != v[1]]
        rows.append({"entry": entry, "changes": changes})
    return rows


def level_totals(filings: QuerySet[Filing]) -> dict:
    """Declared students per certificate and level over ``filings`` (withdrawn ones never count)."""
    active = filings.filter(withdrawn_at__isnull=True)
    rows = (FilingLevel.objects.filter(filing__in=active.values("pk"))
            .values("filing__certificate_id", "filing__certificate__name", "filing__certificate__code", "level")
            .annotate(students=Sum("declared_students"), filings=Count("*")))
    by_certificate: dict[int, dict] = {}
    for row in rows:
        entry = by_certificate.setdefault(row["filing__certificate_id"], {
            "certificate_id": row["filing__certificate_id"], "name": row["filing__certificate__name"],
            "code": row["filing__certificate__code"], "total": 0, **{level: 0 for level in Level.values}})
        entry[row["level"]] += row["students"]
        entry["total"] += row["students"]
    # order_by(): a sort chosen in the table would otherwise join the GROUP BY and split the counts.
    counts = dict(active.order_by().values("certificate_id").annotate(n=Count("*")).values_list("certificate_id", "n"))
    certificates = sorted(by_certificate.values(), key=lambda e: (-e["total"], e["name"]))
    for entry in certificates:
        entry["filings"] = counts.get(entry["certificate_id"], 0)
    totals = {level: sum(e[level] for e in certificates) for level in Level.values}
    return {"certificates": certificates, "levels": totals, "total": sum(totals.values()),
            "filings": sum(counts.values())}


def bar_chart(rows: list[dict], *, limit: int = 12) -> dict:
    """The largest ``limit`` certificates as horizontal bars, laid out in a 640-wide viewBox
    (labels left, bars in the middle, values right) so the template only prints numbers."""
    top = rows[:limit]
    largest = max((r["total"] for r in top), default=0) or 1
    bars = []
    for index, r in enumerate(top):
        width = round(r["total"] * 330 / largest, 1)
        bars.append({"label": r["name"], "short": r["name"] if len(r["name"]) <= 13 else r["name"][:12] + "…",
                     "value": r["total"], "y": index * 30, "text_y": index * 30 + 19, "width": max(width, 1),
                     "value_x": 212 + max(width, 1)})
    return {"bars": bars, "height": len(bars) * 30}


def national_totals(actor: Actor, *, year: int | None = None) -> dict:
    """Declared scale for the whole country: the national total, per province, per certificate,
    and per certificate and province (the ministry's view)."""
    if not filings_page_access(actor).national:
        raise Forbidden()
    active = Filing.objects.filter(withdrawn_at__isnull=True)
    if year:
        active = active.filter(year=year)
    provinces = {p.code: p for p in Province.objects.all()}
    by_province = {row["province_id"]: row for row in active.order_by().values("province_id").annotate(
        students=Sum("total_students"), filings=Count("*"), institutions=Count("institution_id", distinct=True))}
    province_rows = [{"province": p, "students": by_province.get(code, {}).get("students") or 0,
                      "filings": by_province.get(code, {}).get("filings") or 0,
                      "institutions": by_province.get(code, {}).get("institutions") or 0}
                     for code, p in provinces.items()]
    certificate_rows = list(active.values("certificate_id", "certificate__name", "certificate__code",
                                          "certificate__batch__number").annotate(
        students=Sum("total_students"), filings=Count("*"), provinces=Count("province_id", distinct=True))
        .order_by("-students", "certificate__name"))
    return {
        "total": sum(r["students"] for r in province_rows),
        "filings": sum(r["filings"] for r in province_rows),
        "institutions": active.values("institution_id").distinct().count(),
        "provinces": province_rows,
        "certificates": certificate_rows,
        "chart": bar_chart([{"name": r["certificate__name"], "total": r["students"]} for r in certificate_rows]),
    }


def national_matrix(actor: Actor, *, year: int | None = None):
    """Every certificate × province × year with its declared students, for the export."""
    if not filings_page_access(actor).national:
        raise Forbidden()
    active = Filing.objects.filter(withdrawn_at__isnull=True)
    if year:
        active = active.filter(year=year)
    return (active.values("year", "certificate__code", "certificate__name", "province__name")
            .annotate(students=Sum("total_students"), filings=Count("*"))
            .order_by("year", "certificate__code", "province__sort_order", "province_id"))


def filing_years(actor: Actor) -> list[int]:
    return sorted(set(filings_visible(actor).values_list("year", flat=True).distinct()), reverse=True)


def certificates_fileable() -> QuerySet[Certificate]:
    return Certificate.objects.filter(status=Certificate.Status.PUBLISHED).select_related("org").order_by("name")


def certificates_of_org(org_id: int | None) -> QuerySet[Certificate]:
    """An org's published certificates: what it schedules sessions, records trainings and plans
    for (the features above ask whether the actor may do that, then take these)."""
    if org_id is None:
        return Certificate.objects.none()
    return certificates_fileable().filter(org_id=org_id)


def filing_imports_visible(actor: Actor) -> QuerySet[FilingImport]:
    if not filings_page_access(actor).imports:
        raise Forbidden()
    return scoped(FilingImport.objects.select_related("uploaded_by", "province"), actor)


def filing_import_get(actor: Actor, pk: int) -> FilingImport:
    return get_in_scope(filing_imports_visible(actor), actor, pk=pk)


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Filing)(lambda actor, obj: filing_access(actor, obj.pk))
