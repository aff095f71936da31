"""The monthly progress report: what each figure counts, one report per month that a re-run
replaces, the run claimed once, the PDF with extractable Chinese text, the beat task run by a real
Celery worker, and every page tried by the right role and the wrong one."""

import datetime
import io
import time

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import AuditEntry, Notification
from assessments.models import AssessmentPlan, MonthlyReport, MonthlyReportRow
from assessments.plans import services as plans
from assessments.reports import selectors as report_selectors
from assessments.reports import services as reports
from assessments.reports.selectors import previous_month, progress_figures
from core.errors import AppError, Forbidden
from tests.assessments.factories import TeacherTrainingFactory, pipeline_candidate
from tests.assessments.test_plans import plan_xlsx

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2020, 10, 1)


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def progress(actor, org_a_user, org_b_user, certificate, other_certificate, hubei, shandong, hubei_institution):
    """A small pilot year around October 2020 (see the expected figures in the first test)."""
    a = plans.plan_upload(actor=actor(org_a_user), year=2020, upload=plan_xlsx([
        ["9月", "湖北省", "Web前端开发", "初级", 5, 1], ["10月", "湖北省", "Web前端开发", "初级", 10, 1]])).plan
    AssessmentPlan.objects.filter(pk=a.pk).update(submitted_at=timezone.make_aware(datetime.datetime(2020, 8, 25)))
    # A revision after October does not rewrite October's report.
    b = plans.plan_upload(actor=actor(org_a_user), year=2020, upload=plan_xlsx([
        ["10月", "湖北省", "Web前端开发", "初级", 99, 9]])).plan
    AssessmentPlan.objects.filter(pk=b.pk).update(submitted_at=timezone.make_aware(datetime.datetime(2020, 11, 15)))
    TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=30,
                           start_date=datetime.date(2020, 10, 3), end_date=datetime.date(2020, 10, 5))
    TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=20,
                           start_date=datetime.date(2020, 9, 8), end_date=datetime.date(2020, 9, 10))
    TeacherTrainingFactory(certificate=certificate, province=hubei, teachers_trained=99,
                           start_date=datetime.date(2019, 9, 8), end_date=datetime.date(2019, 9, 10))
    october = dict(certificate=certificate, province=hubei, date=datetime.date(2020, 10, 10),
                   institution=hubei_institution)
    first = pipeline_candidate(**october, issuance="issued")
    candidate = dict(october, session=first.session)
    pipeline_candidate(**candidate, issuance="issued")
    pipeline_candidate(**candidate, issuance="pending")
    pipeline_candidate(**candidate, passed=False)
    pipeline_candidate(**candidate, absent=True, result=True)  # a result despite absence: not assessed
    pipeline_candidate(**candidate, absent=True)
    pipeline_candidate(**candidate, cancelled=True)
    september = pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2020, 9, 10),
                                   issuance="issued")
    pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2020, 9, 10),
                       session=september.session, issuance="blocked")
    pipeline_candidate(certificate=other_certificate, province=shandong, date=datetime.date(2020, 10, 20),
                       issuance="duplicate")
    pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2020, 11, 5))  # after October
    pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2019, 10, 5))  # another year


def generate(month=OCTOBER) -> MonthlyReport:
    report = reports.monthly_report_request(actor=None, month=month, enqueue=False)
    return reports.monthly_report_generate(report_id=report.pk)


# --- the figures -------------------------------------------------------------------------------

def test_the_figures_count_what_the_report_says_they_count(progress, org_a, org_b, certificate, other_certificate):
    figures = progress_figures(OCTOBER)
    a = figures[(org_a.pk, "42", certificate.pk)]
    month = {k[6:]: v for k, v in a.items() if k.startswith("month_")}
    ytd = {k[4:]: v for k, v in a.items() if k.startswith("ytd_")}
    assert month == {"planned_candidates": 10, "planned_sessions": 1, "sessions": 1, "teachers_trained": 30,
                     "registered": 6, "assessed": 4, "passed": 3, "issued": 2, "passed_not_issued": 1}
    assert ytd == {"planned_candidates": 15, "planned_sessions": 2, "sessions": 2, "teachers_trained": 50,
                   "registered": 8, "assessed": 6, "passed": 5, "issued": 3, "passed_not_issued": 2}
    b = figures[(org_b.pk, "37", other_certificate.pk)]
    assert (b["month_registered"], b["month_assessed"], b["month_passed"]) == (1, 1, 1)
    assert not b.get("month_issued") and not b.get("month_passed_not_issued")  # already holds the certificate
    assert set(figures) == {(org_a.pk, "42", certificate.pk), (org_b.pk, "37", other_certificate.pk)}


def test_the_plan_in_force_at_the_months_end_counts_and_a_late_first_plan_still_does(progress, org_a, certificate):
    november = progress_figures(datetime.date(2020, 11, 1))[(org_a.pk, "42", certificate.pk)]
    assert november["ytd_planned_candidates"] == 99  # the revision of 15 November is in force by December
    AssessmentPlan.objects.filter(version=1).delete()
    october = progress_figures(OCTOBER)[(org_a.pk, "42", certificate.pk)]
    assert october["month_planned_candidates"] == 99  # no plan on time: the first one submitted


# --- generating ----------------------------------------------------------------------------------

def test_a_report_stores_its_figures_and_renders_a_chinese_pdf_and_an_xlsx(progress):
    report = generate()
    assert report.status == MonthlyReport.Status.DONE and report.percent == 100 and report.runs == 1
    assert MonthlyReportRow.objects.filter(report=report).count() == 2
    total = report.figures["total"]
    assert total["month"]["registered"] == 7 and total["ytd"]["passed"] == 6 and total["ytd"]["issued"] == 3
    assert [p["label"] for p in report.figures["provinces"]] == ["山东省", "湖北省"]
    with report.pdf.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    text = pdf_text(content)
    assert "2020年10月1+X证书制度试点月度进展报告" in text and "范围：全国" in text
    assert "甲培训评价组织" in text and "湖北省" in text and "合格未发证" in text
    workbook = openpyxl.load_workbook(report.xlsx.path)
    assert workbook.sheetnames == ["汇总", "按省份", "按培训评价组织", "按证书", "明细"]
    assert ("甲培训评价组织", "Web前端开发", "X10001", "湖北省") in [row[:4] for row in workbook["明细"].values]
    assert AuditEntry.objects.filter(action="report.generated", object_id=str(report.pk)).exists()


def test_a_rerun_replaces_the_months_report_and_never_duplicates_it(progress, certificate, hubei,
                                                                   django_capture_on_commit_callbacks):
    first = generate()
    old_pdf, old_xlsx = first.pdf.name, first.xlsx.name
    pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2020, 10, 28))
    with django_capture_on_commit_callbacks(execute=True):
        second = generate()
    assert second.pk == first.pk and MonthlyReport.objects.count() == 1 and second.runs == 2
    assert second.figures["total"]["month"]["registered"] == 8
    assert MonthlyReportRow.objects.count() == 2
    storage = MonthlyReport._meta.get_field("pdf").storage
    assert second.pdf.name != old_pdf and storage.exists(second.pdf.name)
    assert not storage.exists(old_pdf) and not storage.exists(old_xlsx)


def test_a_month_is_claimed_once(progress, actor, ministry_user):
    report = reports.monthly_report_request(actor=None, month=OCTOBER, enqueue=False)
    # The schedule meeting a run under way joins it; the ministry's button says so.
    assert reports.monthly_report_request(actor=None, month=OCTOBER, enqueue=False).pk == report.pk
    with pytest.raises(AppError, match="正在生成中"):
        reports.monthly_report_request(actor=actor(ministry_user), month=OCTOBER, enqueue=False)
    assert reports.monthly_report_generate(report_id=report.pk).status == "done"
    assert reports.monthly_report_generate(report_id=report.pk) is None  # done: nothing to claim
    # A run whose worker died (no heartbeat for long) is taken over.
    MonthlyReport.objects.filter(pk=report.pk).update(status="running", heartbeat_at=timezone.now()
                                                      - datetime.timedelta(hours=1))
    assert reports.monthly_report_generate(report_id=report.pk).runs == 2


def test_only_the_ministry_requests_a_report_and_only_for_a_month_that_began(actor, hubei_user, ministry_user):
    with pytest.raises(Forbidden):
        reports.monthly_report_request(actor=actor(hubei_user), month=OCTOBER)
    future = (timezone.localdate().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    with pytest.raises(AppError, match="尚未开始的月份"):
        reports.monthly_report_request(actor=actor(ministry_user), month=future)
    with pytest.raises(AppError, match="2019"):
        reports.monthly_report_request(actor=actor(ministry_user), month=datetime.date(2018, 12, 1))
    assert not MonthlyReport.objects.exists()


def test_a_failed_run_keeps_the_previous_report(progress, monkeypatch):
    first = generate()
    import assessments.reports.pdf

    def broken(content):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(assessments.reports.pdf, "render_report_pdf", broken)
    report = reports.monthly_report_request(actor=None, month=OCTOBER, enqueue=False)
    with pytest.raises(RuntimeError):
        reports.monthly_report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and "已保留上一次生成的报告" in report.message
    assert report.pdf.name == first.pdf.name and report.runs == 1 and MonthlyReportRow.objects.count() == 2


def test_the_beat_schedule_runs_on_the_first_of_each_month():
    from django_celery_beat.models import PeriodicTask

    from assessments.reports import tasks  # noqa: F401  (the worker imports it through autodiscovery)
    from pilot.celery import app

    task = PeriodicTask.objects.get(task="assessments.monthly_report_scheduled")
    assert task.enabled and task.crontab.day_of_month == "1" and str(task.crontab.timezone) == "Asia/Shanghai"
    assert "assessments.monthly_report_scheduled" in app.tasks
    assert previous_month(datetime.date(2021, 1, 1)) == datetime.date(2020, 12, 1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_monthly_task_run_by_a_real_worker_produces_a_pdf_with_extractable_chinese(
        celery_worker_process, progress, ministry_user, settings):
    import os
    from pathlib import Path

    from assessments.reports.tasks import monthly_report_scheduled

    # The worker process writes under the run's var directory; the test reads the file there.
    settings.MEDIA_ROOT = Path(os.environ["PILOT_VAR_DIR"]) / "media"
    monthly_report_scheduled.delay(today="2020-11-01")
    deadline = time.monotonic() + 120
    report = None
    while time.monotonic() < deadline:
        report = MonthlyReport.objects.filter(month=OCTOBER).first()
        if report is not None and report.is_finished:
            break
        time.sleep(0.3)
    assert report is not None and report.status == "done", report and report.message
    assert report.trigger == "schedule"
    with report.pdf.open("rb") as handle:
        text = pdf_text(handle.read())
    assert "2020年10月1+X证书制度试点月度进展报告" in text and "甲培训评价组织" in text and "计划考核人数" in text
    assert [n.title_text for n in Notification.objects.filter(user=ministry_user)] == ["2020年10月进展报告已生成"]


# --- pages ---------------------------------------------------------------------------------------

@pytest.fixture
def october_report(progress):
    return generate()


@pytest.fixture
def reports_inline(tasks_in_process):
    """Queued reports run in this process once the request commits."""


def test_the_ministry_generates_a_month_from_the_page(as_user, ministry_user, progress, reports_inline,
                                                     django_capture_on_commit_callbacks):
    client = as_user(ministry_user)
    page = client.get("/assessments/reports/").content.decode()
    assert 'name="month"' in page and "生成报告" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/assessments/reports/generate/", {"month": "2020-10"})
    assert response.status_code == 302 and response["Location"] == "/assessments/reports/2020/10/"
    page = client.get("/assessments/reports/2020/10/").content.decode()
    assert "data-job-status" in page and "js/jobs.js" in page and "<script>" not in page
    status = client.get("/assessments/reports/2020/10/status/").json()
    assert status["status"] == "queued" and status["finished"] is False
    for callback in queued:
        callback()
    status = client.get("/assessments/reports/2020/10/status/").json()
    assert status == {"status": "done", "status_label": "已生成", "phase": "done", "phase_label": "完成",
                      "percent": 100, "finished": True, "message": status["message"]}
    page = client.get("/assessments/reports/2020/10/").content.decode()
    assert 'data-metric="ytd-registered">9<' in page and "<svg" in page and "重新生成本月报告" in page


def test_a_wrong_month_is_refused_on_the_page(as_user, ministry_user):
    response = as_user(ministry_user).post("/assessments/reports/generate/", {"month": "2031-01"})
    assert response.status_code == 400 and "不能为尚未开始的月份生成报告" in response.content.decode()
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("persona", ["hubei_user", "org_a_user", "hubei_agency_user"])
def test_only_the_ministry_generates(request, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    assert client.post("/assessments/reports/generate/", {"month": "2020-10"}).status_code == 403
    assert 'name="month"' not in client.get("/assessments/reports/").content.decode()
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("persona", ["hubei_institution_user", "hubei_alliance_user", "student_user"])
def test_institutions_and_students_have_no_monthly_report(request, as_user, october_report, persona):
    client = as_user(request.getfixturevalue(persona))
    for url in ("/assessments/reports/", "/assessments/reports/2020/10/", "/assessments/reports/2020/10/status/",
                "/assessments/reports/2020/10/report.pdf", "/assessments/reports/2020/10/report.xlsx"):
        assert client.get(url).status_code == 403, url


def test_a_month_without_a_report_is_not_found(as_user, ministry_user):
    client = as_user(ministry_user)
    assert client.get("/assessments/reports/2020/9/").status_code == 404
    assert client.get("/assessments/reports/2020/13/").status_code == 404
    assert client.get("/assessments/reports/2020/9/report.pdf").status_code == 404


def test_the_ministry_downloads_the_national_files(as_user, ministry_user, october_report):
    client = as_user(ministry_user)
    response = client.get("/assessments/reports/2020/10/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with october_report.pdf.open("rb") as handle:
        assert response.content == handle.read()  # the stored national file
    text = pdf_text(response.content)
    assert "甲培训评价组织" in text and "乙培训评价组织" in text
    response = client.get("/assessments/reports/2020/10/report.xlsx")
    assert "按培训评价组织" in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames


@pytest.mark.parametrize(("persona", "own", "other"), [
    ("hubei_user", "甲培训评价组织", "乙培训评价组织"), ("hubei_agency_user", "甲培训评价组织", "乙培训评价组织"),
    ("shandong_user", "乙培训评价组织", "甲培训评价组织"), ("org_a_user", "甲培训评价组织", "乙培训评价组织"),
    ("org_b_user", "乙培训评价组织", "甲培训评价组织"),
])
def test_provinces_and_orgs_see_and_download_only_their_own_rows(request, as_user, october_report, persona, own,
                                                                 other):
    client = as_user(request.getfixturevalue(persona))
    page = client.get("/assessments/reports/2020/10/").content.decode()
    assert own in page and other not in page
    text = pdf_text(client.get("/assessments/reports/2020/10/report.pdf").content)
    assert own in text and other not in text and "范围：" in text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/assessments/reports/2020/10/report.xlsx").content))
    cells = {str(v) for sheet in workbook for row in sheet.values for v in row if v is not None}
    assert own in cells and other not in cells


def test_the_list_shows_the_months(as_user, hubei_user, october_report):
    page = as_user(hubei_user).get("/assessments/reports/").content.decode()
    assert "2020年10月" in page and "/assessments/reports/2020/10/report.pdf" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_for_a_month_make_one_report_and_one_run(ministry_user, monkeypatch):
    import threading

    from django.db import connection

    from accounts.scoping import actor_for
    from assessments.reports.tasks import monthly_report_run

    queued = []
    monkeypatch.setattr(monthly_report_run, "delay", lambda *args: queued.append(args))
    barrier = threading.Barrier(2)
    outcomes = []

    def request():
        try:
            barrier.wait()
            reports.monthly_report_request(actor=actor_for(ministry_user), month=OCTOBER)
            outcomes.append("queued")
        except AppError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["queued", "report_running"]
    assert MonthlyReport.objects.count() == 1 and len(queued) == 1


# --- one access decision; renderers fed by the views (issue 13, issue 14 item 4) ---------------------

@pytest.mark.parametrize(("persona", "expected"), [
    ("ministry_user", {"read", "generate", "national"}), ("hubei_user", {"read"}), ("hubei_agency_user", {"read"}),
    ("org_a_user", {"read", "by_org"}), ("hubei_institution_user", set()), ("student_user", set()),
])
def test_what_each_role_may_do_on_the_report_pages(request, actor, persona, expected):
    assert report_selectors.reports_page_access(actor(request.getfixturevalue(persona))) == expected


def test_a_lost_national_file_is_rendered_again_from_the_stored_figures_without_writing(as_user, actor, ministry_user,
                                                                                       hubei_user, october_report):
    assert report_selectors.report_stored_file(actor(hubei_user), october_report, "pdf") is None
    stored_name = october_report.xlsx.name
    october_report.xlsx.storage.delete(stored_name)
    assert report_selectors.report_stored_file(actor(ministry_user), october_report, "xlsx") is None
    response = as_user(ministry_user).get("/assessments/reports/2020/10/report.xlsx")
    assert response.status_code == 200 and "按培训评价组织" in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    october_report.refresh_from_db()
    assert october_report.xlsx.name == stored_name and not october_report.xlsx.storage.exists(stored_name)
