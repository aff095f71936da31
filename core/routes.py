"""The name a request is known by in logs and metrics: the URL pattern's name (``issued:detail``,
``api-verify``), never the path, whose ids and tokens identify people and certificates."""

from django.conf import settings
from django.urls import Resolver404, resolve


def request_route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        if request.path_info.startswith(settings.STATIC_URL):
            return "static"
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "unmatched"
    return match.view_name or match.route or "unnamed"
