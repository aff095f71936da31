"""Pages of filings (备案), bulk filing imports and trainer qualifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.filings import import_jobs as filing_imports
from assessments.filings import selectors
from assessments.filings import services as filings
from assessments.filings.filters import FilingFilter
from assessments.filings.forms import FilingForm, FilingImportForm, FilingWithdrawForm
from assessments.filings.imports import FILING_SCHEMA, LEVEL_LABELS, certificate_choice_labels
from assessments.models import FilingImport
from certificates.catalog.models import Level
from core.choices import choices_answer, filter_choices_answer
from core.confirmation import confirmation_step
from core.errors import AppError, Forbidden
from core.exports import file_response, xlsx_response
from core.tabular.schema import XLSX_TYPE
from core.tabular.writing import template_xlsx
from organizations.institutions.selectors import institutions_fileable

SORTABLE = ("institution", "certificate", "year", "total", "updated", "province")


def _xlsx_download(content: bytes, filename: str) -> HttpResponse:
    return file_response(content, filename, XLSX_TYPE)


def _sort_links(request) -> dict:
    """For each sortable column: the query string that sorts by it (toggling the direction)."""
    current = request.GET.get("o", "")
    links = {}
    for key in SORTABLE:
        query = request.GET.copy()
        query.pop("page", None)
        query["o"] = f"-{key}" if current == key else key
        links[key] = {"query": query.urlencode(),
                      "state": "ascending" if current == key else "descending" if current == f"-{key}" else "none"}
    return links


def _require(request, action: str) -> None:
    """403 unless the filing pages allow the actor ``action`` (filings_page_access decides)."""
    if action not in selectors.filings_page_access(request.actor):
        raise Forbidden()


@login_required
def filing_list(request):
    actor = request.actor
    filterset = FilingFilter(request.GET, queryset=selectors.filings_visible(actor))
    if answer := filter_choices_answer(request, filterset, "certificate"):
        return answer
    filings_qs = filterset.qs
    if request.GET.get("export") == "xlsx":
        return _filings_export(filings_qs)
    totals = selectors.level_totals(filings_qs)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "assessments/filings.html", {
        "filter": filterset, "page": Paginator(filings_qs, 30).get_page(request.GET.get("page")),
        "query": query.urlencode(), "totals": totals, "chart": selectors.bar_chart(totals["certificates"]),
        "levels": Level.choices, "sort": _sort_links(request), "may": selectors.filings_page_access(actor)})


def _filings_export(filings_qs):
    def rows():
        for f in filings_qs.iterator(chunk_size=2000):
            levels = {level.level: level.declared_students for level in f.levels.all()}
            yield (f.province.name, f.institution.school_code, f.institution.name, f.certificate.code,
                   f.certificate.name, f.year, levels.get("junior"), levels.get("intermediate"), levels.get("senior"),
                   f.total_students, f.contact_name, f.contact_phone,
                   _("已撤回") if f.withdrawn_at else _("有效"), f.filed_at, f.updated_at)

    headers = [_("省份"), _("学校标识码"), _("院校"), _("证书代码"), _("证书"), _("年度"), _("初级"), _("中级"), _("高级"),
               _("申报人数合计"), _("联系教师"), _("联系电话"), _("状态"), _("备案时间"), _("最后更正时间")]
    return xlsx_response(_("院校备案"), headers, rows())


def _filing_form(request, *, data=None, initial=None, fixed=False):
    form = FilingForm(data, initial=initial, institutions=institutions_fileable(request.actor),
                      certificates=selectors.certificates_fileable())
    if fixed:
        for name in ("institution", "certificate", "year"):
            form.fields[name].disabled = True
    return form


def _saved_message(request, outcome: str) -> None:
    text = {"created": _("备案已记录，即时生效并计入统计。"),
            "corrected": _("备案已更正，原内容已记入修改记录。"),
            "unchanged": _("填写内容与已有备案相同，未作修改。")}[outcome]
    messages.success(request, text)


def _add_rule_errors(form) -> None:
    """Besides the fields already wrong, the service's rules on the year and the levels for what did
    read (a year outside the range, a level the certificate does not offer), each on its field."""
    data = form.cleaned_data
    levels = {name: data.get(name) for name in ("junior", "intermediate", "senior") if name not in form.errors}
    for error in filings.filing_problems(certificate=data.get("certificate"), year=data.get("year"), levels=levels):
        field = error.field if error.field in form.fields else None
        if field is None and error.field == "levels" and any(n in form.errors for n in ("junior", "intermediate", "senior")):
            continue  # "fill in at least one level": one of them is filled in, only wrong
        if field not in form.errors:
            form.add_error(field, str(error.message))


@login_required
def filing_create(request):
    _require(request, "file")
    initial = {"year": timezone.localdate().year}
    if request.GET.get("institution", "").isdigit():
        initial["institution"] = int(request.GET["institution"])
    form = _filing_form(request, data=request.POST or None, initial=initial)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and not form.is_valid():
        _add_rule_errors(form)
    elif request.method == "POST":
        data = form.cleaned_data
        try:
            filing, outcome = filings.filing_save(
                actor=request.actor, institution=data["institution"], certificate=data["certificate"],
                year=data["year"], levels=form.levels(), contact_name=data["contact_name"],
                contact_phone=data["contact_phone"])
        except AppError as error:
            add_app_error(form, error)
        else:
            _saved_message(request, outcome)
            return redirect("assessments:filing_detail", pk=filing.pk)
    return render(request, "assessments/filing_form.html", {"form": form, "filing": None})


@login_required
def filing_correct(request, pk: int):
    filing = selectors.filing_access(request.actor, pk).require("correct")
    levels = {level.level: level.declared_students for level in filing.levels.all()}
    initial = {"institution": filing.institution, "certificate": filing.certificate, "year": filing.year,
               "contact_name": filing.contact_name, "contact_phone": filing.contact_phone, **levels}
    form = _filing_form(request, data=request.POST or None, initial=initial, fixed=True)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and not form.is_valid():
        _add_rule_errors(form)
    elif request.method == "POST":
        data = form.cleaned_data
        try:
            filing, outcome = filings.filing_save(
                actor=request.actor, institution=filing.institution, certificate=filing.certificate,
                year=filing.year, levels=form.levels(), contact_name=data["contact_name"],
                contact_phone=data["contact_phone"])
        except AppError as error:
            add_app_error(form, error)
        else:
            _saved_message(request, outcome)
            return redirect("assessments:filing_detail", pk=filing.pk)
    return render(request, "assessments/filing_form.html", {"form": form, "filing": filing})


@login_required
def filing_detail(request, pk: int):
    access = selectors.filing_access(request.actor, pk)
    filing = access.obj
    return render(request, "assessments/filing_detail.html", {
        "filing": filing, "access": access,
        "levels": [(LEVEL_LABELS[lv.level], lv.declared_students) for lv in filing.levels.all()],
        "history": selectors.filing_history_display(request.actor, filing),
        "withdraw_form": FilingWithdrawForm() if access.may.withdraw and not filing.withdrawn_at else None})


@login_required
@require_POST
def filing_withdraw(request, pk: int):
    filing = selectors.filing_access(request.actor, pk).require("withdraw")
    if step := confirmation_step(request, title=_("撤回备案"), subject=f"{filing.institution.name} · {filing.certificate.name}",
                                 consequence=_("该备案将被撤回，不再计入统计；如需恢复，须重新备案。"),
                                 confirm_label=_("确认撤回备案"),
                                 cancel_url=reverse("assessments:filing_detail", args=[pk])):
        return step
    form = FilingWithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        filings.filing_withdraw(actor=request.actor, filing=filing, reason=reason)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("备案已撤回，不再计入统计。如需恢复，重新备案即可。"))
    return redirect("assessments:filing_detail", pk=filing.pk)


@login_required
def national(request):
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() else None
    if request.GET.get("export") == "xlsx":
        rows = ((r["year"], r["certificate__code"], r["certificate__name"], r["province__name"], r["filings"],
                 r["students"]) for r in selectors.national_matrix(request.actor, year=year))
        return xlsx_response(_("全国备案汇总"), [_("年度"), _("证书代码"), _("证书"), _("省份"), _("备案数"), _("申报人数")],
                             rows)
    totals = selectors.national_totals(request.actor, year=year)
    return render(request, "assessments/national.html", {
        "totals": totals, "year": year, "years": selectors.filing_years(request.actor)})


@login_required
def filing_template(request):
    _require(request, "template")
    content = template_xlsx(FILING_SCHEMA, choices={
        "certificate": certificate_choice_labels(), "level": [str(label) for label in LEVEL_LABELS.values()]},
        instructions=[_("院校备案批量导入模板。每行填写一所院校、一个证书、一个年度的一个等级。"),
                      _("同一院校、证书、年度已备案的，导入即为更正：以文件中的各等级人数为准，与已有备案相同的不作修改。"),
                      _("备案不是审批：导入成功即记录，计入全国统计。任何一行有错误时整个文件都不会保存。")])
    return _xlsx_download(content, f"{_('院校备案导入模板')}.xlsx")


@login_required
def import_upload(request):
    _require(request, "file")
    form = FilingImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = filing_imports.filing_import_start(actor=request.actor, upload=form.cleaned_data["file"])
        except AppError as error:
            add_app_error(form, error)
        else:
            return redirect("assessments:import_detail", pk=record.pk)
    recent = selectors.filing_imports_visible(request.actor)[:10]
    return render(request, "assessments/import_upload.html", {"form": form, "recent": recent},
                  status=400 if form.errors else 200)


@login_required
def import_detail(request, pk: int):
    record = selectors.filing_import_get(request.actor, pk)
    context = {"record": record}
    if record.status == FilingImport.Status.FAILED and record.errors:
        context["error_page"] = Paginator(record.errors, 100).get_page(request.GET.get("page"))
    if record.status == FilingImport.Status.SUCCEEDED:
        province_filings = selectors.filings_visible(request.actor).filter(province_id=record.province_id)
        context["totals"] = selectors.level_totals(province_filings)
    return render(request, "assessments/import_detail.html", context)


@never_cache
@login_required
def import_status(request, pk: int):
    record = selectors.filing_import_get(request.actor, pk)
    return JsonResponse(record.status_json())


@login_required
def import_errors(request, pk: int):
    record = selectors.filing_import_get(request.actor, pk)
    content = filing_imports.filing_import_error_report(record=record)
    return _xlsx_download(content, f"{_('错误报告')}-{record.original_name.rsplit('.', 1)[0]}.xlsx")
