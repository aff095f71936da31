"""Selection batches (遴选): public statistics; the ministry's applications, reviews and
publication; an org's online application."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from certificates.batches import selectors, services
from certificates.batches.forms import (
    ApplicantForm,
    ApplicationCertificateFormSet,
    ApplicationFilterForm,
    BatchForm,
    ImportForm,
    ReviewForm,
    application_items,
)
from certificates.catalog.models import AssessmentType, Level
from core.confirmation import confirmation_step
from core.errors import AppError, Forbidden
from core.exports import xlsx_response


def batches(request):
    """Every batch with its figures. Open to everyone: counts only, no applicant names."""
    rows = selectors.batches_with_statistics()
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("遴选批次统计"), [
            _("批次"), _("名称"), _("状态"), _("开始申报"), _("公布日期"), _("申报单位数"), _("申报证书数"), _("通过单位数"),
            _("通过证书数"), _("通过率"), _("目录中证书数"), _("目录中组织数")], (
            (b.number, b.name, b.get_status_display(), b.opened_on, b.published_on, b.stats["applicants"],
             b.stats["applied"], b.stats["approved_bodies"], b.stats["approved"], b.stats["rate_display"],
             b.stats["catalog_certificates"], b.stats["catalog_orgs"]) for b in rows))
    return render(request, "certificates/batches.html", {
        "batches": rows, "may": selectors.batches_access(request.actor)})


@login_required
def batch_create(request):
    if not selectors.batches_access(request.actor).open:
        raise Forbidden()
    form = BatchForm(request.POST or None, initial={"number": selectors.batch_number_next()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.batch_open(actor=request.actor, number=data["number"], name=data["name"],
                                        opened_on=data["opened_on"], closes_on=data["closes_on"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("第%(n)d批遴选已开始申报。") % {"n": batch.number})
            return redirect("certificates:batch_detail", number=batch.number)
    return render(request, "certificates/batch_form.html", {"form": form})


def batch_detail(request, number: int):
    """A batch's statistics (public) and, for the ministry and orgs, what they may do with it."""
    actor = request.actor
    access = selectors.batch_access(actor, number)
    batch = access.obj
    stats = selectors.batch_statistics(batch)
    fields = selectors.batch_fields(batch)
    if request.GET.get("export") == "xlsx":
        rows = [(row["field"], row["applied"], row["approved"], row["rate_display"]) for row in fields]
        rows.append((_("合计"), stats["applied"], stats["approved"], stats["rate_display"]))
        return xlsx_response(_("第%(n)d批遴选统计") % {"n": batch.number},
                             [_("领域"), _("申报证书数"), _("通过证书数"), _("通过率")], rows)
    return render(request, "certificates/batch_detail.html", {
        "batch": batch, "access": access, "stats": stats, "fields": fields,
        "own_application": selectors.application_of_org(actor, batch)})


@login_required
def batch_applications(request, number: int):
    """The applied certificates of a batch, one row each: the ministry's review list (an org sees
    only its own)."""
    actor = request.actor
    access = selectors.batch_access(actor, number)
    batch = access.obj
    form = ApplicationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    items = selectors.application_items(actor, batch, outcome=data.get("outcome", ""), query=data.get("q", "").strip())
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("第%(n)d批申报证书") % {"n": batch.number}, [
            _("申报单位"), _("统一社会信用代码"), _("单位类型"), _("证书名称"), _("领域"), _("等级"), _("专家评审分"),
            _("公示开始"), _("公示结束"), _("评审结果"), _("证书代码")], (
            (i.application.applicant_name, i.application.credit_code, i.application.get_org_type_display(), i.name,
             i.field, "、".join(level_label(lv) for lv in i.levels), i.expert_score, i.notice_from, i.notice_until,
             i.get_outcome_display(), i.certificate.code if i.certificate else "") for i in items.iterator(chunk_size=1000)))
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "certificates/batch_applications.html", {
        "batch": batch, "access": access, "form": form, "page": page, "query": query.urlencode()})


def level_label(level: dict) -> str:
    return f"{Level(level['level']).label}（{AssessmentType(level['assessment_type']).label}）"


@login_required
def application_create(request, number: int):
    """The ministry types in an application it received; an org applies online for itself."""
    actor = request.actor
    access = selectors.batch_access(actor, number)
    if not (access.may.apply or access.may.record_application):
        raise Forbidden()
    batch = access.obj
    is_org = access.may.apply  # an org applies for itself; the ministry types in the applicant
    applicant = None if is_org else ApplicantForm(request.POST or None)
    formset = ApplicationCertificateFormSet(request.POST or None, prefix="cert")
    certificate_errors = []
    if request.method == "POST" and formset.is_valid() and (applicant is None or applicant.is_valid()):
        data = applicant.cleaned_data if applicant else {}
        try:
            services.application_submit(actor=actor, batch=batch, certificates=application_items(formset), **data)
        except AppError as error:
            if applicant is not None and error.field in applicant.fields:
                add_app_error(applicant, error)
            else:
                certificate_errors.append(error.message)
        else:
            messages.success(request, _("申报已提交。") if is_org else _("申报已录入。"))
            return redirect("certificates:batch_detail" if is_org else "certificates:batch_applications",
                            number=batch.number)
    return render(request, "certificates/application_form.html", {
        "batch": batch, "applicant": applicant, "formset": formset, "is_org": is_org,
        "certificate_errors": certificate_errors})


@login_required
def applications_import(request, number: int):
    batch = selectors.batch_access(request.actor, number).require("import_applications")
    form = ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            count = services.applications_import(actor=request.actor, batch=batch, upload=form.cleaned_data["file"])
        except AppError as error:
            add_app_error(form, error)
            problems = error.details
        else:
            messages.success(request, _("已导入 %(n)d 个单位的申报。") % {"n": count})
            return redirect("certificates:batch_applications", number=batch.number)
    return render(request, "certificates/import_form.html", {"batch": batch, "form": form, "problems": problems})


@login_required
def item_review(request, number: int, pk: int):
    batch = selectors.batch_access(request.actor, number).require("review")
    item = selectors.application_item_get(request.actor, batch, pk)
    form = ReviewForm(request.POST or None, initial={
        "expert_score": item.expert_score, "notice_from": item.notice_from, "notice_until": item.notice_until,
        "outcome": item.outcome})
    if request.method == "POST" and form.is_valid():
        try:
            services.application_review_record(actor=request.actor, item=item, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("“%(name)s”的评审结果已记录。") % {"name": item.name})
            return redirect("certificates:batch_applications", number=batch.number)
    return render(request, "certificates/review_form.html", {"batch": batch, "item": item, "form": form,
                                                             "levels": [level_label(lv) for lv in item.levels]})


@login_required
@require_POST
def batch_close(request, number: int):
    access = selectors.batch_access(request.actor, number)
    if access.may.close and (step := confirmation_step(
            request, title=_("截止申报"), subject=_("第%(n)d批遴选") % {"n": number},
            consequence=_("本批次停止接收申报，进入评审；培训评价组织不能再在线申报。"),
            confirm_label=_("确认截止申报"), cancel_url=reverse("certificates:batch_detail", args=[number]))):
        return step
    batch = selectors.batch_get(number)
    try:
        services.batch_close_applications(actor=request.actor, batch=batch)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("第%(n)d批已截止申报，进入评审。") % {"n": batch.number})
    return redirect("certificates:batch_detail", number=batch.number)


@login_required
@require_POST
def batch_publish(request, number: int):
    access = selectors.batch_access(request.actor, number)
    if access.may.publish and (step := confirmation_step(
            request, title=_("公布遴选结果"), subject=_("第%(n)d批遴选") % {"n": number},
            consequence=_("评审通过的证书进入公开的证书目录，新入选的培训评价组织同时登记。"),
            confirm_label=_("确认公布"), cancel_url=reverse("certificates:batch_detail", args=[number]))):
        return step
    batch = selectors.batch_get(number)
    try:
        summary = services.batch_publish(actor=request.actor, batch=batch)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("第%(n)d批遴选结果已公布：新增 %(c)d 个证书、%(o)d 个培训评价组织。") % {
            "n": batch.number, "c": summary["certificates_published"], "o": summary["orgs_created"]})
    return redirect("certificates:batch_detail", number=batch.number)
