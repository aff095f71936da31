from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.scoping import actor_for
from core.errors import AppError

ACTIVE_BINDING_SESSION_KEY = "active_binding_id"


class ActorMiddleware:
    """``request.actor``: the signed-in user acting in their chosen role binding.

    Lazy, so that API views, whose token authentication runs later, see the authenticated user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.actor = SimpleLazyObject(
            lambda: actor_for(request.user, request.session.get(ACTIVE_BINDING_SESSION_KEY)))
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Ministry and provincial staff reach nothing but the second-factor pages until verified."""

    ALWAYS_ALLOWED = ("/static/", "/i18n/", "/healthz", "/account/2fa/", "/account/logout/", "/notices/",
                      "/favicon.ico")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: API and static requests never load the session or the user here.
        if request.path.startswith(self.ALWAYS_ALLOWED) or request.path.startswith("/api/"):
            return self.get_response(request)
        user = request.user
        if (user.is_authenticated
                and not user.is_verified()
                and user.role_bindings.filter(role__in=settings.TWO_FACTOR_ROLES).exists()):
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.get_full_path()}")
        return self.get_response(request)


class AppErrorMiddleware:
    """An AppError escaping a view becomes a page (or JSON) with its message and status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AppError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(exception.message), "code": exception.code},
                                status=exception.status)
        return render(request, "error.html", {"message": exception.message, "status": exception.status},
                      status=exception.status)
