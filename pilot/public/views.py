"""The public front door: the portal's home for visitors, the site map, and the display settings
(language, large text) that work without JavaScript and without a CSRF token, so public pages stay
cacheable (core/public_cache.py)."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache

from core.public_cache import public_page
from pilot.public import selectors

LARGE_TEXT_COOKIE = "pilot_large_text"
ONE_YEAR = 365 * 24 * 3600


@public_page
def public_home(request):
    """通知公告, 政策文件, the catalog, the orgs' status, fee standards, verification, complaints and
    the sessions open for registration."""
    return render(request, "pilot/public_home.html", selectors.public_home())


@public_page
def sitemap(request):
    return render(request, "pilot/sitemap.html")


def _back(request):
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    return redirect(target)


@never_cache
def language_switch(request):
    """Choose the language (a preference, like the large-text mode: nothing else changes)."""
    response = _back(request)
    language = request.GET.get("language", "")
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=ONE_YEAR, path="/",
                            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


@never_cache
def large_text(request):
    """The large-text mode (大字版) for browsers without JavaScript; portal.js does the same in place."""
    response = _back(request)
    response.set_cookie(LARGE_TEXT_COOKIE, "1" if request.GET.get("on") == "1" else "0", max_age=ONE_YEAR, path="/",
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response
