"""Pages of scores (成绩): the org's score entry, absences and finalization of a session, one
candidate's score, amendments after finalization, and score reviews. What an actor may do comes
from the selectors (``session_access``, ``registration_access``, ``result_access``,
``review_access``); personal fields are rendered through the policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.models import AssessmentSession, Registration, Result
from assessments.registrations import selectors as registrations_selectors
from assessments.registrations.forms import ReviewRequestForm
from assessments.registrations.services import RowErrors
from assessments.results import selectors as results_selectors
from assessments.results import services as result_services
from assessments.results.forms import AmendForm, ResultForm, ReviewAnswerForm, ReviewFilter
from assessments.results.imports import RESULT_SCHEMA
from assessments.sessions import selectors as sessions_selectors
from assessments.sessions.forms import UploadForm
from assessments.sessions.views import download, query_without_page, row_errors_context
from core.errors import AppError
from core.exports import xlsx_bytes, xlsx_response


def _session(request, pk: int, action: str) -> AssessmentSession:
    """A session the actor may ``action`` (its org): 404 outside its scope, 403 for other roles."""
    return sessions_selectors.session_access(request.actor, pk).require(action)


def _registered(request, session: AssessmentSession):
    """The session's active registrations (rendered through ``registration_rows``)."""
    return registrations_selectors.registrations_visible(request.actor).filter(
        session=session, status=Registration.Status.REGISTERED).order_by("pk")


@login_required
def result_edit(request, pk: int):
    registration = registrations_selectors.registration_access(request.actor, pk).require("enter_score")
    result = Result.objects.filter(registration=registration).first()
    form = ResultForm(request.POST or None, initial={"score": result.score if result else "",
                                                     "absent": registration.absent})
    if request.method == "POST" and form.is_valid():
        try:
            result_services.result_save(actor=request.actor, registration=registration,
                                        score=form.cleaned_data["score"], absent=form.cleaned_data["absent"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("已保存 %(name)s 的成绩。") % {"name": registration.person.name})
            return redirect("assessments:session_results", pk=registration.session_id)
    return render(request, "assessments/result_form.html", {"registration": registration, "form": form,
                                                             "result": result})


@login_required
def result_amend(request, pk: int):
    result = results_selectors.result_access(request.actor, pk).require("amend_score")
    form = AmendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result_services.result_amend(actor=request.actor, result=result, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("成绩已更正，更正记录已保存。"))
            return redirect("assessments:registration_detail", pk=result.registration_id)
    return render(request, "assessments/result_amend.html", {"result": result, "form": form,
                                                              "registration": result.registration})


@login_required
@require_POST
def review_request(request, pk: int):
    registration = registrations_selectors.registration_access(request.actor, pk).obj
    form = ReviewRequestForm(request.POST)
    try:
        registration_reason = form.cleaned_data["reason"] if form.is_valid() else ""
        result_services.score_review_request(actor=request.actor, registration=registration, reason=registration_reason)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("复核申请已提交，培训评价组织答复后会通知您。"))
    return redirect("assessments:registration_detail", pk=pk)


@login_required
def review_list(request):
    actor = request.actor
    filterset = ReviewFilter(request.GET, queryset=results_selectors.reviews_visible(actor))
    reviews = filterset.qs
    if request.GET.get("export") == "xlsx":
        rows = ((r.pk, r.registration.person.name, r.registration.session.certificate.name,
                 r.registration.get_level_display(), r.registration.session_date, r.reason, r.get_status_display(),
                 r.answer, r.requested_at, r.answered_at) for r in reviews)
        return xlsx_response(_("成绩复核"), [_("编号"), _("考生"), _("证书"), _("等级"), _("考核日期"), _("复核理由"), _("状态"),
                                         _("答复"), _("申请时间"), _("答复时间")], rows)
    page = Paginator(reviews, 30).get_page(request.GET.get("page"))
    return render(request, "assessments/result_reviews.html", {
        "filter": filterset, "page": page, "rows": [results_selectors.review_access_of(actor, r) for r in page],
        "query": query_without_page(request), "may": sessions_selectors.sessions_page_access(actor)})


@login_required
def review_answer(request, pk: int):
    access = results_selectors.review_access(request.actor, pk)
    review = access.require("answer")
    form = ReviewAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result_services.score_review_answer(actor=request.actor, review=review, amend=data["outcome"] == "amended",
                                                answer=data["answer"], score=data["score"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("已答复复核申请。"))
            return redirect("assessments:reviews")
    registration = review.registration
    return render(request, "assessments/result_review_answer.html", {
        "review": review, "registration": registration, "form": form, "access": access,
        "id_number": access.show("id_number", registration.person.id_number)})


@login_required
def session_results(request, pk: int):
    """The org's score entry for one session: upload a file, or enter one score at a time."""
    access = sessions_selectors.session_access(request.actor, pk)
    session = access.require("enter_results")
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"session": session, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = result_services.results_import(actor=request.actor, session=session, upload=upload)
        except RowErrors as error:
            context.update(row_errors_context(request, schema=RESULT_SCHEMA, upload=upload, error=error))
            status = 400
        except AppError as error:
            add_app_error(form, error)
            status = 400
        else:
            messages.success(request, _("成绩已保存：新录入 %(r)d 人，更正 %(c)d 人，缺考 %(a)d 人，未变化 %(u)d 人，"
                                        "未填写成绩而跳过 %(s)d 行。") % {
                "r": outcome.recorded, "c": outcome.corrected, "a": outcome.absent, "u": outcome.unchanged,
                "s": outcome.skipped})
            return redirect("assessments:session_results", pk=pk)
    page = Paginator(_registered(request, session), 100).get_page(request.GET.get("page"))
    context.update({"summary": sessions_selectors.session_summary(session), "page": page,
                    "rows": list(registrations_selectors.registration_rows(request.actor, page)),
                    "results_open": access.may.record_results,
                    "results_window": sessions_selectors.results_window(session)})
    return render(request, "assessments/session_results.html", context, status=status)


@login_required
def result_sheet(request, pk: int):
    """The score sheet: the session's roster in the upload's columns, scores to fill in."""
    session = _session(request, pk, "enter_results")
    rows = ((row["r"].pk, row["id_number"], row["r"].person.name,
             _("缺考") if row["r"].absent else getattr(row["result"], "score", None))
            for row in registrations_selectors.registration_rows(request.actor, _registered(request, session)))
    content = xlsx_bytes([c.header for c in RESULT_SCHEMA.columns], rows, sheet_title=RESULT_SCHEMA.sheet_title)
    return download(content, f"{_('成绩录入表')}-{session.certificate.name}-{session.date:%Y%m%d}.xlsx")


@login_required
@require_POST
def session_absence(request, pk: int):
    session = _session(request, pk, "enter_results")
    ids = [int(v) for v in request.POST.getlist("registration") if v.isdigit()]
    absent = request.POST.get("absent") != "0"
    if not ids:
        messages.error(request, _("请先勾选考生。"))
        return redirect("assessments:session_results", pk=pk)
    try:
        count = result_services.registrations_absence_mark(actor=request.actor, session=session,
                                                           registration_ids=ids, absent=absent)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, (_("已将 %(n)d 名考生标记为缺考。") if absent else _("已取消 %(n)d 名考生的缺考标记。"))
                         % {"n": count})
    return redirect("assessments:session_results", pk=pk)


@login_required
def session_finalize(request, pk: int):
    session = _session(request, pk, "finalize")
    if request.method == "POST":
        try:
            outcome = result_services.session_finalize(actor=request.actor, session=session)
        except AppError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("成绩已确认并锁定：合格 %(p)d 人，不合格 %(f)d 人，缺考 %(a)d 人；"
                                        "%(r)d 名合格考生已交付发证。") % {
                "p": outcome.passed, "f": outcome.failed, "a": outcome.absent, "r": outcome.issuance_requests})
            return redirect("assessments:session_detail", pk=pk)
    return render(request, "assessments/session_finalize.html", {
        "session": session, "summary": sessions_selectors.session_summary(session)})
