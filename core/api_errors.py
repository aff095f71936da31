"""The API side of the one application error: AppError -> JSON with its status (and headers, such
as a throttle's Retry-After); a request Django itself refuses (a body over the limit, too many
fields, an unreadable body) -> a 4xx JSON, never a server error."""

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import UnreadablePostError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import AppError


def exception_handler(exc, context):
    if isinstance(exc, AppError):
        body = {"detail": str(exc.message), "code": exc.code}
        if exc.field:
            body["field"] = exc.field
        if exc.details:
            body["errors"] = exc.details
        return Response(body, status=exc.status, headers=exc.headers)
    refused = request_refusal(exc)
    if refused is not None:
        status, code, message = refused
        return Response({"detail": message, "code": code}, status=status)
    return drf_exception_handler(exc, context)


def request_refusal(exc) -> tuple[int, str, str] | None:
    """(status, code, message) for a request Django refuses while reading it, else None."""
    from django.utils.translation import gettext as _

    if isinstance(exc, RequestDataTooBig):
        return 413, "body_too_large", _("请求内容过大。大量数据请分批提交，文件请通过上传功能提交。")
    if isinstance(exc, SuspiciousOperation):
        return 400, "bad_request", _("请求无法处理（字段或文件过多，或格式不正确）。")
    if isinstance(exc, UnreadablePostError):
        return 400, "unreadable_body", _("请求内容未能完整接收，请重试。")
    return None
