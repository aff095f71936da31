"""The ``make demo`` path, walked as a person would: SQLite and in-process tasks (no DATABASE_URL, no
REDIS_URL). ``make test`` runs this module (with the others marked ``embedded``) a second time in
that posture after the PostgreSQL run; under PostgreSQL with a Celery worker it is skipped.

The demo is seeded twice, once for the module, inside a transaction rolled back at its end; each
test works on top of it in its own savepoint: sign in (with the demo's second factor), import a
filing upload, finalize a session whose pass is issued in-process, download and verify that
certificate, open the dashboard.
"""

import datetime
import hashlib
import io
import re

import openpyxl
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import AssessmentSession, FilingImport, Registration
from certificates.issuance.models import IssuedCertificate
from pilot.demo import DEMO_PASSWORD

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.skipif(not settings.CELERY_TASK_ALWAYS_EAGER,
                       reason="the embedded path (in-process tasks); make test runs it on SQLite"),
]
# The dashboard's log of its refreshes: the demo refreshes the figures on every run, by design.
REFRESH_LOG = "pilot.RollupRefresh"


def _fingerprint() -> dict[str, tuple[int, str]]:
    """Every table's rows (without their keys: the dashboard's figures are recomputed into new
    rows), as a count and a digest."""
    prints = {}
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows = sorted(repr(row) for row in model.objects.values_list(*names))
        prints[model._meta.label] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return prints


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        first = _fingerprint()
        call_command("seed_demo", stdout=io.StringIO())
        second = _fingerprint()
        yield first, second
        transaction.set_rollback(True)


def _sign_in(client, username: str) -> None:
    """The password, then for ministry and provincial staff the second factor (the demo's device:
    the demo shows its current code on the page)."""
    response = client.post("/account/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is not None:
        token = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
        assert client.post("/account/2fa/", {"token": token}).status_code == 302


@pytest.mark.django_db
def test_the_demo_seeds_on_sqlite_and_a_second_run_changes_nothing(demo):
    first, second = demo
    changed = {label: (first[label], second[label]) for label in first
               if label != REFRESH_LOG and first[label] != second[label]}
    assert sorted(changed) == [], changed
    assert first["accounts.User"][0] >= 11 and first["certificates.IssuedCertificate"][0] >= 10
    assert first["pilot.PilotYearFact"][0] > 0  # the dashboard has its figures from the first run on


@pytest.mark.django_db
def test_sign_in_with_password_and_the_demo_second_factor(demo, client):
    _sign_in(client, "hubei_edu")
    home = client.get("/")
    assert home.status_code == 200 and "张红" in home.content.decode()
    assert client.get("/assessments/filings/imports/").status_code == 200  # past the second factor


@pytest.mark.django_db
def test_a_filing_upload_is_read_validated_and_saved_in_process(demo, client, django_capture_on_commit_callbacks):
    _sign_in(client, "hubei_edu")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append(["学校标识码", "学校名称", "证书名称", "年度", "等级", "申报人数", "联系教师", "联系电话"])
    sheet.append(["4142010834", "武汉职业技术学院", "Web前端开发", 2021, "高级", 37, "吴涛", "13800000000"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "备案.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/assessments/filings/imports/", {"file": buffer})
    assert response.status_code == 302, re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)', response.content.decode())
    record = FilingImport.objects.latest("pk")
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    assert record.row_count == 1 and record.filing_count == 1
    assert "已保存" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_finalized_session_is_issued_in_process_downloaded_and_verified(demo, client,
                                                                          django_capture_on_commit_callbacks):
    # The demo's open session, held at last: moved to yesterday as the demo moves its finalized one.
    session = AssessmentSession.objects.get(status=AssessmentSession.Status.SCHEDULED, level="intermediate",
                                            certificate__name="Web前端开发")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    AssessmentSession.objects.filter(pk=session.pk).update(date=yesterday, status=AssessmentSession.Status.CLOSED)
    Registration.objects.filter(session=session).update(session_date=yesterday)
    zhao = Registration.objects.get(session=session, person__user__username="learner_zhao")
    others = list(Registration.objects.filter(session=session).exclude(pk=zhao.pk).values_list("pk", flat=True))

    _sign_in(client, "org_web")
    assert client.post(f"/assessments/sessions/{session.pk}/absence/",
                       {"registration": others, "absent": "1"}).status_code == 302
    assert client.post(f"/assessments/registrations/{zhao.pk}/result/", {"score": "88"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/assessments/sessions/{session.pk}/finalize/")
    assert response.status_code == 302
    issued = IssuedCertificate.objects.get(person=zhao.person, certificate=session.certificate)
    assert issued.status == IssuedCertificate.Status.VALID and issued.pdf and issued.level == "intermediate"

    client.logout()
    _sign_in(client, "learner_zhao")
    pdf = client.get(f"/certificates/{issued.number}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF-")

    client.logout()
    verified = client.post("/verify/", {"number": issued.number, "name": "赵丽华"}).content.decode()
    assert "有效" in verified and "Web前端开发" in verified and "赵*华" in verified


@pytest.mark.django_db
def test_the_dashboard_shows_the_demo_figures(demo, client):
    _sign_in(client, "moe_officer")
    page = client.get("/dashboard/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "湖北" in html and re.search(r"\d", html)
