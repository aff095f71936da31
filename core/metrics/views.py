"""``/metrics``: the operator's scrape endpoint, reached only with the bearer token
(``METRICS_TOKEN``) or from an allowed address (``METRICS_ALLOWED_IPS``, addresses or networks).
With neither configured it does not exist (404); otherwise anyone else is refused (403), whoever is
signed in: a ministry officer's session is no metrics credential.

The address is the connection's own (``REMOTE_ADDR``), never a forwarded header a client can write.
"""

import hmac
import ipaddress

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.metrics import CONTENT_TYPE, scrape


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(item, strict=False) for item in settings.METRICS_ALLOWED_IPS]


def _bearer(request) -> str:
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _address_allowed(request) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in allowed_networks())


def _token_matches(request) -> bool:
    token = settings.METRICS_TOKEN
    presented = _bearer(request)
    return bool(token and presented) and hmac.compare_digest(presented.encode(), token.encode())


@never_cache
@require_safe
def metrics(request):
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_IPS):
        raise Http404
    if not (_token_matches(request) or _address_allowed(request)):
        raise PermissionDenied
    return HttpResponse(scrape(), content_type=CONTENT_TYPE)
