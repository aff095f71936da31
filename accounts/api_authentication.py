"""Browser-session authentication for the API that checks CSRF without reading the body.

DRF's own SessionAuthentication hands its DRF request to Django's CSRF check, which looks for the
token in ``request.POST`` first: on a DRF request that parses the whole body, whatever its type, so a
signed-in browser's 50 MB JSON body was read (and held) before the view could refuse it with a 403.
Django's own request parses only form bodies there; a JSON body stays unread until the view asks
for it, after authentication and permissions. The CSRF rules are the same (a JSON request carries
its token in the X-CSRFToken header).
"""

from drf_spectacular.authentication import SessionScheme
from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    def enforce_csrf(self, request):
        return super().enforce_csrf(request._request)


class SessionAuthenticationScheme(SessionScheme):
    """The OpenAPI schema names this session authentication as it named DRF's (cookieAuth)."""

    target_class = "accounts.api_authentication.SessionAuthentication"
