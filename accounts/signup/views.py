from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import personal_data
from accounts.forms import add_app_error, render_form
from accounts.personal_data import Field
from accounts.signup import services
from accounts.signup.forms import SignUpCodeForm, SignUpForm
from core.errors import AppError
from core.public_cache import public_page

_SESSION_KEY = "signup_token"


def _address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("pilot:home")
    form = SignUpForm(request.POST or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token = services.signup_start(
                name=data["name"], id_type=data["id_type"], id_number=data["id_number"], phone=data["phone"],
                password=data["password"], consent=data["consent"], activation_code=data["activation_code"],
                ip_address=_address(request))
        except AppError as error:
            add_app_error(form, error)
            refusal = error
        else:
            request.session[_SESSION_KEY] = token
            return redirect("accounts:signup_verify")
    return render_form(request, "accounts/signup.html", {
        "form": form, "signup_open": settings.SIGNUP_OPEN, "notice_version": settings.PRIVACY_NOTICE_VERSION},
        refusal=refusal)


@never_cache
def signup_verify(request):
    token = request.session.get(_SESSION_KEY, "")
    sign_up = services.signup_pending(token=token)
    if sign_up is None:
        messages.info(request, _("请先填写注册信息。"))
        return redirect("accounts:signup")
    form = SignUpCodeForm(request.POST if request.method == "POST" and "resend" not in request.POST else None)
    refusal = None
    if request.method == "POST" and "resend" in request.POST:
        try:
            services.signup_code_resend(token=token, ip_address=_address(request))
        except AppError as error:
            messages.error(request, str(error.message))
            refusal = error
        else:
            messages.success(request, _("验证码已重新发送。"))
            return redirect("accounts:signup_verify")
    elif request.method == "POST" and form.is_valid():
        try:
            services.signup_verify(token=token, code=form.cleaned_data["code"], ip_address=_address(request))
        except AppError as error:
            add_app_error(form, error)
            refusal = error
        else:
            request.session.pop(_SESSION_KEY, None)
            # The same words whatever the proof did: the page never tells whether an account existed.
            messages.success(request, _("手机号已验证，注册完成。请用手机号和密码登录。若无法登录，说明该证件号码或手机号"
                                        "此前已有账户：请用“激活账户 / 用代码重置密码”找回，或联系您的院校。"))
            return redirect("accounts:login")
    return render_form(request, "accounts/signup_verify.html", {
        "form": form, "phone": personal_data.masked(Field.PHONE, sign_up.phone),
        "minutes": settings.SMS_CODE_MINUTES}, refusal=refusal)


@public_page
def privacy_notice(request):
    return render(request, "accounts/privacy.html", {"notice_version": settings.PRIVACY_NOTICE_VERSION})
