"""Issuance service: requests become numbered, stored, signed, announced certificates exactly once."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from accounts.models import Notification
from certificates import hooks
from certificates.issuance import numbering
from certificates.issuance.models import IssuanceRequest, IssuedCertificate, NumberSequence
from certificates.issuance.notes import request_note
from certificates.issuance.services import issuance_requests_create
from certificates.issuance.worker import issuance_claim, issuance_run, issuance_sweep
from core.errors import AppError
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issuance_requests, passed_result, seal_for
from tests.personas import make_persona

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(org_a):
    seal_for(org_a)
    return certificate_with_levels(org=org_a, name="Web前端开发")


def test_requests_become_signed_certificates_with_gap_free_numbers(certificate, hubei, settings):
    settings.ISSUANCE_CHUNK = 4
    people = [PersonFactory() for _ in range(10)]
    requests = issuance_requests(certificate=certificate, province=hubei, people=people)
    issued, more = issuance_run()
    assert (issued, more) == (10, False)
    certificates = list(IssuedCertificate.objects.order_by("number"))
    assert {c.request_id for c in certificates} == {r.pk for r in requests}
    prefix = certificates[0].number[:-6]
    assert [c.number for c in certificates] == [f"{prefix}{i:06d}" for i in range(1, 11)]
    assert NumberSequence.objects.get(prefix=prefix).last_value == 10
    assert all(numbering.number_is_wellformed(c.number) for c in certificates)
    assert all(c.pdf and c.pdf_size and c.announced_at for c in certificates)
    assert set(IssuanceRequest.objects.values_list("status", flat=True)) == {"issued"}
    first = certificates[0]
    assert first.seal.version == 1 and first.issued_on == datetime.date.today()
    assert first.holder_name == first.request.holder_name and first.id_number == first.request.id_number
    with first.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_a_chunk_with_nothing_to_issue_does_not_stop_the_run(certificate, org_b, hubei, settings):
    """Requests of an org without a seal fill the first chunks; the passes behind them are still
    issued in the same run, not left for the next sweep."""
    settings.ISSUANCE_CHUNK = 3
    unsealed = certificate_with_levels(org=org_b, name="老年照护")
    issuance_requests(certificate=unsealed, province=hubei, people=[PersonFactory() for _ in range(6)])
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(2)])
    assert issuance_run() == (2, False)
    assert IssuanceRequest.objects.filter(status="blocked").count() == 6


def test_running_again_issues_nothing_more(certificate, hubei):
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(3)])
    assert issuance_run()[0] == 3
    assert issuance_run()[0] == 0
    assert issuance_claim() is None  # nothing pending
    assert IssuedCertificate.objects.count() == 3


def test_a_second_pass_of_the_same_level_is_recorded_not_issued(certificate, hubei):
    person = PersonFactory()
    issuance_requests(certificate=certificate, province=hubei, people=[person, person])
    issuance_run()
    issuance_requests(certificate=certificate, province=hubei, people=[person])
    issuance_run()
    assert IssuedCertificate.objects.filter(person=person).count() == 1
    statuses = sorted(IssuanceRequest.objects.values_list("status", flat=True))
    assert statuses == ["duplicate", "duplicate", "issued"]
    note = request_note(IssuanceRequest.objects.filter(status="duplicate").first())
    assert IssuedCertificate.objects.get().number in note


def test_another_level_is_another_certificate(certificate, hubei):
    person = PersonFactory()
    issuance_requests(certificate=certificate, province=hubei, people=[person])
    issuance_requests(certificate=certificate, province=hubei, people=[person], level="intermediate")
    issuance_run()
    numbers = sorted(IssuedCertificate.objects.values_list("number", flat=True))
    assert len(numbers) == 2 and {n[-7] for n in numbers} == {"1", "2"}  # the level digit


def test_an_org_without_a_seal_waits_is_told_and_resumes_after_uploading(org_b, org_b_user, hubei, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.ISSUANCE_PARALLEL = 0  # this test drives the worker itself
    certificate = certificate_with_levels(org=org_b)
    with django_capture_on_commit_callbacks(execute=True):
        issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(2)])
        issuance_run()
    assert not IssuedCertificate.objects.exists()
    blocked = list(IssuanceRequest.objects.all())
    assert {r.status for r in blocked} == {"blocked"} and all("电子公章" in request_note(r) for r in blocked)
    notice = Notification.objects.get(user=org_b_user)
    assert "2 名" in notice.title_text and "电子公章" in notice.title_text and "合格未发证" in notice.body_text
    seal_for(org_b)
    assert issuance_sweep()["resumed"] == 2
    issuance_run()
    assert IssuedCertificate.objects.count() == 2


def test_a_name_no_font_can_draw_is_blocked_with_a_clear_reason(certificate, hubei):
    person = PersonFactory(name="王𪚥")  # U+2A6A5: in neither certificate font
    issuance_requests(certificate=certificate, province=hubei, people=[person])
    issuance_run()
    request = IssuanceRequest.objects.get()
    assert request.status == "blocked" and request.block_code == "glyph"
    assert "U+2A6A5" in request_note(request)
    assert not IssuedCertificate.objects.exists()
    assert not NumberSequence.objects.exists()  # no number was spent on it


def test_a_result_that_is_not_a_pass_is_refused_and_nothing_is_recorded(certificate, hubei):
    person = PersonFactory()
    with pytest.raises(AppError) as refused, transaction.atomic():
        issuance_requests_create(passes=[passed_result(certificate=certificate, person=person, province=hubei,
                                                       score="42.0")])
    assert "不是已确认的合格成绩" in str(refused.value.message)
    with pytest.raises(AppError), transaction.atomic():
        issuance_requests_create(passes=[passed_result(certificate=certificate, person=person, province=hubei,
                                                       level="expert")])
    assert not IssuanceRequest.objects.exists()


def test_the_issued_hook_fires_once_per_certificate_and_the_holder_is_told(certificate, hubei):
    person = PersonFactory()
    holder = make_persona("student", person=person, username="holder")
    received = []

    def receiver(sender, certificate, **kwargs):
        received.append(certificate.number)

    def broken(sender, **kwargs):
        raise RuntimeError("a subscriber's bug must not stop issuance")

    hooks.certificate_issued.connect(receiver, dispatch_uid="test-receiver")
    hooks.certificate_issued.connect(broken, dispatch_uid="test-broken")
    try:
        issuance_requests(certificate=certificate, province=hubei, people=[person])
        issuance_run()
        issuance_sweep(stale_seconds=0)
    finally:
        hooks.certificate_issued.disconnect(dispatch_uid="test-receiver")
        hooks.certificate_issued.disconnect(dispatch_uid="test-broken")
    assert received == [IssuedCertificate.objects.get().number]
    assert sum("Web前端开发" in n.title_text for n in Notification.objects.filter(user=holder)) == 1


def test_the_sweep_renders_and_announces_what_a_killed_worker_left(certificate, hubei):
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(3)])
    ids = issuance_claim()  # the worker died right after its transaction committed
    assert IssuedCertificate.objects.filter(pk__in=ids, pdf="").count() == 3
    assert issuance_sweep(stale_seconds=60) == {"resumed": 0, "rendered": 0, "announced": 0}  # too fresh
    result = issuance_sweep(stale_seconds=0)
    assert result["rendered"] == 3 and result["announced"] == 3
    assert not IssuedCertificate.objects.filter(pdf="").exists()


def test_issuance_requests_create_enqueues_on_commit(certificate, hubei, tasks_in_process, settings,
                                                    django_capture_on_commit_callbacks):
    settings.ISSUANCE_PARALLEL = 2
    passes = [passed_result(certificate=certificate, person=PersonFactory(), province=hubei)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            issuance_requests_create(passes=passes)
        assert not IssuedCertificate.objects.exists()  # nothing is sent before the commit
    assert len(callbacks) == 2  # ISSUANCE_PARALLEL issuing tasks, sent once the finalization commits
    for callback in callbacks:
        callback()
    assert IssuedCertificate.objects.count() == 1


def test_a_pdf_missing_from_storage_is_rendered_again_by_the_render_task(certificate, hubei):
    from certificates.issuance.selectors import certificate_pdf_stored
    from certificates.issuance.tasks import render

    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory()])
    issuance_run()
    issued = IssuedCertificate.objects.get()
    issued.pdf.storage.delete(issued.pdf.name)
    assert certificate_pdf_stored(issued) is None  # a read: the download queues the task below
    assert render(issued.pk) is True
    assert certificate_pdf_stored(IssuedCertificate.objects.get()).startswith(b"%PDF-")
    assert render(issued.pk) is False  # stored: nothing more to do


def test_a_pdf_is_recorded_only_while_the_row_still_lacks_one_at_the_version_rendered(certificate, hubei):
    from django.core.files.base import ContentFile

    from certificates.issuance.worker import _record_pdfs

    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(3)])
    fresh, reissued, taken = (IssuedCertificate.objects.get(pk=pk) for pk in sorted(issuance_claim()))
    storage = IssuedCertificate._meta.get_field("pdf").storage
    IssuedCertificate.objects.filter(pk=reissued.pk).update(version=2)  # a name correction meanwhile
    IssuedCertificate.objects.filter(pk=taken.pk).update(pdf="certificates/other-worker.pdf", pdf_size=1)
    written = {c.pk: (1, storage.save(f"certificates/test-{c.pk}.pdf", ContentFile(b"%PDF-x")), 6)
               for c in (fresh, reissued, taken)}
    assert _record_pdfs(written, storage) == 1
    assert IssuedCertificate.objects.get(pk=fresh.pk).pdf.name == written[fresh.pk][1]
    assert IssuedCertificate.objects.get(pk=fresh.pk).pdf_size == 6
    assert IssuedCertificate.objects.get(pk=reissued.pk).pdf.name == ""
    assert IssuedCertificate.objects.get(pk=taken.pk).pdf.name == "certificates/other-worker.pdf"
    assert storage.exists(written[fresh.pk][1])
    assert not storage.exists(written[reissued.pk][1]) and not storage.exists(written[taken.pk][1])


@pytest.mark.postgres
def test_a_claim_reads_the_pending_index_in_order_even_when_the_statistics_say_nothing_is_pending(certificate, hubei):
    """Statistics taken when every request was issued, then a large finalization: the planner thinks
    almost nothing is pending (and here index reads are priced high too). A claim must still take the
    oldest chunk from the pending index, not sort every pending request: its cost would grow with the
    batch (bench/bench_issuance_scale.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the planner in question is PostgreSQL's")
    people = [PersonFactory() for _ in range(3)]
    requests = issuance_requests(certificate=certificate, province=hubei, people=people)
    base = dict(certificate_id=certificate.pk, level="junior", org_id=certificate.org_id, province_id=hubei.code,
                holder_name="王伟", id_type="other", site_code="00012", score=86, passed_on=datetime.date(2026, 10, 20))
    IssuanceRequest.objects.bulk_create([IssuanceRequest(result_id=800_000 + i, session_id=1, person=people[i % 3],
                                                         id_number=f"P{i:08d}", status="issued", **base)
                                         for i in range(3000)])
    IssuanceRequest.objects.filter(pk__in=[r.pk for r in requests]).update(status="issued")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IssuanceRequest._meta.db_table}")
    IssuanceRequest.objects.filter(result_id__gte=800_000).update(status="pending")
    IssuanceRequest.objects.filter(pk__in=[r.pk for r in requests]).update(status="pending")
    plans = []

    def explain_the_claim(execute, sql, params, many, context):
        if "SKIP LOCKED" in sql:
            raw = context["cursor"].cursor  # the driver's cursor: the wrapper's would come back here
            raw.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row[0] for row in raw.fetchall()))
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(explain_the_claim):
        from certificates.issuance.worker import _pending_locked

        with connection.cursor() as cursor:  # and index reads priced as if they were slow
            cursor.execute("SET LOCAL random_page_cost = 1000")
            cursor.execute("SET LOCAL cpu_index_tuple_cost = 10")
        claimed = _pending_locked(50)
    assert claimed == list(IssuanceRequest.objects.filter(status="pending").order_by("created_at", "pk")
                           .values_list("pk", flat=True)[:50])
    assert len(plans) == 1 and "issuancerequest_pending_idx" in plans[0] and "Sort" not in plans[0], plans


def test_a_worker_has_its_cached_plans_made_again_every_few_chunks(certificate, hubei, settings, monkeypatch):
    """Foreign-key checks planned while a table looked empty would read the whole table on every
    check as it grows (worker._plans_refresh)."""
    from django.db import connection

    from certificates.issuance import worker

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL keeps the plans in question")
    settings.ISSUANCE_CHUNK = 1
    monkeypatch.setattr(worker, "PLANS_KEPT_FOR_CHUNKS", 3)
    monkeypatch.setattr(worker, "_chunks_since_plans", 0)
    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory() for _ in range(7)])
    statements = []
    with connection.execute_wrapper(lambda execute, sql, *args: statements.append(sql) or execute(sql, *args)):
        issuance_run()
    assert IssuedCertificate.objects.count() == 7
    assert statements.count("DISCARD PLANS") == 8 // 3  # 8 claims: 7 chunks and the one that finds none


def test_why_a_pass_waits_is_worded_in_the_readers_language(certificate, hubei, org_b, org_b_user, ministry_user,
                                                            as_user, settings, django_capture_on_commit_callbacks):
    """Issue 16: the reasons are kept by meaning, so the English UI says them in English (the page,
    its export and the org's notice), and the Chinese UI in Chinese."""
    settings.ISSUANCE_PARALLEL = 0
    with django_capture_on_commit_callbacks(execute=True):
        issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory(name="王𪚥")])
        issuance_requests(certificate=certificate_with_levels(org=org_b), province=hubei, people=[PersonFactory()])
        issuance_run()
    assert set(IssuanceRequest.objects.values_list("block_code", flat=True)) == {"glyph", "no_seal"}
    assert not IssuanceRequest.objects.exclude(status_note="").exists()  # nothing kept in the worker's language
    url = reverse("issued:waiting") + "?status=blocked"
    english = as_user(ministry_user).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "U+2A6A5" in english and "not supported by the certificate font" in english
    assert "has not yet uploaded its electronic seal" in english and "超出证书字体范围" not in english
    chinese = as_user(ministry_user).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "超出证书字体范围" in chinese and "尚未上传电子公章" in chinese
    notice = Notification.objects.get(user=org_b_user)
    with translation.override("en"):
        assert "Electronic seal not uploaded" in notice.title_text
    with translation.override("zh-hans"):
        assert "未上传电子公章" in notice.title_text and notice.link.endswith("?status=blocked")


def test_a_claim_that_deadlocks_with_another_worker_is_tried_again(certificate, hubei, monkeypatch):
    import psycopg
    from django.db import OperationalError

    from certificates.issuance import worker

    issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory()])
    claim, calls = worker._claim, []

    def deadlock_once(limit):
        calls.append(limit)
        if len(calls) == 1:
            error = OperationalError("deadlock detected")
            error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
            raise error
        return claim(limit)

    monkeypatch.setattr(worker, "_claim", deadlock_once)
    assert len(issuance_claim()) == 1 and len(calls) == 2
    monkeypatch.setattr(worker, "_claim", lambda limit: (_ for _ in ()).throw(OperationalError("server closed")))
    with pytest.raises(OperationalError):  # anything else is not tried again here (the task retries outages)
        issuance_claim()
