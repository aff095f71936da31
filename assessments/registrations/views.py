"""Pages of registration (报名): an institution's file or form, a social learner's own registration,
the candidate's sessions, admission tickets, scores, score reviews and the org's amendments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from accounts.models import Role
from accounts.scoping import require_role
from assessments.models import AssessmentSession, Registration, ScoreReview
from assessments.registrations import selectors as registrations_selectors
from assessments.registrations import services as registration_services
from assessments.registrations.forms import NameConfirmForm, RegistrationFilter, RegistrationForm
from assessments.registrations.imports import REGISTRATION_SCHEMA, id_type_labels
from assessments.registrations.pdf import admission_ticket_pdf
from assessments.registrations.services import RowErrors
from assessments.results import selectors as results_selectors
from assessments.results.forms import ReviewRequestForm
from assessments.sessions import selectors as sessions_selectors
from assessments.sessions.forms import UploadForm
from assessments.sessions.views import download, query_without_page, row_errors_context
from core.errors import AppError, Forbidden
from core.exports import xlsx_response
from core.tabular.writing import template_xlsx


def _institution_session(request, pk: int) -> AssessmentSession:
    session = sessions_selectors.session_get(request.actor, pk)
    require_role(request.actor, Role.INSTITUTION)
    return session


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
            context.update(row_errors_context(request, kind="registration", upload=upload, error=error))
            status = 400
        except AppError as error:
            add_app_error(form, error)
            status = 400
        else:
            # The activation codes are shown on this response only: they are not stored in clear.
            return render(request, "assessments/registration_done.html", {"session": session, "outcome": outcome})
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
    session = sessions_selectors.session_get(request.actor, pk)
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
    registrations = filterset.qs.order_by("-session_date", "-pk")
    if request.GET.get("export") == "xlsx":
        def rows():
            for r in registrations.iterator(chunk_size=2000):
                shown = results_selectors.result_visible_to(actor, r) and hasattr(r, "result")
                yield (r.pk, r.person.name, registrations_selectors.id_display(actor, r),
                       r.institution.name if r.institution else "", r.major_name, r.session.certificate.name,
                       r.get_level_display(), r.session_date,
                       r.session.site.name, r.get_channel_display(), r.get_status_display(), _("是") if r.absent else "",
                       r.result.score if shown else None, (_("合格") if r.result.passed else _("不合格")) if shown else "")
        return xlsx_response(_("报名"), [_("报名号"), _("姓名"), _("证件号码"), _("院校"), _("专业"), _("证书"), _("等级"),
                                       _("考核日期"), _("考点"), _("报名方式"), _("状态"), _("缺考"), _("成绩"), _("结果")],
                             rows())
    page = Paginator(registrations, 30).get_page(request.GET.get("page"))
    rows = [{"r": r, "id_number": registrations_selectors.id_display(actor, r),
             "result": r.result if results_selectors.result_visible_to(actor, r) and hasattr(r, "result") else None}
            for r in page]
    return render(request, "assessments/registration_list.html", {
        "filter": filterset, "page": page, "rows": rows, "query": query_without_page(request),
        "is_student": actor.role == Role.STUDENT})


@login_required
def registration_detail(request, pk: int):
    actor = request.actor
    registration = registrations_selectors.registration_get(actor, pk)
    session = registration.session
    result = registration.result if hasattr(registration, "result") else None
    visible = results_selectors.result_visible_to(actor, registration)
    is_own_student = actor.role == Role.STUDENT and registration.person_id == actor.scope.person_id
    is_registrant = (actor.role == Role.INSTITUTION and registration.institution_id == actor.binding.scope_id) or (
        is_own_student and registration.channel == Registration.Channel.SELF)
    is_org = actor.role == Role.ORG and registration.org_id == actor.scope.org_id
    reviews = list(registration.reviews.order_by("-requested_at"))
    account = getattr(registration.person, "user", None)
    return render(request, "assessments/registration_detail.html", {
        "registration": registration, "session": session, "id_number": registrations_selectors.id_display(actor, registration),
        "ticket_number": registrations_selectors.ticket_number(registration), "result": result if visible else None,
        "amendments": list(result.amendments.order_by("at")) if result is not None and visible else [],
        "reviews": reviews, "can_ticket": registrations_selectors.may_download_ticket(actor, registration),
        "can_cancel": is_registrant and registration.status == Registration.Status.REGISTERED and result is None
        and session.status in (AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED),
        "can_confirm_name": actor.role == Role.INSTITUTION and is_registrant and registration.name_mismatch,
        "can_reissue": actor.role == Role.INSTITUTION and is_registrant and account is not None
        and not account.is_active and not account.has_usable_password(),
        "account": account if actor.role == Role.INSTITUTION and is_registrant else None,
        "can_request_review": is_own_student and result is not None and visible
        and not any(r.status == ScoreReview.Status.REQUESTED for r in reviews),
        "can_edit_result": is_org and registration.status == Registration.Status.REGISTERED
        and session.status in (AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED),
        "can_amend": is_org and result is not None and session.status == AssessmentSession.Status.FINALIZED,
        "name_form": NameConfirmForm(), "review_form": ReviewRequestForm()})


@login_required
def registration_ticket(request, pk: int):
    registration = registrations_selectors.registration_get(request.actor, pk)
    if not registrations_selectors.may_download_ticket(request.actor, registration):
        raise Forbidden(_("只有考生本人和报名院校可以下载准考证（已取消的报名没有准考证）。"))
    name = f"{_('准考证')}-{registrations_selectors.ticket_number(registration)}.pdf"
    return download(admission_ticket_pdf(registration), name, content_type="application/pdf")


@login_required
@require_POST
def registration_cancel(request, pk: int):
    registration = registrations_selectors.registration_get(request.actor, pk)
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
    registration = registrations_selectors.registration_get(request.actor, pk)
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
    registration = registrations_selectors.registration_get(request.actor, pk)
    try:
        code = registration_services.registration_code_reissue(actor=request.actor, registration=registration)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
        return redirect("assessments:registration_detail", pk=pk)
    return render(request, "assessments/registration_code.html", {"registration": registration, "code": code})
