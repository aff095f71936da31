"""Pages of teacher trainings (师资培训), certificate trainings (证书培训) and the Hubei special
action (湖北专项行动). The org records; a province reads those of its province; the ministry all."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from accounts.models import Province
from assessments.trainings import selectors
from assessments.trainings import services as trainings
from assessments.trainings.forms import CertificateTrainingForm, HubeiCommitmentForm, TeacherTrainingForm
from certificates.catalog.models import Certificate
from core.choices import choices_answer
from core.confirmation import confirmation_step
from core.errors import AppError, Forbidden
from core.exports import xlsx_response


def _filtered(request, qs, *, date_field: str):
    """The list filters every training page shares: year, certificate, province."""
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(**{f"{date_field}__year": int(year)})
    certificate = request.GET.get("certificate", "")
    if certificate.isdigit():
        qs = qs.filter(certificate_id=int(certificate))
    province = request.GET.get("province", "")
    if province:
        qs = qs.filter(province_id=province)
    return qs


def _filter_context(request, qs) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    certificate_ids = qs.order_by().values_list("certificate_id", flat=True).distinct()
    return {"query": query.urlencode(), "current": request.GET,
            "certificates": Certificate.objects.filter(pk__in=certificate_ids).order_by("name"),
            "provinces": Province.objects.all()}


def _require(request, action: str) -> None:
    """403 unless the training pages allow the actor ``action`` (trainings_page_access decides)."""
    if action not in selectors.trainings_page_access(request.actor):
        raise Forbidden()


# --- teacher trainings ---------------------------------------------------------------------------

@login_required
def training_list(request):
    actor = request.actor
    trainings_qs = _filtered(request, selectors.teacher_trainings_visible(actor), date_field="end_date")
    if request.GET.get("hubei") == "1":
        trainings_qs = trainings_qs.filter(hubei_special=True)
    if request.GET.get("export") == "xlsx":
        rows = ((t.org.name, t.certificate.name, t.get_level_display(), t.province.name, t.start_date, t.end_date,
                 t.get_mode_display(), t.teachers_trained, _("是") if t.hubei_special else _("否"), t.note)
                for t in trainings_qs.iterator(chunk_size=2000))
        return xlsx_response(_("师资培训"), [_("培训评价组织"), _("证书"), _("等级"), _("省份"), _("开始日期"), _("结束日期"),
                                         _("培训形式"), _("培训教师人数"), _("计入湖北专项行动"), _("备注")], rows)
    return render(request, "assessments/trainings.html", {
        "page": Paginator(trainings_qs, 30).get_page(request.GET.get("page")),
        "totals": selectors.teacher_training_totals(trainings_qs), "may": selectors.trainings_page_access(actor),
        "tab": "teacher", **_filter_context(request, trainings_qs)})


def _teacher_form(request, *, initial=None):
    return TeacherTrainingForm(request.POST or None, initial=initial,
                               certificates=selectors.trainable_certificates(request.actor))


@login_required
def training_create(request):
    _require(request, "record")
    form = _teacher_form(request)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            trainings.teacher_training_create(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("师资培训已登记。"))
            return redirect("assessments:trainings")
    return render(request, "assessments/training_form.html", {"form": form, "training": None})


@login_required
def training_edit(request, pk: int):
    training = selectors.teacher_training_access(request.actor, pk).require("edit")
    initial = {name: getattr(training, name) for name in trainings.TEACHER_FIELDS}
    form = _teacher_form(request, initial=initial)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            trainings.teacher_training_update(actor=request.actor, training=training, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("师资培训记录已修改。"))
            return redirect("assessments:trainings")
    return render(request, "assessments/training_form.html", {"form": form, "training": training})


@login_required
@require_POST
def training_delete(request, pk: int):
    training = selectors.teacher_training_access(request.actor, pk).require("delete")
    if step := confirmation_step(request, title=_("删除师资培训记录"),
                                 consequence=_("这条师资培训记录将被删除，不再计入师资培训统计。"),
                                 confirm_label=_("确认删除"), cancel_url=reverse("assessments:trainings")):
        return step
    trainings.teacher_training_delete(actor=request.actor, training=training)
    messages.success(request, _("师资培训记录已删除。"))
    return redirect("assessments:trainings")


# --- certificate trainings -----------------------------------------------------------------------

@login_required
def certificate_training_list(request):
    actor = request.actor
    records = _filtered(request, selectors.certificate_trainings_visible(actor), date_field="month")
    if request.GET.get("export") == "xlsx":
        rows = ((r.org.name, r.certificate.name, r.get_level_display(), r.province.name, r.month.strftime("%Y-%m"),
                 r.students, r.social_learners, r.total) for r in records.iterator(chunk_size=2000))
        return xlsx_response(_("证书培训"), [_("培训评价组织"), _("证书"), _("等级"), _("省份"), _("月份"), _("培训学生人数"),
                                         _("培训社会学习者人数"), _("合计")], rows)
    return render(request, "assessments/training_certificates.html", {
        "page": Paginator(records, 30).get_page(request.GET.get("page")),
        "totals": selectors.certificate_training_totals(records), "may": selectors.trainings_page_access(actor),
        "tab": "certificate", **_filter_context(request, records)})


@login_required
def certificate_training_create(request):
    _require(request, "record")
    form = CertificateTrainingForm(request.POST or None, certificates=selectors.trainable_certificates(request.actor))
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            _record, outcome = trainings.certificate_training_save(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, {"created": _("证书培训已登记。"), "corrected": _("已更正该月的证书培训人数。"),
                                       "unchanged": _("填写内容与已有记录相同，未作修改。")}[outcome])
            return redirect("assessments:certificate_trainings")
    return render(request, "assessments/training_certificate_form.html", {"form": form})


@login_required
@require_POST
def certificate_training_delete(request, pk: int):
    record = selectors.certificate_training_access(request.actor, pk).require("delete")
    if step := confirmation_step(request, title=_("删除证书培训记录"),
                                 consequence=_("这条证书培训记录将被删除，不再计入证书培训统计。"),
                                 confirm_label=_("确认删除"), cancel_url=reverse("assessments:certificate_trainings")):
        return step
    trainings.certificate_training_delete(actor=request.actor, record=record)
    messages.success(request, _("证书培训记录已删除。"))
    return redirect("assessments:certificate_trainings")


# --- the Hubei special action --------------------------------------------------------------------

@login_required
def hubei_action(request):
    actor = request.actor
    rows = selectors.hubei_progress(actor)
    if request.GET.get("export") == "xlsx":
        data = ((r["org_name"], r["teachers_to_train"], r["teachers_trained"], r["candidates_to_assess"],
                 r["candidates_assessed"]) for r in rows)
        return xlsx_response(_("湖北专项行动"), [_("培训评价组织"), _("承诺培训教师人数"), _("已培训教师人数"),
                                           _("承诺考核人数"), _("已考核人数")], data)
    totals = {key: sum(r[key] or 0 for r in rows) for key in
              ("teachers_to_train", "teachers_trained", "candidates_to_assess", "candidates_assessed")}
    return render(request, "assessments/training_hubei.html", {
        "rows": rows, "totals": totals, "may": selectors.trainings_page_access(actor), "tab": "hubei"})


@login_required
def hubei_commitment(request):
    _require(request, "commit")
    current = selectors.own_hubei_commitment(request.actor)
    initial = {"teachers_to_train": current.teachers_to_train,
               "candidates_to_assess": current.candidates_to_assess} if current else None
    form = HubeiCommitmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            trainings.hubei_commitment_save(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("湖北专项行动承诺已保存。"))
            return redirect("assessments:hubei_action")
    return render(request, "assessments/training_hubei_form.html", {"form": form, "current": current})
