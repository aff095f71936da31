"""Public pages that shared caches (a CDN, a provincial proxy) may keep for a while.

A view marks its response with ``public_page``; ``PublicCacheMiddleware``, outermost but for the
metrics timer (which changes no header), decides at the very end, once every other middleware has
had its say: a response is public only when the visitor
is anonymous, the answer is a plain 200 to a GET or HEAD, and nothing on it is personal — no cookie
is being set (CSRF, session, messages) and the page drew no CSRF token. Anything else leaves as
``private, no-cache``, so a personalised page is never stored for someone else. ``Vary: Cookie,
Accept-Language`` keeps the language and the large-text mode apart in any cache.
"""

from functools import wraps

from django.conf import settings
from django.utils.cache import patch_cache_control, patch_vary_headers

_MARK = "_pilot_public_max_age"


def public_page(view=None, *, max_age: int | None = None):
    """Mark a view's answers as public pages (cacheable for anonymous visitors, see the module)."""
    def decorator(func):
        @wraps(func)
        def wrapped(request, *args, **kwargs):
            response = func(request, *args, **kwargs)
            setattr(response, _MARK, settings.PUBLIC_PAGE_MAX_AGE if max_age is None else max_age)
            return response
        return wrapped
    return decorator(view) if view is not None else decorator


def is_cacheable(request, response) -> bool:
    user = getattr(request, "user", None)
    return (request.method in ("GET", "HEAD") and response.status_code == 200
            and not (user is not None and user.is_authenticated)
            and not response.cookies and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


class PublicCacheMiddleware:
    """Outermost middleware but for the metrics timer: turns a ``public_page`` mark into the response's caching headers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        max_age = getattr(response, _MARK, None)
        if max_age is None:
            return response
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        if is_cacheable(request, response):
            patch_cache_control(response, public=True, max_age=max_age)
        else:
            patch_cache_control(response, private=True, no_cache=True, max_age=0)
        return response
