"""The rows behind each figure of the dashboard: who registered, who passed, which certificates,
which passes still wait, and why. A page at a time with keyset pagination (newest first, by date
then id), counted from the rollups, never by counting the rows themselves.

Names are masked (张*三, accounts.personal_data.masked) and ID numbers never shown: the dashboard is
for supervision, not casework.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.personal_data import Field, masked
from accounts.scoping import Actor, scoped
from assessments.models import (
    AssessmentPlanRow,
    AssessmentSession,
    CertificateTraining,
    FilingLevel,
    Registration,
    Result,
    TeacherTraining,
)
from certificates.catalog.models import Level
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.issuance.notes import request_note
from pilot.dashboard.measures import ISSUED_FROM_PASSES, OPEN_SESSION
from pilot.dashboard.models import InstitutionFact, PilotYearFact
from pilot.dashboard.selectors import MEASURE_LABELS, PAGE_SIZE, Filters, narrow


def _name(value: str) -> str:
    """A person's name on the dashboard: masked whoever reads it."""
    return masked(Field.NAME, value)


def _cell(value):
    """A value for a page or a spreadsheet: translated labels become text."""
    return str(value) if isinstance(value, Promise) else value


def _level(value: str) -> str:
    return Level(value).label if value in Level.values else value


def _institution(row) -> str:
    return row.institution.name if row.institution_id else str(_("社会学习者"))


def _days_since(day: datetime.date) -> int:
    return (timezone.localdate() - day).days


@dataclass(frozen=True)
class RowSource:
    """Where one measure's rows come from and how they are shown."""

    queryset: Callable[[], QuerySet]
    date: str | None  # orders the rows (newest first) and carries the year filter; None: the year field
    paths: dict  # filter name -> field path
    columns: tuple[tuple[str, Callable], ...]
    large: bool = False  # millions of rows: listed only within a province, an org or an institution
    year_field: str = ""
    by_date: bool = True  # False: newest first by id (small sets picked by status out of large tables)

    @property
    def order(self) -> str | None:
        return self.date if self.by_date else None


_PERSON_PATHS = {"province": "province_id", "org": "org_id", "certificate": "certificate_id", "level": "level",
                 "institution": "institution_id", "batch": "certificate__batch__number"}
_PEOPLE = (
    (_("姓名"), lambda r: _name(r.name_given)),
    (_("证书"), lambda r: r.certificate.name),
    (_("等级"), lambda r: _level(r.level)),
    (_("考核省份"), lambda r: r.province.name),
    (_("院校"), _institution),
    (_("考核日期"), lambda r: r.session_date),
)
_RESULTS = (
    (_("姓名"), lambda r: _name(r.registration.name_given)),
    *_PEOPLE[1:],
    (_("成绩"), lambda r: r.score),
    (_("是否合格"), lambda r: _("合格") if r.passed else _("不合格")),
)
_CERTIFICATES = (
    (_("证书编号"), lambda r: r.number),
    (_("持证人"), lambda r: _name(r.holder_name)),
    (_("证书"), lambda r: r.certificate.name),
    (_("等级"), lambda r: _level(r.level)),
    (_("考核省份"), lambda r: r.province.name),
    (_("院校"), _institution),
    (_("发证日期"), lambda r: r.issued_on),
)
_REQUESTS = (
    (_("姓名"), lambda r: _name(r.holder_name)),
    (_("证书"), lambda r: r.certificate.name),
    (_("等级"), lambda r: _level(r.level)),
    (_("考核省份"), lambda r: r.province.name),
    (_("院校"), _institution),
    (_("考核日期"), lambda r: r.passed_on),
    (_("已等待（天）"), lambda r: _days_since(r.passed_on)),
    (_("说明"), lambda r: request_note(r) or r.get_status_display()),
)
_ORG_PATHS = {"province": "province_id", "org": "org_id", "certificate": "certificate_id", "level": "level",
              "batch": "certificate__batch__number"}

SOURCES: dict[str, RowSource] = {
    "registered": RowSource(
        lambda: Registration.objects.filter(status=Registration.Status.REGISTERED).select_related(
            "certificate", "province", "institution"), "session_date", _PERSON_PATHS, _PEOPLE, large=True),
    "assessed": RowSource(
        lambda: Result.objects.select_related("registration", "certificate", "province", "institution"),
        "session_date", _PERSON_PATHS, _RESULTS, large=True),
    "passed": RowSource(
        lambda: Result.objects.filter(passed=True).select_related("registration", "certificate", "province",
                                                                  "institution"),
        "session_date", _PERSON_PATHS, _RESULTS, large=True),
    "not_finalized": RowSource(
        lambda: Result.objects.filter(passed=True, registration__session__status__in=OPEN_SESSION).select_related(
            "registration", "certificate", "province", "institution"),
        "session_date", _PERSON_PATHS, (*_RESULTS[:6], (_("已等待（天）"), lambda r: _days_since(r.session_date))),
        by_date=False),
    # As the figure counts them (measures.ISSUED_FROM_PASSES): issued from a pass, in the month of that pass.
    "issued": RowSource(
        lambda: ISSUED_FROM_PASSES.filter(status=IssuedCertificate.Status.VALID).select_related(
            "certificate", "province", "institution"), "request__passed_on", _PERSON_PATHS, _CERTIFICATES, large=True),
    "revoked": RowSource(
        lambda: IssuedCertificate.objects.filter(status=IssuedCertificate.Status.REVOKED).select_related(
            "certificate", "province", "institution"), "issued_on", _PERSON_PATHS,
        (*_CERTIFICATES, (_("撤销原因"), lambda r: r.revoked_reason))),
    **{cause: RowSource(
        (lambda status=status: IssuanceRequest.objects.filter(status=status).select_related(
            "certificate", "province", "institution")), "passed_on", _PERSON_PATHS, _REQUESTS, by_date=False)
       for cause, status in (("waiting", IssuanceRequest.Status.PENDING), ("blocked", IssuanceRequest.Status.BLOCKED),
                             ("failed", IssuanceRequest.Status.FAILED))},
    "sessions": RowSource(
        lambda: AssessmentSession.objects.exclude(status=AssessmentSession.Status.CANCELLED).select_related(
            "org", "certificate", "province", "site"), "date", _ORG_PATHS,
        ((_("考核日期"), lambda r: r.date), (_("培训评价组织"), lambda r: r.org.name),
         (_("证书"), lambda r: r.certificate.name), (_("等级"), lambda r: _level(r.level)),
         (_("考点"), lambda r: r.site.name), (_("省份"), lambda r: r.province.name),
         (_("状态"), lambda r: r.get_status_display()))),
    "teachers": RowSource(
        lambda: TeacherTraining.objects.select_related("org", "certificate", "province"), "end_date", _ORG_PATHS,
        ((_("结束日期"), lambda r: r.end_date), (_("培训评价组织"), lambda r: r.org.name),
         (_("证书"), lambda r: r.certificate.name), (_("等级"), lambda r: _level(r.level)),
         (_("省份"), lambda r: r.province.name), (_("培训教师人数"), lambda r: r.teachers_trained),
         (_("计入湖北专项行动"), lambda r: _("是") if r.hubei_special else ""))),
    "trained_students": RowSource(
        lambda: CertificateTraining.objects.filter(students__gt=0).select_related("org", "certificate", "province"),
        "month", _ORG_PATHS,
        ((_("月份"), lambda r: r.month.strftime("%Y-%m")), (_("培训评价组织"), lambda r: r.org.name),
         (_("证书"), lambda r: r.certificate.name), (_("等级"), lambda r: _level(r.level)),
         (_("省份"), lambda r: r.province.name), (_("培训学生人数"), lambda r: r.students))),
    "trained_social": RowSource(
        lambda: CertificateTraining.objects.filter(social_learners__gt=0).select_related("org", "certificate",
                                                                                         "province"),
        "month", _ORG_PATHS,
        ((_("月份"), lambda r: r.month.strftime("%Y-%m")), (_("培训评价组织"), lambda r: r.org.name),
         (_("证书"), lambda r: r.certificate.name), (_("等级"), lambda r: _level(r.level)),
         (_("省份"), lambda r: r.province.name), (_("培训社会学习者人数"), lambda r: r.social_learners))),
    "declared": RowSource(
        lambda: FilingLevel.objects.filter(filing__withdrawn_at__isnull=True).select_related(
            "filing__institution", "filing__certificate", "filing__province"), None,
        {"province": "filing__province_id", "org": "filing__certificate__org_id",
         "certificate": "filing__certificate_id", "level": "level", "institution": "filing__institution_id",
         "batch": "filing__certificate__batch__number"},
        ((_("院校"), lambda r: r.filing.institution.name), (_("省份"), lambda r: r.filing.province.name),
         (_("证书"), lambda r: r.filing.certificate.name), (_("等级"), lambda r: _level(r.level)),
         (_("年度"), lambda r: r.filing.year), (_("申报人数"), lambda r: r.declared_students)),
        year_field="filing__year"),
    "planned": RowSource(
        lambda: AssessmentPlanRow.objects.filter(plan__superseded_at__isnull=True).select_related(
            "plan__org", "certificate", "province"), None,
        {"province": "province_id", "org": "plan__org_id", "certificate": "certificate_id", "level": "level",
         "batch": "certificate__batch__number"},
        ((_("培训评价组织"), lambda r: r.plan.org.name), (_("年度"), lambda r: r.plan.year),
         (_("月份"), lambda r: r.month), (_("省份"), lambda r: r.province.name),
         (_("证书"), lambda r: r.certificate.name), (_("等级"), lambda r: _level(r.level)),
         (_("计划考核人数"), lambda r: r.planned_candidates), (_("计划考核批次"), lambda r: r.planned_sessions)),
        year_field="plan__year"),
}
INSTITUTION_COUNTED = ("declared", "registered", "assessed", "passed", "issued")
# Names of the lists in the order the dashboard shows its figures.
LISTED = tuple(m for m in MEASURE_LABELS if m in SOURCES)


@dataclass(frozen=True)
class Place:
    """Where a list is narrowed to, beyond the filters: an institution (a province's drill-down)."""

    institution: int | None = None

    @property
    def narrowed(self) -> bool:
        return self.institution is not None


def needs_narrowing(measure: str, filters: Filters, place: Place) -> bool:
    """The large lists are shown within a province, an org or an institution; nationally the
    dashboard offers the breakdown by province instead of 3,000,000 rows."""
    return SOURCES[measure].large and filters.province is None and filters.org is None and not place.narrowed


def _rows_queryset(actor: Actor, measure: str, filters: Filters, place: Place) -> QuerySet:
    source = SOURCES[measure]
    qs = scoped(source.queryset(), actor)
    if filters.impossible:
        return qs.none()
    values = {"province": filters.province, "org": filters.org, "certificate": filters.certificate,
              "level": filters.level, "batch": filters.batch, "institution": place.institution}
    for name, value in values.items():
        if value is None:
            continue
        path = source.paths.get(name)
        if path is None:
            return qs.none()
        qs = qs.filter(**{path: value})
    if filters.year is not None:
        if source.date:
            qs = qs.filter(**{f"{source.date}__gte": datetime.date(filters.year, 1, 1),
                              f"{source.date}__lt": datetime.date(filters.year + 1, 1, 1)})
        else:
            qs = qs.filter(**{source.year_field: filters.year})
    return qs


def _path_value(row, path: str):
    for part in path.split("__"):
        row = getattr(row, part)
    return row


def _cursor_parse(value: str, dated: bool) -> tuple | None:
    try:
        if dated:
            day, pk = value.split("_", 1)
            return datetime.date.fromisoformat(day), int(pk)
        return (None, int(value))
    except (ValueError, TypeError):
        return None


def rows_page(actor: Actor, measure: str, filters: Filters, place: Place, *, after: str = "") -> dict:
    """One page of ``measure``'s rows after the cursor ``after`` (as the previous page gave it)."""
    source = SOURCES[measure]
    qs = _rows_queryset(actor, measure, filters, place)
    order = source.order
    cursor = _cursor_parse(after, bool(order)) if after else None
    if order:
        if cursor:
            day, pk = cursor
            # The first condition alone can use the (…, date) indexes; the second is exact.
            qs = qs.filter(**{f"{order}__lte": day}).filter(Q(**{f"{order}__lt": day}) | Q(**{order: day, "pk__lt": pk}))
        qs = qs.order_by(f"-{order}", "-pk")
    else:
        if cursor:
            qs = qs.filter(pk__lt=cursor[1])
        qs = qs.order_by("-pk")
    rows = list(qs[:PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    next_after = None
    if more and rows:
        last = rows[-1]
        next_after = f"{_path_value(last, order).isoformat()}_{last.pk}" if order else str(last.pk)
    return {"headers": [str(label) for label, _f in source.columns],
            "rows": [[_cell(render(r)) for _l, render in source.columns] for r in rows],
            "next_after": next_after, "total": rows_total(actor, measure, filters, place)}


def rows_all(actor: Actor, measure: str, filters: Filters, place: Place, *, limit: int) -> tuple[list, list]:
    """Up to ``limit`` rows for an export, newest first."""
    source = SOURCES[measure]
    qs = _rows_queryset(actor, measure, filters, place)
    qs = qs.order_by(f"-{source.order}", "-pk") if source.order else qs.order_by("-pk")
    return ([str(label) for label, _f in source.columns],
            [[_cell(render(r)) for _l, render in source.columns] for r in qs[:limit].iterator(chunk_size=2000)])


def rows_total(actor: Actor, measure: str, filters: Filters, place: Place) -> int | None:
    """The figure the list stands behind, from the rollups (None where no rollup holds it)."""
    if place.institution is not None:
        if measure not in INSTITUTION_COUNTED:
            return None
        qs = narrow(scoped(InstitutionFact, actor), filters).filter(institution_id=place.institution)
        return qs.aggregate(n=Sum(measure))["n"] or 0
    return narrow(scoped(PilotYearFact, actor), filters).aggregate(n=Sum(measure))["n"] or 0
