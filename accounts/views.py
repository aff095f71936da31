import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors, services
from accounts.audit_display import audit_rows, audit_rows_chunked
from accounts.forms import (
    ActivateForm,
    AuditFilterForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    StaffAccountForm,
    add_app_error,
    render_form,
)
from accounts.middleware import ACTIVE_BINDING_SESSION_KEY
from accounts.models import ActivationCode, Notification
from core.confirmation import confirmation_step
from core.errors import AppError
from core.exports import xlsx_response


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request, reverse("pilot:home")))
    form = LoginForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_authenticate(request=request, username=form.cleaned_data["username"],
                                               password=form.cleaned_data["password"])
        except AppError as error:
            add_app_error(form, error)
            refusal = error
        else:
            login(request, user)
            return redirect(_safe_next(request, reverse("pilot:home")))
    session_expired = request.method == "GET" and "next" in request.GET
    return render_form(request, "accounts/login.html", {
        "form": form, "next": _safe_next(request, ""), "session_expired": session_expired,
        "email_reset": settings.EMAIL_CONFIGURED}, refusal=refusal)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect("accounts:login")


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _current_token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@login_required
def otp_verify(request):
    """Second step of sign-in for ministry and provincial staff; first-time users enrol here."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request, reverse("pilot:home")))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name=_("手机令牌"), confirmed=False)
    form = OtpForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            services.otp_device_verify(user=user, device=device, token=form.cleaned_data["token"])
        except AppError as error:
            add_app_error(form, error)
            refusal = error
        else:
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("pilot:home")))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request, "")}
    if enrolling:
        context.update(qr=_qr_data_uri(device.config_url), secret=base64.b32encode(device.bin_key).decode())
    if settings.DEMO_MODE:
        context["demo_token"] = _current_token(device)
    return render_form(request, "accounts/otp.html", context, refusal=refusal)


def activate_view(request):
    form = ActivateForm(request.POST or None, initial={"username": request.GET.get("username", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.account_activate(username=form.cleaned_data["username"], code=form.cleaned_data["code"],
                                      password=form.cleaned_data["password"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("账户已激活，请用新密码登录。"))
            return redirect("accounts:login")
    return render(request, "accounts/activate.html", {"form": form})


def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_by_email(email=form.cleaned_data["email"])
        messages.info(request, _("如果该邮箱对应一个有效账户，重置码已发送到该邮箱。"))
        return redirect("accounts:activate")
    return render(request, "accounts/password_reset.html", {"form": form, "email_reset": settings.EMAIL_CONFIGURED})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                     new_password=form.cleaned_data["new_password"])
        except AppError as error:
            add_app_error(form, error)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("pilot:home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
@require_POST
def role_switch(request):
    binding = request.user.role_bindings.filter(pk=request.POST.get("binding")).first()
    if binding is None:
        messages.error(request, _("该身份不存在。"))
    else:
        request.session[ACTIVE_BINDING_SESSION_KEY] = binding.pk
        messages.success(request, _("已切换为“%(role)s”身份。") % {"role": binding.get_role_display()})
    return redirect("pilot:home")


@login_required
def notifications(request):
    qs = Notification.objects.filter(user=request.user)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request):
    services.notification_mark_read(user=request.user, notification_id=request.POST.get("id") or None)
    target = request.POST.get("link")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("accounts:notifications")


@login_required
def users_list(request):
    users = selectors.users_manageable(request.actor)
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(username__icontains=query) | users.filter(full_name__icontains=query)
    if request.GET.get("inactive"):
        users = users.filter(is_active=False)
    if request.GET.get("export") == "xlsx":
        rows = ((u.username, u.full_name, "、".join(b.get_role_display() for b in u.role_bindings.all()),
                 "、".join(b.province.name for b in u.role_bindings.all() if b.province),
                 _("已激活") if u.is_active else _("未激活"), u.date_joined) for u in users)
        return xlsx_response(_("账户列表"), [_("用户名"), _("姓名"), _("角色"), _("省份"), _("状态"), _("创建时间")], rows)
    page = Paginator(users, 30).get_page(request.GET.get("page"))
    return render(request, "accounts/users.html", {
        "page": page, "query": query, "access": selectors.account_admin_access(request.actor)})


@login_required
def user_create(request):
    selectors.account_admin_access(request.actor).require("create_staff")
    form = StaffAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, code = services.user_create(actor=request.actor, username=data["username"],
                                              full_name=data["full_name"], email=data["email"], phone=data["phone"],
                                              role=data["role"], province=data["province"])
        except AppError as error:
            add_app_error(form, error)
        else:
            return render(request, "accounts/code_issued.html", {"managed": user, "code": code, "created": True})
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail(request, pk: int):
    access = selectors.user_manageable_get(request.actor, pk)
    return render(request, "accounts/user_detail.html", {
        "managed": access.obj, "access": access, "bindings": access.obj.role_bindings.all()})


@login_required
@require_POST
def user_action(request, pk: int):
    user = selectors.user_manageable_get(request.actor, pk).obj
    action = request.POST.get("action")
    if action == "disable" and (step := confirmation_step(
            request, title=_("停用账户"), subject=user.username,
            consequence=_("该账户将被停用，持有人不能再登录，直到重新启用。"), confirm_label=_("确认停用"),
            cancel_url=reverse("accounts:user_detail", args=[pk]))):
        return step
    try:
        if action in ("activation_code", "reset_code"):
            purpose = ActivationCode.Purpose.ACTIVATE if not user.is_active and not user.has_usable_password() \
                else ActivationCode.Purpose.RESET
            code = services.activation_code_issue(actor=request.actor, user=user, purpose=purpose)
            return render(request, "accounts/code_issued.html", {"managed": user, "code": code, "created": False})
        if action == "unlock":
            services.user_unlock(actor=request.actor, user=user)
            messages.success(request, _("账户已解锁。"))
        elif action in ("disable", "enable"):
            services.user_set_active(actor=request.actor, user=user, active=action == "enable")
            messages.success(request, _("账户状态已更新。"))
        else:
            messages.error(request, _("未知操作。"))
    except AppError as error:
        messages.error(request, str(error.message))
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
def audit_log_view(request):
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"action": data["action"], "search": data["q"].strip(), "actor_name": data["actor_name"].strip(),
                   "date_from": data["date_from"], "date_to": data["date_to"],
                   "province": data["province"].pk if data["province"] else ""}
    entries = selectors.audit_entries(request.actor, **filters)
    if request.GET.get("export") == "xlsx":
        rows = ((r.entry.at, r.actor, r.role, r.action, r.object_type, r.object,
                 r.entry.province.name if r.entry.province else "", r.changes_text(), r.entry.note)
                for r in audit_rows_chunked(entries[:100000]))
        return xlsx_response(_("审计日志"), [_("时间"), _("操作人"), _("角色"), _("操作"), _("对象类型"), _("对象"),
                                          _("省份"), _("变更内容"), _("说明")], rows)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit_log.html", {"form": form, "page": page, "rows": audit_rows(page),
                                                       "query": query.urlencode()})
