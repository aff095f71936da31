"""Pages of the dashboard. The ministry sees the nation and drills into any province, institution
or org; a province sees its own province, an org its own org; anyone else gets a 404."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.choices import choices_answer, searchable
from core.errors import AppError, NotInScope
from core.exports import export_filename, file_response, xlsx_response
from pilot.dashboard import lists, pdf
from pilot.dashboard import selectors as s
from pilot.dashboard.models import WaitingFact
from pilot.dashboard.rollups import rollup_refresh_request
from pilot.dashboard.tiles import tile_grid

HEADLINE_MEASURES = ("declared", "planned", "teachers", "trained_students", "trained_social", "sessions", "registered",
                     "assessed", "passed", "issued", "not_issued")
CHART_MEASURES = ("registered", "assessed", "passed", "issued")
# The columns of the breakdown tables (by province, org, certificate, month), in pipeline order.
TABLE_MEASURES = ("declared", "planned", "teachers", "registered", "assessed", "passed", "issued", "not_issued")
EXPORT_LIMIT = 100_000
TABLE_ROWS = 30
# The dashboard's exportable tables, named as their headings name them (the export's file and sheet).
EXPORT_TITLES = {"provinces": gettext_lazy("分省份"), "orgs": gettext_lazy("分培训评价组织"),
                 "certificates": gettext_lazy("分证书"), "months": gettext_lazy("按月趋势"),
                 "waiting": gettext_lazy("合格未发证原因与等待时间"), "institutions": gettext_lazy("院校"),
                 "hubei": gettext_lazy("湖北专项行动")}


class CertificateSearch(forms.Form):
    """The filter bar's certificate (about 450): a plain select, searched as you type (core.choices)."""

    certificate = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, certificates, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
        searchable(self, "certificate")


def _certificate_search(request, filters: s.Filters):
    """The search of the filter bar's certificates as JSON, or None when the page is asked for."""
    return choices_answer(request, CertificateSearch(s.filter_certificates(request.actor, filters)))


def _context(request, filters: s.Filters, *, title: str, scope: str) -> dict:
    actor = request.actor
    qs, yearly = s.facts(actor, filters), s.year_facts(actor, filters)
    totals = s.totals(yearly)
    totals["imported"] = s.imported_total(actor, filters)
    measure = request.GET.get("tile", "registered")
    if measure not in s.MAP_MEASURES:
        measure = "registered"
    provinces = s.by_province(yearly) if scope == "national" else []
    show_all = request.GET.get("rows") == "all"
    months = s.month_axis(s.by_month(qs))
    refresh = s.refresh_latest()
    context = {
        "title": title, "scope": scope, "filters": filters, "totals": totals, "labels": s.MEASURE_LABELS,
        "rate_labels": s.RATE_LABELS, "provinces": provinces, "province_table": _table(provinces, True),
        "orgs": _table(s.by_org(yearly) if scope != "org" else [], show_all),
        "certificates": _table(s.by_certificate(yearly), show_all), "show_all": show_all,
        "waiting": s.waiting_matrix(actor, filters), "refresh": refresh, "refresh_running": s.refresh_running(),
        "choices": s.filter_choices(actor, filters), "table_measures": TABLE_MEASURES,
        "certificate_search": CertificateSearch(None).fields["certificate"].widget.attrs,
        "listed": lists.LISTED, "tile_measures": [(m, s.MEASURE_LABELS.get(m) or s.RATE_LABELS[m]) for m in s.MAP_MEASURES],
        "tile_measure": measure, "query": urlencode(filters.query()), "dashboard_access": s.dashboard_access(actor),
        "causes": [(str(c), c.label) for c in WaitingFact.Cause], "headline_measures": HEADLINE_MEASURES,
        "institution_measures": (*lists.INSTITUTION_COUNTED, "not_issued"),
        "cert_query": urlencode(filters.query(certificate=None)),
        "place_query": _place_query(filters),
        "months": months, "chart_months": _chart_months(months),
    }
    if provinces:
        context["chart_provinces"] = {"names": [r["name"] for r in provinces[:31]],
                                      **{m: [r[m] for r in provinces[:31]] for m in CHART_MEASURES}}
    if scope == "national":
        context["tiles"] = tile_grid(provinces, measure, s.province_short_names())
        context["catalog"] = s.catalog_by_batch(filters)
        context["hubei"] = s.hubei_panel(actor, filters)
    if scope in ("national", "province"):
        context["fees"] = s.fees_panel(refresh, filters.province)
    if scope in ("national", "org"):
        context["supervision"] = s.supervision_panel(filters)
    if filters.impossible:
        for problem in filters.problems:
            messages.warning(request, problem)
        messages.info(request, _("筛选条件无效，未显示数据；请修改筛选条件。"))
    return context


def _table(rows: list[dict], show_all: bool) -> dict:
    """A breakdown table: the first rows (by registrations) unless all are asked for, each with its
    cells in column order (rendering a thousand rows cell by cell would cost the page its speed)."""
    shown = rows if show_all else rows[:TABLE_ROWS]
    for row in shown:
        row["cells"] = [row[m] for m in TABLE_MEASURES]
    return {"rows": shown, "total": len(rows), "truncated": len(shown) < len(rows)}


def _place_query(filters: s.Filters) -> str:
    """The province or org a page is about, as the start of a query string for its links."""
    if filters.province:
        return f"province={filters.province}&"
    if filters.org:
        return f"org={filters.org}&"
    return ""


def _chart_months(months: list[dict]) -> dict:
    """The trend on a real time axis: a month without data is a gap (null), a long empty stretch one
    labelled break (``gaps`` lists their positions)."""
    return {"labels": [m["label"] for m in months],
            "gaps": [i for i, m in enumerate(months) if m.get("gap")],
            **{k: [None if m.get("gap") or m.get("empty") else m[k] for m in months] for k in CHART_MEASURES}}


@login_required
def dashboard(request):
    actor = request.actor
    if not s.dashboard_access(actor).may.national:
        home = s.dashboard_home_for(actor)
        if home is None:
            raise NotInScope()
        return redirect(reverse(home[0], args=home[1]))
    province = request.GET.get("province")
    if province and s.province_exists(province):
        # The filter bar's province: that province's dashboard, with the other filters kept.
        query = request.GET.copy()
        query.pop("province")
        return redirect(f"{reverse('pilot:dashboard_province', args=[province])}?{query.urlencode()}")
    filters = s.filters_parse(request.GET)
    if answer := _certificate_search(request, filters):
        return answer
    return render(request, "pilot/dashboard/dashboard.html",
                  _context(request, filters, title=_("全国试点总览"), scope="national"))


@login_required
def dashboard_province(request, code: str):
    province = s.province_get(request.actor, code)
    filters = s.filters_parse(request.GET, province=province.code)
    if answer := _certificate_search(request, filters):
        return answer
    context = _context(request, filters, title=_("%(p)s试点总览") % {"p": province.name}, scope="province")
    after = _int_or_none(request.GET.get("after"))
    context.update({"province": province, "institutions": s.institutions_page(request.actor, filters, after=after)})
    return render(request, "pilot/dashboard/dashboard.html", context)


@login_required
def dashboard_org(request, pk: int):
    org = s.org_get(request.actor, pk)
    filters = s.filters_parse(request.GET, org=org.pk)
    if answer := _certificate_search(request, filters):
        return answer
    context = _context(request, filters, title=_("%(o)s试点总览") % {"o": org.name}, scope="org")
    context.update({"org": org, "org_provinces": _table(s.by_province(s.year_facts(request.actor, filters)), True)})
    return render(request, "pilot/dashboard/dashboard.html", context)


@login_required
def dashboard_institution(request, pk: int):
    institution = s.institution_get(request.actor, pk)
    filters = s.filters_parse(request.GET, province=institution.province_id)
    figures = s.institution_totals(request.actor, filters, institution)
    return render(request, "pilot/dashboard/institution.html", {
        "institution": institution, "filters": filters, "labels": s.MEASURE_LABELS, "query": urlencode(filters.query()),
        "measures": lists.INSTITUTION_COUNTED, **figures, "refresh": s.refresh_latest()})


@login_required
def dashboard_institution_export(request, pk: int):
    """The institution drill-down's table as XLSX: the same scope check and the same figures as the
    page (counts per certificate and level, no personal data)."""
    institution = s.institution_get(request.actor, pk)
    filters = s.filters_parse(request.GET, province=institution.province_id)
    figures = s.institution_totals(request.actor, filters, institution)
    measures = [*lists.INSTITUTION_COUNTED, "not_issued"]
    headers = [_("证书"), _("等级"), *[str(s.MEASURE_LABELS[m]) for m in measures]]
    rows = [[r["name"], str(r["level_label"]), *[r[m] for m in measures]] for r in figures["by_certificate"]]
    rows.append([_("合计"), "", *[figures["totals"][m] for m in measures]])
    return xlsx_response(f"{institution.name}-{_('试点数据')}", headers, rows, sheet_title=_("分证书"))


@login_required
def dashboard_hubei(request):
    s.national_check(request.actor)
    filters = s.filters_parse(request.GET)
    return render(request, "pilot/dashboard/hubei.html", {"hubei": s.hubei_panel(request.actor, filters),
                                                          "filters": filters, "refresh": s.refresh_latest()})


def _int_or_none(value) -> int | None:
    return int(value) if value and value.isdigit() else None


def _list_args(request, measure: str) -> tuple[s.Filters, lists.Place, dict]:
    """The filters and place of a list page, the province or org forced to the actor's own."""
    if measure not in lists.SOURCES:
        raise Http404()
    institution = _int_or_none(request.GET.get("institution"))
    scope = s.list_scope(request.actor, province=request.GET.get("province") or None,
                         org=_int_or_none(request.GET.get("org")), institution=institution)
    filters = s.filters_parse(request.GET, province=scope["province"].code if "province" in scope else None,
                              org=scope["org"].pk if "org" in scope else None)
    return filters, lists.Place(institution=institution), scope


@login_required
def dashboard_list(request, measure: str):
    filters, place, scope = _list_args(request, measure)
    base = {k: v for k, v in [("province", filters.province), ("org", filters.org), ("institution", place.institution),
                              *filters.query().items()] if v is not None}
    context = {"measure": measure, "label": s.MEASURE_LABELS[measure], "filters": filters, "scope": scope,
               "query": urlencode(base), "refresh": s.refresh_latest()}
    if lists.needs_narrowing(measure, filters, place):
        context["provinces"] = s.by_province(s.year_facts(request.actor, filters))
    else:
        context["page"] = lists.rows_page(request.actor, measure, filters, place, after=request.GET.get("after", ""))
    if filters.impossible:
        for problem in filters.problems:
            messages.warning(request, problem)
    context["subtitle"] = _list_subtitle(scope, filters, context.get("page"))
    return render(request, "pilot/dashboard/list.html", context)


def _list_subtitle(scope: dict, filters: s.Filters, page: dict | None) -> list[str]:
    """Where the list is read, the year and the row count, joined with " · " by the page: only the
    parts there are, so the ministry's national list does not start with a separator."""
    parts = [scope[key].name for key in ("province", "org", "institution") if key in scope]
    if filters.year:
        parts.append(_("%(y)s年") % {"y": filters.year})
    if page and page.get("total") is not None:
        parts.append(_("合计 %(n)s") % {"n": intcomma(page["total"])})
    return parts


@login_required
def dashboard_list_export(request, measure: str):
    filters, place, _scope = _list_args(request, measure)
    if lists.needs_narrowing(measure, filters, place):
        raise AppError(_("请先选择省份或培训评价组织，再导出明细。"))
    headers, rows = lists.rows_all(request.actor, measure, filters, place, limit=EXPORT_LIMIT)
    return xlsx_response(str(s.MEASURE_LABELS[measure]), headers, rows)


def _scope_filters(request) -> tuple[s.Filters, str, str]:
    """The filters and title of the dashboard an export is taken from (same checks as its page)."""
    actor = request.actor
    province, org = request.GET.get("province") or None, _int_or_none(request.GET.get("org"))
    if province:
        place = s.province_get(actor, province)
        return s.filters_parse(request.GET, province=place.code), "province", _("%(p)s试点总览") % {"p": place.name}
    if org:
        place = s.org_get(actor, org)
        return s.filters_parse(request.GET, org=place.pk), "org", _("%(o)s试点总览") % {"o": place.name}
    s.national_check(actor)
    return s.filters_parse(request.GET), "national", _("全国试点总览")


@login_required
def dashboard_export(request, view: str):
    """One table of the dashboard as XLSX: by province, org, certificate, month, the waiting matrix,
    a province's institutions, or the Hubei panel."""
    filters, scope, title = _scope_filters(request)
    actor = request.actor
    qs = s.year_facts(actor, filters)
    measures = [*TABLE_MEASURES, "pass_rate", "issue_rate"]
    heads = [str(s.MEASURE_LABELS.get(m) or s.RATE_LABELS[m]) for m in measures]
    if view == "provinces":
        headers, rows = [_("省份"), *heads], [[r["name"], *[r[m] for m in measures]] for r in s.by_province(qs)]
    elif view == "orgs":
        headers, rows = [_("培训评价组织"), _("遴选批次"), *heads], [[r["name"], r["batch"], *[r[m] for m in measures]]
                                                               for r in s.by_org(qs)]
    elif view == "certificates":
        headers = [_("证书代码"), _("证书"), _("培训评价组织"), _("遴选批次"), *heads]
        rows = [[r["code"], r["name"], r["org"], r["batch"], *[r[m] for m in measures]] for r in s.by_certificate(qs)]
    elif view == "months":
        headers, rows = [_("年度"), _("月份"), *heads], [[r["year"], r["month"], *[r[m] for m in measures]]
                                                     for r in s.by_month(s.facts(actor, filters))]
    elif view == "waiting":
        matrix = s.waiting_matrix(actor, filters)
        headers = [_("原因"), *matrix["ages"], _("合计"), _("最早考核日期")]
        rows = [[str(r["label"]), *r["counts"], r["total"], r["oldest"]] for r in matrix["rows"]]
    elif view == "institutions" and scope == "province":
        inst = [*lists.INSTITUTION_COUNTED, "not_issued"]
        headers = [_("院校"), *[str(s.MEASURE_LABELS[m]) for m in inst]]
        rows, after = [], None
        while True:
            page = s.institutions_page(actor, filters, after=after)
            rows += [[r["name"], *[r[m] for m in inst]] for r in page["rows"]]
            after = page["next_after"]
            if after is None:
                break
    elif view == "hubei" and scope == "national":
        panel = s.hubei_panel(actor, filters)
        headers = [_("培训评价组织"), _("承诺培训教师人数"), _("已培训教师（人次）"), _("完成率（%）"), _("承诺考核人数"),
                   _("湖北实考人数"), _("完成率（%）")]
        rows = [[r["org"], r["teachers_to_train"], r["teachers_trained"], r["teachers_rate"], r["candidates_to_assess"],
                 r["assessed"], r["assessed_rate"]] for r in panel["rows"]]
    else:
        raise Http404()
    return xlsx_response(f"{title}-{EXPORT_TITLES[view]}", [str(h) for h in headers], rows,
                         sheet_title=str(EXPORT_TITLES[view]))


@login_required
def dashboard_snapshot(request):
    """The dashboard as a PDF (WeasyPrint): the figures, the trend, the tables, as of the last refresh."""
    filters, scope, title = _scope_filters(request)
    context = _context(request, filters, title=title, scope=scope)
    return file_response(pdf.render_snapshot(context), export_filename(title, "pdf"), "application/pdf")


@login_required
@require_POST
def dashboard_refresh(request):
    s.national_check(request.actor)
    try:
        rollup_refresh_request(actor=request.actor)
    except AppError as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("已开始更新统计数据，完成后刷新页面即可看到最新数据。"))
    return redirect("pilot:dashboard")


@never_cache
@login_required
def dashboard_refresh_status(request, pk: int):
    return JsonResponse(s.refresh_get(request.actor, pk).status_json())
