"""Dashboard figures at national scale (issue 9's goals: the ministry dashboard under 300 ms of
server time, each drill-down list page under 200 ms, on PostgreSQL), over the pilot of
``seed_scale`` (3,000,000 registrations, ~1.8 million issued certificates, 100 orgs, 2,000
institutions), with the rollups refreshed first (timed by ``bench_rollups``: ``rollup_refresh_s``).

Server time is measured through Django's test client in this process (request parsing, views,
queries, templates; no network), warm: the median of ``REPEAT`` requests after one unmeasured
request per page. ``drilldown_ms`` is the slowest page's median among the drill-down pages: a
province's dashboard (its institutions, first and a later page), an institution, and the lists of
registrations, passes and certificates within a province (first and a later page), a province and
certificate, an institution, and the passes waiting for issuance.
"""

import re
import statistics
import sys
import time

from django.test import Client

REPEAT = 9
PROVINCE = "44"  # 广东: the most pilots, so the largest lists


def _client():
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Role, RoleBinding, User

    user, _created = User.objects.get_or_create(username="bench_ministry", defaults={"full_name": "基准测试"})
    RoleBinding.objects.get_or_create(user=user, role=Role.MINISTRY)
    device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _median_ms(client, url: str) -> float:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def _next_page(client, url: str) -> str:
    """The URL of the page after the first, as its 下一页 link gives it."""
    match = re.search(r'[?&]amp;after=([0-9A-Za-z_-]+)|[?&]after=([0-9A-Za-z_-]+)', client.get(url).content.decode())
    assert match, f"no next page on {url}"
    return f"{url}&after={match.group(1) or match.group(2)}"


def run():
    from bench.bench_reports import _ensure_pilot
    from certificates.catalog.models import Certificate
    from pilot.dashboard.rollups import rollup_refresh_now
    from pilot.models import InstitutionFact

    count = _ensure_pilot()
    refresh = rollup_refresh_now(actor=None, trigger="bench")
    assert refresh.status == "done", refresh.message
    client = _client()
    certificate = Certificate.objects.filter(code__startswith="SC").order_by("pk").values_list("pk", flat=True).first()
    institution = (InstitutionFact.objects.filter(province_id=PROVINCE).order_by("-registered")
                   .values_list("institution_id", flat=True).first())
    national = {url: _median_ms(client, url) for url in ("/dashboard/", "/dashboard/?year=2020&batch=1&tile=pass_rate")}
    drilldowns = [f"/dashboard/provinces/{PROVINCE}/", f"/dashboard/institutions/{institution}/",
                  f"/dashboard/lists/registered/?province={PROVINCE}", f"/dashboard/lists/passed/?province={PROVINCE}",
                  f"/dashboard/lists/issued/?province={PROVINCE}",
                  f"/dashboard/lists/passed/?province={PROVINCE}&certificate={certificate}",
                  f"/dashboard/lists/registered/?province={PROVINCE}&institution={institution}",
                  f"/dashboard/lists/waiting/?province={PROVINCE}", "/dashboard/lists/blocked/"]
    drilldowns += [_next_page(client, f"/dashboard/provinces/{PROVINCE}/?year=2020"),
                   _next_page(client, f"/dashboard/lists/registered/?province={PROVINCE}"),
                   _next_page(client, f"/dashboard/lists/issued/?province={PROVINCE}")]
    drill = {url: _median_ms(client, url) for url in drilldowns}
    for url, ms in {**national, **drill}.items():
        print(f"# {ms:8.1f} ms  {url}", file=sys.stderr)
    print(f"# over {count:,} registrations; rollups refreshed in {refresh.seconds} s ({refresh.rows:,} rows)",
          file=sys.stderr)
    return [("dashboard_ms", max(national.values()), "ms"), ("drilldown_ms", max(drill.values()), "ms")]
