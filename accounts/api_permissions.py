from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission


class IsVerifiedUser(BasePermission):
    """Signed in; and a browser session of ministry or provincial staff has passed the second
    factor (API tokens are issued to systems and stand on their own)."""

    message = _("请先登录并完成双因素认证。")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.successful_authenticator, SessionAuthentication):
            needs_otp = user.role_bindings.filter(role__in=settings.TWO_FACTOR_ROLES).exists()
            return not needs_otp or user.is_verified()
        return True
