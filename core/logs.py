"""Structured logs: one line per request and per background task, and the request id.

``LOG_FORMAT=json`` (production and tests) writes every log record as one JSON object per line;
``plain`` (development, ``make demo``) keeps the readable text. The request and task lines carry the
request or task id, the route or task name, the status, the duration in ms and the acting user's id
and role, and nothing a person could be identified by: a route is the URL pattern's name (never the
path, which may hold a token), query strings are never logged, and any 18-character ID number or
mobile number that still reaches a message (an exception's text) is blanked out.

The request id comes from the ``X-Request-ID`` header when it is a sane token (a proxy's id), else
it is generated; it is returned in the same header and shown on the error pages, so a user can quote
it and an operator can find the request's lines.
"""

import contextvars
import datetime
import json
import logging
import re
import time
import uuid

from django.utils.functional import SimpleLazyObject, empty

from core.routes import request_route

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# What a message must never carry: an ID-card number (17 digits and a check character) or a mobile number.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# The request or task a log record is written in (each thread and task has its own).
current_id: contextvars.ContextVar[str] = contextvars.ContextVar("pilot_log_id", default="")

request_logger = logging.getLogger("pilot.request")
task_logger = logging.getLogger("pilot.task")


def scrub(text: str) -> str:
    return _PHONE.sub("[phone]", _ID_NUMBER.sub("[id-number]", text))


def request_id_for(header: str | None) -> str:
    """The incoming id when it is a sane token (letters, digits, ``.-_:``, 8 to 64 long), else a new one."""
    if header and _SANE_ID.match(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the request or task
    id, and the fields a request or task line adds (``extra={"fields": {...}}``)."""

    # Django's own request loggers name the raw path ("Not Found: /c/<token>/"): only the reason is kept.
    PATH_LOGGERS = ("django.request", "django.server", "django.security")

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name.startswith(self.PATH_LOGGERS) and isinstance(record.args, tuple) and record.args:
            line["message"] = scrub(str(record.args[0]))
        else:
            line["message"] = scrub(record.getMessage())
        log_id = current_id.get()
        if log_id:
            line["id"] = log_id
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The readable text of development and ``make demo``, with the request or task id."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        log_id = current_id.get()
        return f"{text} [{log_id}]" if log_id else text


def _evaluated(value):
    """A lazy object's value if something already asked for it, else None: the log line never
    causes a query (it must not during a database outage)."""
    if isinstance(value, SimpleLazyObject):
        wrapped = value._wrapped
        return None if wrapped is empty else wrapped
    return value


def request_actor(request) -> tuple[int | None, str | None]:
    """(user id, role) of whoever the request acted as, as far as the request itself looked."""
    user = _evaluated(getattr(request, "user", None))
    if user is None or not getattr(user, "is_authenticated", False):
        return None, None
    actor = _evaluated(getattr(request, "actor", None))
    return user.pk, getattr(actor, "role", None)


class RequestLogMiddleware:
    """Outermost: gives the request its id, and writes its one line once the answer is known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))
        token = current_id.set(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            current_id.reset(token)

    @staticmethod
    def _log(request, status: int, started: float) -> None:
        duration = round((time.perf_counter() - started) * 1000, 1)
        user_id, role = request_actor(request)
        route = request_route(request)
        level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 and status != 404 else logging.INFO
        request_logger.log(level, "%s %s %s %.1fms", request.method, route, status, duration, extra={"fields": {
            "kind": "request", "request_id": request.request_id, "method": request.method, "route": route,
            "status": status, "duration_ms": duration, "user_id": user_id, "role": role}})


# --- Celery: one line per task run -----------------------------------------------------------------

_task_started: dict[str, tuple[float, contextvars.Token]] = {}


def _task_prerun(task_id=None, task=None, **_ignored):
    _task_started[task_id] = (time.perf_counter(), current_id.set(task_id or ""))


def _task_postrun(task_id=None, task=None, state=None, **_ignored):
    started, token = _task_started.pop(task_id, (None, None))
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    name = getattr(task, "name", "-")
    level = logging.INFO if state in ("SUCCESS", "RETRY") else logging.ERROR
    task_logger.log(level, "%s %s %sms", name, state, duration, extra={"fields": {
        "kind": "task", "task_id": task_id, "task": name, "status": state, "duration_ms": duration,
        "user_id": None, "role": None}})
    if token is not None:
        try:
            current_id.reset(token)
        except ValueError:  # set in another context (an eager task inside a request): leave it
            pass


def task_logging_connect() -> None:
    """Write a line per task run (called once by the Celery app, pilot.celery)."""
    from celery import signals

    signals.task_prerun.connect(_task_prerun, weak=False, dispatch_uid="pilot-task-log-prerun")
    signals.task_postrun.connect(_task_postrun, weak=False, dispatch_uid="pilot-task-log-postrun")


def logging_config(*, log_format: str, level: str) -> dict:
    """The ``LOGGING`` setting for ``log_format`` (``json`` or ``plain``)."""
    formatter = ({"()": "core.logs.JsonFormatter"} if log_format == "json"
                 else {"()": "core.logs.PlainFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.request": {"level": "ERROR"}, "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            # The task lines above say it once; Celery's own would repeat it with the task's arguments.
            "celery.app.trace": {"level": "WARNING"}, "celery.worker.strategy": {"level": "WARNING"},
        },
    }
