"""What a request gets while the database (or Redis) is unreachable: 503 with ``Retry-After``.

A Chinese page (JSON ``{"detail", "code"}`` under /api/) rendered by a template engine of its own,
without context processors, the user or the session: every one of those may need the database that
is down, and the branded error page used to fail on it and leave the visitor gunicorn's bare text.
The middleware catches the outage wherever a view meets it; the 500 handler (pilot.views.server_error)
answers the same when it meets it outside a view (loading the session, rendering another error page).
"""

import functools
import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import Context, Engine
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def outage_errors() -> tuple[type[BaseException], ...]:
    """The errors that mean "a service we depend on is unreachable", not "our code is wrong"."""
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    redis_exceptions = sys.modules.get("redis.exceptions")  # loaded only where Redis is configured
    if redis_exceptions is not None:
        errors += [redis_exceptions.ConnectionError, redis_exceptions.TimeoutError]
    broker_exceptions = sys.modules.get("kombu.exceptions")  # a task sent while the broker is down
    if broker_exceptions is not None:
        errors.append(broker_exceptions.OperationalError)
    return tuple(errors)


def is_outage(exc: BaseException | None) -> bool:
    return exc is not None and isinstance(exc, outage_errors())


@functools.cache
def _engine() -> Engine:
    return Engine(dirs=[settings.BASE_DIR / "templates"],
                  libraries={"i18n": "django.templatetags.i18n", "static": "django.templatetags.static"})


def outage_response(request, exc: BaseException | None = None):
    retry_after = settings.OUTAGE_RETRY_AFTER
    request_id = getattr(request, "request_id", "")
    message = _("系统正在维护或暂时无法连接数据库，请稍后再试。")
    logger.error("service unavailable: %s", exc.__class__.__name__ if exc else "outage")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "unavailable", "request_id": request_id}, status=503)
    else:
        html = _engine().get_template("503.html").render(Context({
            "message": message, "retry_after": retry_after, "request_id": request_id,
            "language": get_language() or settings.LANGUAGE_CODE}))
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class OutageMiddleware:
    """A view that meets an unreachable database or Redis answers 503 instead of 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return outage_response(request, exception) if is_outage(exception) else None
