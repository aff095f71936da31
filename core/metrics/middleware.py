"""Requests by route and status, with their latency (issue 18, item 2).

The route is the URL pattern's name (``pilot:dashboard``, ``api-verify``), never the path: a path
carries certificate numbers and tokens, and one series per path would grow without bound. A request
that never reached a view (refused by a middleware, a static file, an unknown address) is named
after the pattern it would have matched, or ``static`` / ``unmatched``.
"""

import time

from core.metrics import counter, histogram
from core.routes import request_route

# Seconds; 0.3 s is the p95 the result-day load test holds the portal to (issue 18, item 6).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_SECONDS = histogram("http_request_duration_seconds", "Time to answer a request, by route and method",
                            ["route", "method"], buckets=LATENCY_BUCKETS)
REQUESTS = counter("http_requests", "Requests answered, by route, method and status", ["route", "method", "status"])


class RequestMetricsMiddleware:
    """Outermost: times everything the portal does for a request, the other middleware included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route = request_route(request)
        method = request.method if request.method in _METHODS else "other"
        REQUEST_SECONDS.labels(route=route, method=method).observe(time.perf_counter() - started)
        REQUESTS.labels(route=route, method=method, status=str(response.status_code)).inc()
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
