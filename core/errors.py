"""The one application error type. Views, forms and the API map it to the user in one place."""

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
