"""The public address links are built on: QR codes, PDF footers, share links, activation e-mails.

Production names it explicitly (``PUBLIC_BASE_URL``, required by the settings). Elsewhere the
portal follows the address it is actually served on: every request records its scheme and host
(``ServedBaseUrlMiddleware``), and work done outside a request (the issuing worker rendering QR
codes, ``seed_demo`` before the server starts, given ``--base-url``) reads the address last recorded.
The record is a small file in ``VAR_DIR`` (shared by the web process, in-process tasks and a worker
on the same machine) written only when the address changes. Without any record: the default
runserver address.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import DisallowedHost

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
_last_recorded: str | None = None


def _record_path() -> Path:
    return Path(settings.VAR_DIR) / "served_base_url"


def served_base_url_record(url: str) -> None:
    """Remember ``url`` as the address the portal is served on (outside production only)."""
    global _last_recorded
    url = url.rstrip("/")
    if settings.PUBLIC_BASE_URL or url == _last_recorded:
        return
    path = _record_path()
    try:
        if not path.exists() or path.read_text(encoding="utf-8").strip() != url:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(url + "\n", encoding="utf-8")
            temporary.replace(path)
    except OSError:  # a read-only checkout: links fall back to the request or the default
        return
    _last_recorded = url


def served_base_url_recorded() -> str | None:
    try:
        text = _record_path().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def public_base_url(request=None) -> str:
    """The address to print in a link, without a trailing slash: ``PUBLIC_BASE_URL`` when set (always
    in production); else the request's own address; else the address last recorded; else the
    default runserver address."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return served_base_url_recorded() or DEFAULT_BASE_URL


class ServedBaseUrlMiddleware:
    """Records the address each request came in on, so work outside requests builds the same links."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PUBLIC_BASE_URL:
            try:
                served_base_url_record(f"{request.scheme}://{request.get_host()}")
            except DisallowedHost:  # Django refuses the request below; a refused host is never recorded
                pass
        return self.get_response(request)
