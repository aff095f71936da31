"""The one application error type. Views, forms and the API map it to the user in one place."""

import math

from django.utils.functional import Promise


class AppError(Exception):
    """A refused business action, with a message already translated for the user."""

    status = 400

    def __init__(self, message: str | Promise, *, code: str = "invalid", field: str | None = None,
                 details: list | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field
        self.details = details or []

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer to this refusal carries (a throttle's Retry-After)."""
        return {}


def field_errors(errors: list[AppError]) -> AppError:
    """Several refused fields as one error, so a form or an API answer names them all at once: the
    first one's message and field, and every one in ``details`` as {"field", "message"}."""
    first = errors[0]
    if len(errors) == 1:
        return first
    return AppError(first.message, code=first.code, field=first.field,
                    details=[{"field": e.field or "", "message": str(e.message)} for e in errors])


class NotInScope(AppError):
    """The object does not exist for this actor: answered as 404 so its existence is not revealed."""

    status = 404

    def __init__(self, message=None, **kwargs):
        from django.utils.translation import gettext as _

        super().__init__(message or _("未找到该页面或记录，或您无权查看。"), code="not_found", **kwargs)


class Forbidden(AppError):
    """The actor may see the object but not do this to it."""

    status = 403

    def __init__(self, message=None, **kwargs):
        from django.utils.translation import gettext as _

        super().__init__(message or _("您的角色无权执行此操作。"), code="forbidden", **kwargs)


class Throttled(AppError):
    """Too many attempts: answered 429 with ``Retry-After``, the seconds until the next try may pass."""

    status = 429

    def __init__(self, message, *, retry_after: float, code: str = "throttled", **kwargs):
        super().__init__(message, code=code, **kwargs)
        self.retry_after = max(1, math.ceil(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class StoredFileMissing(AppError):
    """A file the database names is missing from storage: answered 410 (gone) with a clear message,
    never a server error. Raised (and logged) by ``accounts.uploads.stored_file_open``."""

    status = 410

    def __init__(self, message=None, **kwargs):
        from django.utils.translation import gettext as _

        super().__init__(message or _("该文件在服务器上缺失，暂时无法下载。此问题已记录，请联系平台管理员。"),
                         code="file_missing", **kwargs)
