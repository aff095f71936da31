"""The API side of the one application error: AppError -> JSON with its status."""

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
        return Response(body, status=exc.status)
    return drf_exception_handler(exc, context)
