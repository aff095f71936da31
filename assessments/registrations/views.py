"""Pages of registration (报名): the session page with its registrations and the org's roster, an
institution's file or form, a social learner's own registration, the candidate's sessions,
admission tickets and scores. What an actor may do and see comes from the selectors
(``session_access``, ``registration_access``); personal fields are rendered through the policy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.models import AssessmentSession, Registration, ScoreReview
from assessments.registrations import selectors as registrations_selectors
from assessments.registrations import services as registration_services
from assessments.registrations.forms import NameConfirmForm, RegistrationFilter, RegistrationForm, ReviewRequestForm
from assessments.registrations.imports import REGISTRATION_SCHEMA, id_type_labels
from assessments.registrations.pdf import admission_ticket_pdf
from assessments.registrations.services import RowErrors
from assessments.sessions import selectors as sessions_selectors
from assessments.sessions.forms import SessionCancelForm, UploadForm
from assessments.sessions.views import download, query_without_page, row_errors_context
from core.choices import filter_choices_answer
from core.confirmation import confirmation_step
from core.errors import AppError
from core.exports import xlsx_response
from core.tabular.writing import template_xlsx

HELD = (AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED)


def _institution_session(request, pk: int) -> AssessmentSession:
    return sessions_selectors.session_access(request.actor, pk).require("register")


# --- the session page and the roster ---------------------------------------------------------------

@login_required
def session_detail(request, pk: int):
    actor = request.actor
    access = sessions_selectors.session_access(actor, pk)
    session, may = access.obj, access.may
    is_open = sessions_selectors.is_open_for_registration(session)
    context = {"session": session, "access": access, "open": is_open,
               "page_may": sessions_selectors.sessions_page_access(actor),
               "summary": sessions_selectors.session_summary(session) if may.see_summary else None,
               "can_register": may.register and is_open,
               "cancel_form": SessionCancelForm() if may.cancel else None}
    if may.see_registrations:
        registrations = registrations_selectors.registrations_visible(actor).filter(session=session).order_by("pk")
        context["registration_page"] = Paginator(registrations, 50).get_page(request.GET.get("page"))
        context["registration_rows"] = list(registrations_selectors.registration_rows(
            actor, context["registration_page"]))
        context["show_scores"] = access.released or registrations_selectors.scores_before_release(actor)
    if may.self_register:
        mine = registrations_selectors.registrations_visible(actor).filter(session=session).first()
        context["mine"] = mine
        context["can_self_register"] = (is_open and (mine is None or mine.status == Registration.Status.CANCELLED)
                                        and not registrations_selectors.is_institution_student(actor.scope.person_id))
    return render(request, "assessments/session_detail.html", context)


@login_required
def session_roster(request, pk: int):
    """The roster (考生名单) as the org prints it for the session day, with the ID numbers the
    policy shows it (in full: it assesses them)."""
    session = sessions_selectors.session_access(request.actor, pk).require("export_roster")
    registrations = registrations_selectors.registrations_visible(request.actor).filter(
        session=session, status=Registration.Status.REGISTERED).order_by("institution__name", "pk")
    rows = ((index, a.obj.pk, a.obj.ticket_number, a.obj.person.name, a.obj.person.get_id_type_display(),
             a.show("id_number", a.obj.person.id_number),
             a.obj.institution.name if a.obj.institution else _("社会学习者"), a.obj.major_name,
             _("缺考") if a.obj.absent else "", a.show("score", getattr(getattr(a.obj, "result", None), "score", None)))
            for index, a in enumerate(registrations_selectors.registration_accesses(request.actor, registrations),
                                      start=1))
    headers = [_("序号"), _("报名号"), _("准考证号"), _("姓名"), _("证件类型"), _("证件号码"), _("院校"), _("专业"), _("缺考"),
               _("成绩")]
    return xlsx_response(_("考生名单"), headers, rows)


# --- registering -------------------------------------------------------------------------------------


@login_required
def registration_upload(request, pk: int):
    session = _institution_session(request, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"session": session, "form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = registration_services.registrations_import(actor=request.actor, session=session, upload=upload)
        except RowErrors as error:
            context.update(row_errors_context(request, schema=REGISTRATION_SCHEMA, upload=upload, error=error))
            status = 400
        except AppError as error:
            add_app_error(form, error)
            status = 400
        else:
            # The activation codes are shown on this response only: they are not stored in clear.
            return render(request, "assessments/registration_done.html",
                          {"session": session, "outcome": outcome, "from_file": True})
    return render(request, "assessments/registration_upload.html", context, status=status)


@login_required
def registration_template(request, pk: int):
    session = _institution_session(request, pk)
    content = template_xlsx(REGISTRATION_SCHEMA, choices={"id_type": id_type_labels()}, instructions=[
        _("批量报名模板：%(c)s（%(l)s），%(d)s，%(s)s。") % {"c": session.certificate.name, "l": session.get_level_display(),
                                                   "d": f"{session.date:%Y-%m-%d}", "s": session.site.name},
        _("每行填写一名学生。任何一行有错误时整个文件都不会保存，并列出每一行的错误。"),
        _("没有平台账户的学生报名后自动创建账户，一次性激活码只在上传成功后显示一次，请及时分发给学生。")])
    return download(content, f"{_('批量报名模板')}-{session.certificate.name}.xlsx")


@login_required
def registration_create(request, pk: int):
    session = _institution_session(request, pk)
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration, code = registration_services.registration_create(actor=request.actor, session=session,
                                                                            **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            if code is None:
                messages.success(request, _("%(name)s 已报名。") % {"name": registration.person.name})
                return redirect("assessments:session_detail", pk=pk)
            outcome = registration_services.RegistrationOutcome(created=1, codes=[code])
            return render(request, "assessments/registration_done.html", {"session": session, "outcome": outcome})
    return render(request, "assessments/registration_form.html", {"session": session, "form": form})


@login_required
@require_POST
def registration_self(request, pk: int):
    session = sessions_selectors.session_access(request.actor, pk).require("self_register")
    try:
        registration = registration_services.registration_self_create(actor=request.actor, session=session)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
        return redirect("assessments:session_detail", pk=pk)
    messages.success(request, _("报名成功。请下载准考证，按时参加考核。"))
    return redirect("assessments:registration_detail", pk=registration.pk)


@login_required
def registration_list(request):
    actor = request.actor
    filterset = RegistrationFilter(request.GET, queryset=registrations_selectors.registrations_visible(actor))
    if answer := filter_choices_answer(request, filterset, "certificate"):
        return answer
    registrations = filterset.qs.order_by("-session_date", "-pk")
    if request.GET.get("export") == "xlsx":
        def rows():
            for row in registrations_selectors.registration_rows(actor, registrations.iterator(chunk_size=2000)):
                r, result = row["r"], row["result"]
                yield (r.pk, r.person.name, row["id_number"], r.institution.name if r.institution else "", r.major_name,
                       r.session.certificate.name, r.get_level_display(), r.session_date, r.session.site.name,
                       r.get_channel_display(), r.get_status_display(), _("是") if r.absent else "",
                       result.score if result else None, (_("合格") if result.passed else _("不合格")) if result else "")
        return xlsx_response(_("报名"), [_("报名号"), _("姓名"), _("证件号码"), _("院校"), _("专业"), _("证书"), _("等级"),
                                       _("考核日期"), _("考点"), _("报名方式"), _("状态"), _("缺考"), _("成绩"), _("结果")],
                             rows())
    page = Paginator(registrations, 30).get_page(request.GET.get("page"))
    return render(request, "assessments/registration_list.html", {
        "filter": filterset, "page": page, "rows": list(registrations_selectors.registration_rows(actor, page)),
        "query": query_without_page(request), "may": sessions_selectors.sessions_page_access(actor)})


@login_required
def registration_detail(request, pk: int):
    actor = request.actor
    access = registrations_selectors.registration_access(actor, pk)
    registration, may = access.obj, access.may
    session = registration.session
    result = registrations_selectors.shown_result(access)
    reviews = list(registration.reviews.order_by("-requested_at"))
    account = getattr(registration.person, "user", None) if may.see_account else None
    registered = registration.status == Registration.Status.REGISTERED
    return render(request, "assessments/registration_detail.html", {
        "registration": registration, "session": session, "access": access,
        "id_number": access.show("id_number", registration.person.id_number),
        "ticket_number": registration.ticket_number, "result": result,
        "amendments": list(result.amendments.order_by("at")) if result is not None else [],
        "reviews": reviews, "can_ticket": may.download_ticket,
        "can_cancel": may.cancel and registered and getattr(registration, "result", None) is None
        and session.status in HELD,
        "can_confirm_name": may.confirm_name and registration.name_mismatch,
        "can_reissue": may.reissue_code and account is not None and not account.is_active
        and not account.has_usable_password(),
        "account": account,
        "can_request_review": may.request_review and result is not None
        and not any(r.status == ScoreReview.Status.REQUESTED for r in reviews),
        "can_edit_result": may.enter_score and registered and session.status in HELD,
        "can_amend": may.amend_score and result is not None and session.status == AssessmentSession.Status.FINALIZED,
        "name_form": NameConfirmForm(), "review_form": ReviewRequestForm()})


@login_required
def registration_ticket(request, pk: int):
    ticket = registrations_selectors.admission_ticket(registrations_selectors.registration_access(request.actor, pk))
    name = f"{_('准考证')}-{ticket['number']}.pdf"
    return download(admission_ticket_pdf(ticket), name, content_type="application/pdf")


@login_required
@require_POST
def registration_cancel(request, pk: int):
    registration = registrations_selectors.registration_access(request.actor, pk).require("cancel")
    if step := confirmation_step(request, title=_("取消报名"),
                                 consequence=_("该考生的这次考核报名将被取消，考点名额随之空出；如仍要参加，须重新报名。"),
                                 confirm_label=_("确认取消报名"),
                                 cancel_url=reverse("assessments:registration_detail", args=[pk])):
        return step
    try:
        registration_services.registration_cancel(actor=request.actor, registration=registration)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("报名已取消。"))
    return redirect("assessments:registration_detail", pk=pk)


@login_required
@require_POST
def registration_confirm_name(request, pk: int):
    registration = registrations_selectors.registration_access(request.actor, pk).require("confirm_name")
    form = NameConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择以哪个姓名为准。"))
        return redirect("assessments:registration_detail", pk=pk)
    try:
        registration_services.registration_name_confirm(actor=request.actor, registration=registration,
                                                        use_given=form.cleaned_data["choice"] == "given",
                                                        reason=form.cleaned_data["reason"])
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("姓名已确认。"))
    return redirect("assessments:registration_detail", pk=pk)


@login_required
@require_POST
def registration_reissue_code(request, pk: int):
    registration = registrations_selectors.registration_access(request.actor, pk).require("reissue_code")
    try:
        code = registration_services.registration_code_reissue(actor=request.actor, registration=registration)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
        return redirect("assessments:registration_detail", pk=pk)
    return render(request, "assessments/registration_code.html", {"registration": registration, "code": code})
