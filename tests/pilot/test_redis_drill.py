"""Fault drills (issue 18, item 5): Redis stopped during public verification and during registrations.

Each drill starts a Redis server of its own on a free port (the shared one is never touched), points
the portal's cache and Celery broker at it, stops it mid-flow and starts it again. Wanted: a clear
answer while it is down (verification keeps answering with per-process limits; a page that cannot
do without Redis answers 503 with Retry-After), nothing accepted and then lost (every 2xx or
redirect names a row that exists; a refusal leaves none), and everything back once Redis returns.
"""

import datetime
import shutil
import socket
import subprocess
import time

import pytest

from accounts.models import User
from assessments.models import Registration
from core import ratelimit
from tests.accounts.factories import valid_id_number
from tests.assessments.conftest import actor, certificate  # noqa: F401  (fixtures)
from tests.assessments.factories import SessionFactory, SiteFactory
from tests.assessments.test_imports import good_rows, institutions, xlsx_file  # noqa: F401  (fixtures)
from tests.assessments.test_registrations import students, xlsx_upload

pytestmark = [pytest.mark.drill, pytest.mark.django_db]

REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    """A throwaway redis-server on loopback (no persistence), stopped and started on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--protected-mode", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1)


@pytest.fixture
def private_redis(settings, monkeypatch):
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed on this machine")
    pytest.importorskip("redis")
    from pilot.celery import app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = PrivateRedis(port)
    server.start()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    # The broker too (when tasks go through one): a task sent while Redis is down must not vanish.
    monkeypatch.setitem(app.conf, "broker_url", server.url)
    monkeypatch.setitem(app.conf, "broker_connection_timeout", 1)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    # The rate limits leave an unreachable cache alone for a while; short here, so the drill sees the return.
    monkeypatch.setattr(ratelimit, "FALLBACK_SECONDS", 0.5)
    ratelimit._breaker.reset()
    ratelimit._local.clear()
    yield server
    server.stop()
    if app._pool is not None:
        app._pool.force_close_all()
    ratelimit._breaker.reset()
    ratelimit._local.clear()


def _back(server: PrivateRedis) -> None:
    server.start()
    time.sleep(0.6)  # past the rate limits' fallback window


# --- public verification -----------------------------------------------------------------------

def _verify_all(client, issued) -> list:
    return [client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}),
            client.post("/verify/", {"number": issued.number, "name": "张小三"}),
            client.get(f"/verify/t/{issued.token}")]


def test_public_verification_keeps_answering_while_redis_is_stopped_and_counts_there_again_after(
        client, issued, private_redis, settings):
    settings.VERIFY_RATE_PER_MINUTE = 1000
    started = time.monotonic()
    before = _verify_all(client, issued)
    assert [r.status_code for r in before] == [200, 200, 200]
    counted = [key for key in private_redis.client().keys("*") if b"verify-rate" in key]
    assert counted, "with Redis up, verification is counted in Redis"

    private_redis.stop()
    down_started = time.monotonic()
    during = [answer for _ in range(3) for answer in _verify_all(client, issued)]
    down_seconds = time.monotonic() - down_started
    # Degraded, not broken: the same answers, the limits counted in this process meanwhile.
    assert [r.status_code for r in during] == [200] * 9
    assert during[0].json()["status"] == "valid" and during[0].json()["masked_name"] == "张*三"
    assert "张*三" in during[1].content.decode() and "张*三" in during[2].content.decode()
    assert down_seconds < 10, f"nine answers took {down_seconds:.1f} s with Redis down"

    _back(private_redis)
    private_redis.client().flushall()
    after = _verify_all(client, issued)
    assert [r.status_code for r in after] == [200, 200, 200]
    assert [key for key in private_redis.client().keys("*") if b"verify-rate" in key], "counted in Redis again"
    assert time.monotonic() - started < 60


def test_with_redis_stopped_the_verification_limit_still_holds(client, issued, private_redis, settings):
    settings.VERIFY_RATE_PER_MINUTE = 3
    private_redis.stop()
    answers = [client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60


# --- registrations -----------------------------------------------------------------------------

@pytest.fixture
def session(certificate, org_a, hubei):  # noqa: F811
    return SessionFactory(certificate=certificate, site=SiteFactory(org=org_a, province=hubei, code="0001"),
                          date=datetime.date.today() + datetime.timedelta(days=7), capacity=30)


def _kept_or_refused(response, *, id_numbers: list[str], session) -> bool:
    """The contract: a success names rows that exist; a refusal is clear (503 with Retry-After, or a
    form error) and leaves none. Returns whether the registration was kept."""
    saved = Registration.objects.filter(session=session, person__id_number__in=id_numbers).count()
    if response.status_code == 503:
        assert 1 <= int(response["Retry-After"]) <= 600
        assert saved == 0, "refused with 503, yet saved"
        return False
    assert response.status_code in (200, 302), response.status_code
    page = response.content.decode()
    if saved == len(id_numbers):
        return True
    assert saved == 0, "part of a registration was saved"
    assert "errorlist" in page or "error" in page, "a success page for a registration that was not saved"
    return False


def test_registrations_while_redis_is_stopped_are_kept_or_clearly_refused_and_work_after(
        as_user, hubei_institution_user, social_learner_user, session, private_redis):
    started = time.monotonic()
    institution = as_user(hubei_institution_user)
    first = valid_id_number(datetime.date(2004, 1, 2))
    response = institution.post(f"/assessments/sessions/{session.pk}/register/", {
        "name": "陈晨", "id_type": "resident_id", "id_number": first, "major_name": "护理"})
    assert _kept_or_refused(response, id_numbers=[first], session=session)  # Redis up: kept

    private_redis.stop()
    single = valid_id_number(datetime.date(2004, 2, 3))
    response = institution.post(f"/assessments/sessions/{session.pk}/register/", {
        "name": "李雷", "id_type": "resident_id", "id_number": single, "major_name": "护理"})
    single_kept = _kept_or_refused(response, id_numbers=[single], session=session)
    if single_kept:
        assert "一次性激活码" in response.content.decode()

    rows = students(3, birth=datetime.date(2004, 3, 4))
    response = institution.post(f"/assessments/sessions/{session.pk}/register/upload/",
                                {"file": xlsx_upload(rows)})
    file_kept = _kept_or_refused(response, id_numbers=[r[1] for r in rows], session=session)

    learner = as_user(social_learner_user)
    response = learner.post(f"/assessments/sessions/{session.pk}/self-register/")
    own = social_learner_user.person.id_number
    learner_kept = _kept_or_refused(response, id_numbers=[own], session=session)
    if learner_kept:
        assert response["Location"].startswith("/assessments/registrations/")

    _back(private_redis)
    institution = as_user(hubei_institution_user)
    # What was refused can be sent again and is kept now; what was kept is there, once.
    if not single_kept:
        response = institution.post(f"/assessments/sessions/{session.pk}/register/", {
            "name": "李雷", "id_type": "resident_id", "id_number": single, "major_name": "护理"})
        assert _kept_or_refused(response, id_numbers=[single], session=session)
    if not file_kept:
        response = institution.post(f"/assessments/sessions/{session.pk}/register/upload/",
                                    {"file": xlsx_upload(rows)})
        assert _kept_or_refused(response, id_numbers=[r[1] for r in rows], session=session)
    if not learner_kept:
        response = as_user(social_learner_user).post(f"/assessments/sessions/{session.pk}/self-register/")
        assert _kept_or_refused(response, id_numbers=[own], session=session)
    later = valid_id_number(datetime.date(2004, 5, 6))
    response = institution.post(f"/assessments/sessions/{session.pk}/register/", {
        "name": "韩梅", "id_type": "resident_id", "id_number": later, "major_name": "护理"})
    assert _kept_or_refused(response, id_numbers=[later], session=session)

    numbers = [first, single, *[r[1] for r in rows], own, later]
    registered = list(Registration.objects.filter(session=session).values_list("person__id_number", flat=True))
    assert sorted(registered) == sorted(numbers)  # each once
    assert User.objects.filter(person__id_number__in=[single, later]).count() == 2  # their accounts too
    assert time.monotonic() - started < 60


# --- work handed to the workers while the broker is down --------------------------------------

@pytest.mark.django_db(transaction=True)
def test_an_upload_saved_while_the_broker_is_down_is_queued_not_an_error_and_the_sweep_sends_it(
        as_user, hubei_user, good_rows, private_redis, settings, caplog):  # noqa: F811
    from assessments.models import FilingImport
    from core.jobs.services import jobs_sweep

    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("in the embedded mode tasks run in-process: there is no broker to lose")
    started = time.monotonic()
    private_redis.stop()
    response = as_user(hubei_user).post("/assessments/filings/imports/", {"file": xlsx_file(good_rows)})
    record = FilingImport.objects.get()
    # Kept, and the uploader is shown it (a redirect to its page), not an error page to send again.
    assert response.status_code == 302 and response["Location"] == f"/assessments/filings/imports/{record.pk}/"
    assert record.status == "queued"
    assert any("left for the sweep" in r.getMessage() for r in caplog.records)
    page = as_user(hubei_user).get(response["Location"])
    assert page.status_code == 200

    _back(private_redis)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    assert private_redis.client().llen(queue) == 0  # nothing was sent while the broker was down
    later = record.requested_at + datetime.timedelta(hours=1)  # past the job's stale_after
    assert jobs_sweep(now=later)["assessments.FilingImport"]["retried"] == 1
    assert private_redis.client().llen(queue) == 1  # now on the broker, for a worker to take
    assert time.monotonic() - started < 60


@pytest.mark.django_db(transaction=True)  # outside a transaction: the send is tried at once
def test_a_task_sent_outside_a_transaction_while_the_broker_is_down_answers_503(private_redis, settings):
    """Outside a transaction a send fails at once: the outage middleware answers 503 with Retry-After."""
    from django.test import RequestFactory

    from core.jobs.queue import enqueue
    from core.outage import OutageMiddleware, is_outage

    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("in the embedded mode tasks run in-process: there is no broker to lose")
    private_redis.stop()
    with pytest.raises(Exception) as raised:
        enqueue("core.jobs_sweep")
    assert is_outage(raised.value)
    response = OutageMiddleware(lambda request: None).process_exception(RequestFactory().get("/"), raised.value)
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
