import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from accounts.scoping import actor_for
from core.errors import AppError

ACTIVE_BINDING_SESSION_KEY = "active_binding_id"
BULK_BODY = "bulk"


def wants_json(request) -> bool:
    """Whether refusals and errors are answered in JSON (the API) or as a page (everything else)."""
    return request.path.startswith("/api/")


def error_response(request, message, *, status: int, code: str = "invalid", headers: dict | None = None):
    """The one answer to a refused or failed request: JSON ``{"detail", "code"}`` under /api/, the
    Chinese error page elsewhere."""
    if wants_json(request):
        response = JsonResponse({"detail": str(message), "code": code}, status=status)
    else:
        response = render(request, "error.html", {"message": message, "status": status}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def bulk_body(view):
    """Mark a view (function or class) that takes a bulk JSON body (rows by the ten thousand): its
    body may be up to ``REQUEST_BULK_BODY_MAX_BYTES`` instead of ``REQUEST_BODY_MAX_BYTES``."""
    view.request_body = BULK_BODY
    return view


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

    ALWAYS_ALLOWED = ("/static/", "/i18n/", "/healthz", "/livez", "/account/2fa/", "/account/logout/", "/notices/",
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


class RequestBodyLimitMiddleware:
    """Refuse a request body over its limit with 413 BEFORE anything reads it.

    The limit: ``REQUEST_UPLOAD_MAX_BYTES`` for multipart uploads (each file is then checked against
    its own limit), ``REQUEST_BULK_BODY_MAX_BYTES`` for the views marked ``bulk_body``, and
    ``REQUEST_BODY_MAX_BYTES`` for every other body (JSON, forms). A declared Content-Length is
    checked as it is; a chunked body (no Content-Length, delimited by the server) is read up to the
    limit plus one byte (into a temporary file past ``REQUEST_BODY_MAX_BYTES``) and refused if there is
    more, else handed on.
    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` alone is not enough: DRF reads a JSON body straight from
    the stream, without that check.
    """

    BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.BODY_METHODS:
            return self.get_response(request)
        try:
            refused = self._check(request)
            return refused if refused is not None else self.get_response(request)
        finally:
            spool = getattr(request, "_spooled_body", None)
            if spool is not None:
                spool.close()

    def _check(self, request):
        # A chunked body the server delimits (gunicorn sets wsgi.input_terminated); without that flag
        # Django reads no body at all, so there is nothing to guard (and reading could block).
        chunked = ("chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
                   and bool(request.environ.get("wsgi.input_terminated")))
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, _("请求头 Content-Length 无效。"), status=400, code="bad_length")
        if not chunked and declared <= settings.REQUEST_BODY_MAX_BYTES:
            return None
        limit = self.limit_for(request)
        if chunked:
            declared = self._spool(request, limit)
        if declared > limit:
            return error_response(request, _("请求内容过大（上限 %(limit)s）。大量数据请分批提交，文件请通过上传功能提交。") % {
                "limit": filesizeformat(limit)}, status=413, code="body_too_large")
        return None

    @staticmethod
    def limit_for(request) -> int:
        if request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/form-data"):
            return settings.REQUEST_UPLOAD_MAX_BYTES
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            return settings.REQUEST_BODY_MAX_BYTES
        marker = getattr(view, "request_body", None) or getattr(getattr(view, "view_class", None), "request_body", None)
        return settings.REQUEST_BULK_BODY_MAX_BYTES if marker == BULK_BODY else settings.REQUEST_BODY_MAX_BYTES

    @staticmethod
    def _spool(request, limit: int) -> int:
        """Read a chunked body up to ``limit`` + 1 bytes; what was read becomes the request's body.
        Returns the bytes read (over ``limit``: the body is larger and the request is refused)."""
        source = request.environ["wsgi.input"]
        spool = tempfile.SpooledTemporaryFile(max_size=settings.REQUEST_BODY_MAX_BYTES)
        size = 0
        while size <= limit:
            piece = source.read(min(64 * 1024, limit + 1 - size))
            if not piece:
                break
            spool.write(piece)
            size += len(piece)
        spool.seek(0)
        request._stream = LimitedStream(spool, size)
        request.META["CONTENT_LENGTH"] = str(size)
        request._spooled_body = spool
        return size


class AppErrorMiddleware:
    """An AppError escaping a view becomes a page (or JSON) with its message, status and headers;
    a bare 405 (Django's ``require_POST`` and the like answer one without a body) becomes the same
    Chinese page or JSON, keeping its Allow header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not getattr(response, "streaming", False) and not response.content:
            explained = error_response(request, _("不支持此请求方法（%(method)s）。") % {"method": request.method},
                                       status=405, code="method_not_allowed")
            explained["Allow"] = response.get("Allow", "")
            return explained
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, AppError):
            return None
        return error_response(request, exception.message, status=exception.status, code=exception.code,
                              headers=exception.headers)
