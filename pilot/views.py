import sys

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from accounts.middleware import error_response
from core.api_errors import request_refusal
from core.confirmation import confirmation_step
from core.errors import AppError
from core.navigation import todos_for
from core.outage import is_outage, outage_response
from core.public_cache import public_page
from core.uploads import stored_file_open
from pilot import health, selectors, services
from pilot.forms import NoticeEditForm, NoticeForm
from pilot.public.views import public_home


def _actor_or_none(request):
    return request.actor if request.user.is_authenticated else None


@public_page
def home(request):
    """The portal's front door: the public home for visitors, the workbench for those signed in."""
    if not request.user.is_authenticated:
        return public_home(request)
    return workbench(request)


@login_required
def workbench(request):
    """The workbench (工作台): what this role has to do, its messages, and where to go."""
    actor = request.actor
    context = {
        "todos": todos_for(actor) if actor.binding else [],
        "recent_notifications": request.user.notifications.all()[:5],
        "recent_notices": selectors.notices_visible(None)[:5],  # as the public reads them
        **selectors.workbench(actor),
    }
    return render(request, "pilot/home.html", context)


@login_required
def provinces(request):
    return render(request, "pilot/provinces.html", {"provinces": selectors.provinces(request.actor)})


@login_required
def province_detail(request, code: str):
    province = selectors.province_for(request.actor, code)
    return render(request, "pilot/province_detail.html", {
        "province": province, "summary": selectors.province_summary(request.actor, province)})


@public_page
def notices(request):
    actor = _actor_or_none(request)
    qs = selectors.notices_visible(actor)
    category = request.GET.get("category", "")
    if category:
        qs = qs.filter(category=category)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "pilot/notices.html", {
        "page": page, "category": category, "query": f"category={category}" if category else "",
        "access": selectors.pilot_access(actor)})


@public_page
def notice_detail(request, pk: int):
    access = selectors.notice_get(_actor_or_none(request), pk)
    return render(request, "pilot/notice_detail.html", {"notice": access.obj, "access": access})


@public_page
def notice_attachment(request, pk: int):
    attachment = selectors.notice_attachment_get(_actor_or_none(request), pk)
    return FileResponse(stored_file_open(attachment.file), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


@login_required
def notice_create(request):
    selectors.pilot_access(request.actor).require("publish_notice")
    form = NoticeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        publish = request.POST.get("action") != "draft"
        try:
            notice = services.notice_create(actor=request.actor, title=data["title"], body=data["body"],
                                            category=data["category"], document_number=data["document_number"],
                                            attachments=data["attachments"], publish=publish)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("公告已发布。") if publish else _("草稿已保存，发布后公众才能看到。"))
            return redirect("pilot:notice_detail", pk=notice.pk)
    return render(request, "pilot/notice_form.html", {"form": form, "notice": None})


@login_required
def notice_edit(request, pk: int):
    notice = selectors.notice_get(request.actor, pk).require("edit")
    initial = {"title": notice.title, "category": notice.category, "document_number": notice.document_number,
               "body": notice.body}
    form = NoticeEditForm(request.POST or None, request.FILES or None, initial=initial, notice=notice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.notice_update(actor=request.actor, notice=notice, title=data["title"], body=data["body"],
                                   category=data["category"], document_number=data["document_number"],
                                   attachments=data["attachments"], remove_attachments=data["remove_attachments"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("公告已修改。"))
            return redirect("pilot:notice_detail", pk=notice.pk)
    return render(request, "pilot/notice_form.html", {"form": form, "notice": notice})


@login_required
@require_POST
def notice_publish(request, pk: int):
    notice = selectors.notice_get(request.actor, pk).obj
    services.notice_publish(actor=request.actor, notice=notice)
    messages.success(request, _("公告已发布。"))
    return redirect("pilot:notice_detail", pk=pk)


@login_required
@require_POST
def notice_withdraw(request, pk: int):
    access = selectors.notice_get(request.actor, pk)
    notice = access.obj
    if access.may.withdraw and (step := confirmation_step(
            request, title=_("撤回公告"), subject=notice.title,
            consequence=_("该公告将撤回，不再对外公开显示。"), confirm_label=_("确认撤回"),
            cancel_url=reverse("pilot:notice_detail", args=[pk]))):
        return step
    services.notice_withdraw(actor=request.actor, notice=notice)
    messages.success(request, _("公告已撤回。"))
    return redirect("pilot:notices")


@never_cache
def healthz(request):
    broker = health.broker_status()
    # Workers are reached through the broker: with the broker down, asking them only adds seconds.
    worker = health.worker_status() if broker["ok"] else {"ok": False, "error": "broker unreachable", "workers": 0}
    status = {"database": health.database_status(), "broker": broker, "worker": worker}
    healthy = status["database"]["ok"] and status["broker"]["ok"]
    status["status"] = "ok" if healthy and status["worker"]["ok"] else ("degraded" if healthy else "down")
    return JsonResponse(status, status=200 if healthy else 503)


@never_cache
def livez(request):
    """The process answers: nothing behind it is asked (a load balancer's liveness probe; /healthz
    is the readiness check with the database, broker and workers). It passes the whole middleware
    stack like every page, so the verification bench measures its floor against it."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def csrf_failure(request, reason=""):
    return render(request, "error.html", {
        "message": _("页面已过期或请求来源无法验证，请刷新页面后重试。"), "status": 403}, status=403)


def bad_request(request, exception=None):
    """Django refused the request while reading it (too many fields, a body over the limit...)."""
    status, code, message = request_refusal(exception) or (400, "bad_request", _("请求无法处理，请检查后重试。"))
    return error_response(request, message, status=status, code=code)


def page_not_found(request, exception=None):
    return error_response(request, _("未找到该页面或记录，或您无权查看。"), status=404, code="not_found")


def permission_denied(request, exception=None):
    return error_response(request, _("您的角色无权执行此操作。"), status=403, code="forbidden")


def server_error(request):
    # An outage met outside a view (loading the session, rendering another error page) lands here.
    if is_outage(sys.exc_info()[1]):
        return outage_response(request, sys.exc_info()[1])
    return error_response(request, _("系统出现错误，请稍后再试。"), status=500, code="server_error")
