"""Pages of sites and assessment sessions (考点、考核批次), and the helpers the pipeline's upload
pages share (a rejected file kept for its error report). The session page itself lists the
session's registrations, so it lives with them (``assessments.registrations.views``); score entry
and finalization are in ``assessments.results.views``."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from assessments.sessions import selectors as sessions_selectors
from assessments.sessions import services as session_services
from assessments.sessions.forms import OpenSessionFilter, SessionCancelForm, SessionFilter, SessionForm, SiteForm
from core.choices import choices_answer, filter_choices_answer
from core.confirmation import confirmation_step
from core.errors import AppError, Forbidden, NotInScope
from core.exports import file_response, xlsx_response
from core.public_cache import public_page
from core.tabular.reading import read_table
from core.tabular.schema import XLSX_TYPE, CellError, Schema
from core.tabular.writing import error_report_xlsx

UPLOAD_KEEP_SECONDS = 3600


ERRORS_SHOWN = 200


def download(content: bytes, filename: str, content_type: str = XLSX_TYPE) -> HttpResponse:
    return file_response(content, filename, content_type)


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def rejected_upload_keep(request, *, schema: Schema, upload, error: AppError) -> str:
    """Keep a rejected file, the schema it was read with and its errors (``error.errors``, the
    CellErrors of a RowErrors) for an hour, so its error report (the user's rows with the wrong
    cells marked) can be downloaded; only by the user who uploaded it."""
    token = secrets.token_urlsafe(16)
    upload.seek(0)
    cache.set(f"assessments:rejected-upload:{token}", {
        "user": request.user.pk, "schema": schema, "name": upload.name, "content": upload.read(),
        "errors": [e.as_dict() for e in error.errors]}, UPLOAD_KEEP_SECONDS)
    return token


@login_required
def upload_errors(request, token: str):
    kept = cache.get(f"assessments:rejected-upload:{token}")
    if not kept or kept["user"] != request.user.pk:
        raise NotInScope(_("错误报告已过期（保留 1 小时），请重新上传文件查看错误。"))
    table = read_table(kept["content"], kept["schema"], name=kept["name"])
    content = error_report_xlsx(table, [CellError.from_dict(e) for e in kept["errors"]])
    return download(content, f"{_('错误报告')}-{kept['name'].rsplit('.', 1)[0]}.xlsx")


def row_errors_context(request, *, schema: Schema, upload, error: AppError) -> dict:
    """The page's account of a file refused for errors in its rows (a RowErrors)."""
    return {"row_errors": error.errors[:ERRORS_SHOWN], "error_count": error.error_count, "error_message": error.message,
            "error_token": rejected_upload_keep(request, schema=schema, upload=upload, error=error)}


def _require(request, action: str) -> None:
    """403 unless the session pages allow the actor ``action`` (sessions_page_access decides)."""
    if action not in sessions_selectors.sessions_page_access(request.actor):
        raise Forbidden()


@login_required
def site_list(request):
    sites = sessions_selectors.sites_visible(request.actor)
    if request.GET.get("export") == "xlsx":
        rows = ((s.org.name, s.code, s.name, s.province.name, s.city, s.address, s.institution.name if s.institution else "",
                 _("启用") if s.active else _("停用")) for s in sites.iterator(chunk_size=2000))
        return xlsx_response(_("考点"), [_("培训评价组织"), _("考点代码"), _("考点名称"), _("省份"), _("城市"), _("地址"),
                                       _("所在院校"), _("状态")], rows)
    return render(request, "assessments/session_sites.html", {
        "page": Paginator(sites, 50).get_page(request.GET.get("page")),
        "may": sessions_selectors.sessions_page_access(request.actor)})


@login_required
def site_create(request):
    _require(request, "schedule")
    form = SiteForm(request.POST or None)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            session_services.site_create(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("考点已登记。"))
            return redirect("assessments:sites")
    return render(request, "assessments/session_site_form.html", {"form": form, "site": None})


@login_required
def site_edit(request, pk: int):
    site = sessions_selectors.site_access(request.actor, pk).require("edit")
    initial = {"name": site.name, "province": site.province, "city": site.city, "address": site.address,
               "institution": site.institution, "active": site.active}
    form = SiteForm(request.POST or None, initial=initial, editing=True)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            session_services.site_update(actor=request.actor, site=site, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("考点已修改。"))
            return redirect("assessments:sites")
    return render(request, "assessments/session_site_form.html", {"form": form, "site": site})


@public_page
def open_sessions(request):
    """The public list of sessions open for registration (社会学习者报名): anyone reads it, without
    signing in; registering goes through the session page, which asks to sign in."""
    filterset = OpenSessionFilter(request.GET or None, queryset=sessions_selectors.sessions_open_public())
    sessions = filterset.qs
    if request.GET.get("export") == "xlsx":
        rows = ((s.date, s.start_time.strftime("%H:%M") if s.start_time else "", s.certificate.code, s.certificate.name,
                 s.get_level_display(), s.get_assessment_type_display(), s.org.name, s.province.name,
                 f"{s.site.city}{s.site.address}", s.site.name, s.capacity, max(s.seats_left, 0)) for s in sessions)
        return xlsx_response(_("可报名的考核批次"), [
            _("考核日期"), _("开始时间"), _("证书代码"), _("证书"), _("等级"), _("考核方式"), _("培训评价组织"),
            _("省份"), _("地址"), _("考点"), _("容量"), _("剩余名额")], rows)
    return render(request, "assessments/open_sessions.html", {
        "filter": filterset, "page": Paginator(sessions, 20).get_page(request.GET.get("page")),
        "query": query_without_page(request)})


@login_required
def session_list(request):
    actor = request.actor
    filterset = SessionFilter(request.GET, queryset=sessions_selectors.with_counts(sessions_selectors.sessions_visible(actor)))
    if answer := filter_choices_answer(request, filterset, "certificate"):
        return answer
    sessions = filterset.qs.order_by("-date", "-pk")
    if request.GET.get("export") == "xlsx":
        rows = ((s.pk, s.certificate.name, s.get_level_display(), s.get_assessment_type_display(), s.org.name,
                 s.site.code, s.site.name, s.province.name, s.date, s.capacity, s.registered, s.get_status_display())
                for s in sessions)
        return xlsx_response(_("考核批次"), [_("批次编号"), _("证书"), _("等级"), _("考核方式"), _("培训评价组织"), _("考点代码"),
                                         _("考点"), _("省份"), _("考核日期"), _("容量"), _("已报名"), _("状态")], rows)
    return render(request, "assessments/session_list.html", {
        "filter": filterset, "page": Paginator(sessions, 30).get_page(request.GET.get("page")),
        "query": query_without_page(request), "may": sessions_selectors.sessions_page_access(actor),
        "open_ids": set(sessions.filter(sessions_selectors.open_sessions_q()).values_list("pk", flat=True)[:500])})


def _session_form(request, *, data=None, initial=None, editing=False):
    return SessionForm(data, initial=initial, certificates=sessions_selectors.certificates_schedulable(request.actor),
                       sites=sessions_selectors.sites_usable(request.actor), editing=editing)


@login_required
def session_create(request):
    _require(request, "schedule")
    form = _session_form(request, data=request.POST or None)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            session = session_services.session_create(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("考核批次已安排，院校和社会学习者现在可以报名。"))
            return redirect("assessments:session_detail", pk=session.pk)
    has_sites = sessions_selectors.sites_usable(request.actor).exists()
    return render(request, "assessments/session_form.html", {
        "form": form, "session": None, "has_sites": has_sites,
        "refusal": sessions_selectors.scheduling_refusal(request.actor)})


@login_required
def session_edit(request, pk: int):
    session = sessions_selectors.session_access(request.actor, pk).require("edit")
    initial = {"site": session.site, "date": session.date, "start_time": session.start_time,
               "capacity": session.capacity, "examiners": session.examiners}
    form = _session_form(request, data=request.POST or None, initial=initial, editing=True)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        try:
            session_services.session_update(actor=request.actor, session=session, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("考核批次已修改。"))
            return redirect("assessments:session_detail", pk=session.pk)
    return render(request, "assessments/session_form.html", {
        "form": form, "session": session, "has_sites": True,
        "refusal": sessions_selectors.scheduling_refusal(request.actor)})


@login_required
@require_POST
def session_registration(request, pk: int):
    session = sessions_selectors.session_access(request.actor, pk).require("manage_registration")
    try:
        session_services.session_registration_set(actor=request.actor, session=session,
                                                  open=request.POST.get("open") == "1")
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已重新开放报名。") if request.POST.get("open") == "1" else _("已截止报名。"))
    return redirect("assessments:session_detail", pk=pk)


@login_required
@require_POST
def session_cancel(request, pk: int):
    session = sessions_selectors.session_access(request.actor, pk).require("cancel")
    if step := confirmation_step(request, title=_("取消考核批次"),
                                 subject=f"{session.certificate.name} · {session.date:%Y-%m-%d}",
                                 consequence=_("本考核批次将被取消，其全部报名一并取消。"),
                                 confirm_label=_("确认取消考核批次"),
                                 cancel_url=reverse("assessments:session_detail", args=[pk])):
        return step
    form = SessionCancelForm(request.POST)
    try:
        session_services.session_cancel(actor=request.actor, session=session,
                                        reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("考核批次已取消，其报名一并取消。"))
    return redirect("assessments:session_detail", pk=pk)
