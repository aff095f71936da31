from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.filings import selectors as filings_selectors
from assessments.trainers import selectors as trainers_selectors
from assessments.trainers import services as trainers
from assessments.trainers.filters import TrainerFilter
from assessments.trainers.forms import TrainerConfirmForm, TrainerForm
from core.choices import choices_answer, filter_choices_answer
from core.confirmation import confirmation_step
from core.errors import AppError, Forbidden
from core.exports import xlsx_response


@login_required
def trainer_list(request):
    actor = request.actor
    filterset = TrainerFilter(request.GET, queryset=trainers_selectors.trainer_records_visible(actor))
    if answer := filter_choices_answer(request, filterset, "certificate"):
        return answer
    records = filterset.qs
    if request.GET.get("export") == "xlsx":
        rows = ((a.obj.institution.name, a.obj.person.name, _id_number(a), a.obj.subject, a.obj.certificate.name,
                 a.obj.certificate.org.name, a.obj.training_date, _("是") if a.obj.reported_qualified else _("否"),
                 _status_label(a.obj))
                for a in trainers_selectors.trainer_accesses(actor, records.iterator(chunk_size=2000)))
        return xlsx_response(_("培训师资格"), [_("院校"), _("教师"), _("证件号码"), _("任教学科/专业"), _("证书"),
                                            _("培训评价组织"), _("培训日期"), _("院校填报合格"), _("确认状态")], rows)
    page = Paginator(records, 30).get_page(request.GET.get("page"))
    rows = [{"record": a.obj, "access": a, "id_number": _id_number(a), "status": _status_label(a.obj)}
            for a in trainers_selectors.trainer_accesses(actor, page)]
    query = request.GET.copy()
    query.pop("page", None)
    may = trainers_selectors.trainers_page_access(actor)
    return render(request, "assessments/trainers.html", {
        "filter": filterset, "page": page, "rows": rows, "query": query.urlencode(), "may": may})


def _id_number(access) -> str:
    """The teacher's ID number as the personal-data policy lets this actor see it."""
    return access.show("trainer_id_number", access.obj.person.id_number)


def _status_label(record) -> str:
    if not record.is_confirmed:
        return _("待培训评价组织确认")
    if not record.attendance_confirmed:
        return _("培训评价组织确认：未参训")
    return _("培训评价组织确认：合格培训师") if record.qualified else _("培训评价组织确认：参训，未合格")


@login_required
def trainer_create(request):
    if not trainers_selectors.trainers_page_access(request.actor).record:
        raise Forbidden()
    form = TrainerForm(request.POST or None, certificates=filings_selectors.certificates_fileable())
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            trainers.trainer_record_create(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("已登记，等待培训评价组织确认。"))
            return redirect("assessments:trainers")
    return render(request, "assessments/trainer_form.html", {"form": form, "record": None})


@login_required
def trainer_edit(request, pk: int):
    access = trainers_selectors.trainer_access(request.actor, pk)
    record = access.require("edit")
    initial = {"subject": record.subject, "certificate": record.certificate, "training_date": record.training_date,
               "reported_qualified": record.reported_qualified}
    form = TrainerForm(request.POST or None, initial=initial, certificates=filings_selectors.certificates_fileable(),
                       editing=True)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            trainers.trainer_record_update(actor=request.actor, record=record, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("记录已修改。"))
            return redirect("assessments:trainers")
    return render(request, "assessments/trainer_form.html", {
        "form": form, "record": record, "id_number": _id_number(access)})


@login_required
@require_POST
def trainer_delete(request, pk: int):
    record = trainers_selectors.trainer_access(request.actor, pk).require("delete")
    if step := confirmation_step(request, title=_("删除培训师资格记录"),
                                 consequence=_("这条培训师资格记录将被删除，不再计入培训师统计。"),
                                 confirm_label=_("确认删除"), cancel_url=reverse("assessments:trainers")):
        return step
    try:
        trainers.trainer_record_delete(actor=request.actor, record=record)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("记录已删除。"))
    return redirect("assessments:trainers")


@login_required
@require_POST
def trainer_confirm(request, pk: int):
    record = trainers_selectors.trainer_access(request.actor, pk).require("confirm")
    form = TrainerConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择是否参加培训以及是否合格。"))
        return redirect(f"{reverse('assessments:trainers')}#trainer-{record.pk}")
    try:
        trainers.trainer_record_confirm(actor=request.actor, record=record, attended=form.cleaned_data["attended"],
                                        qualified=form.cleaned_data["qualified"])
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已确认 %(name)s 的培训情况。") % {"name": record.person.name})
    return redirect(f"{reverse('assessments:trainers')}#trainer-{record.pk}")
