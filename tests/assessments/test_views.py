"""Filing pages: the province workspace, the form, bulk upload with progress, the ministry's
national totals; every page tried by the right role and the wrong one."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Filing, FilingImport
from tests.assessments.factories import FilingFactory
from tests.assessments.test_imports import xlsx_file
from tests.organizations.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hubei_filing(hubei_institution, certificate):
    return FilingFactory(institution=hubei_institution, certificate=certificate, levels={"junior": 80, "senior": 5})


@pytest.fixture
def shandong_filing(shandong_institution, other_certificate):
    return FilingFactory(institution=shandong_institution, certificate=other_certificate, levels={"junior": 33})


# --- the workspace -------------------------------------------------------------------------------

def test_the_province_workspace_lists_its_filings_with_totals_and_a_chart(as_user, hubei_user, hubei_filing,
                                                                         shandong_filing):
    response = as_user(hubei_user).get("/assessments/filings/")
    page = response.content.decode()
    assert response.status_code == 200
    assert hubei_filing.institution.name in page and shandong_filing.institution.name not in page
    assert 'id="filing-total"><strong>85</strong>' in page
    assert "<svg" in page and "<script>" not in page and 'class="bar"' in page
    assert "新增备案" in page and "批量导入" in page
    assert response.context["totals"]["certificates"][0]["senior"] == 5


@pytest.mark.parametrize(("persona", "sees_hubei", "sees_shandong"), [
    ("ministry_user", True, True), ("hubei_agency_user", True, False), ("shandong_user", False, True),
    ("hubei_institution_user", True, False), ("shandong_institution_user", False, True),
    ("hubei_alliance_user", True, False), ("org_a_user", True, False), ("org_b_user", False, True),
])
def test_each_role_sees_the_filings_of_its_scope(request, as_user, hubei_filing, shandong_filing, persona,
                                                sees_hubei, sees_shandong):
    page = as_user(request.getfixturevalue(persona)).get("/assessments/filings/").content.decode()
    assert (hubei_filing.institution.name in page) is sees_hubei
    assert (shandong_filing.institution.name in page) is sees_shandong
    assert ("新增备案" in page) is (persona == "shandong_user")


def test_a_student_may_not_open_filings(as_user, student_user):
    assert as_user(student_user).get("/assessments/filings/").status_code == 403


def test_filtering_sorting_and_withdrawn_filings(as_user, hubei_user, hubei, hubei_filing, certificate,
                                                 other_certificate):
    FilingFactory(institution=InstitutionFactory(province=hubei, name="甲小学院"), certificate=other_certificate,
                  total_students=3, year=2021)
    gone = FilingFactory(institution=InstitutionFactory(province=hubei, name="乙已撤回学院"), certificate=certificate)
    Filing.objects.filter(pk=gone.pk).update(withdrawn_at="2020-10-01T00:00:00Z")
    client = as_user(hubei_user)

    def names(query):
        return [f.institution.name for f in client.get(f"/assessments/filings/?{query}").context["page"]]

    assert gone.institution.name not in names("")
    assert names("status=withdrawn") == [gone.institution.name]
    assert names(f"certificate={other_certificate.pk}") == ["甲小学院"]
    assert names("year=2021") == ["甲小学院"]
    assert names("level=senior") == [hubei_filing.institution.name]
    assert names("q=甲小") == ["甲小学院"]
    assert names("o=total") == ["甲小学院", hubei_filing.institution.name]
    assert names("o=-total") == [hubei_filing.institution.name, "甲小学院"]
    page = client.get("/assessments/filings/?o=total").content.decode()
    assert 'aria-sort="ascending"' in page


def test_the_workspace_exports_to_xlsx(as_user, hubei_user, hubei_filing):
    response = as_user(hubei_user).get("/assessments/filings/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["院校"] == hubei_filing.institution.name and row["初级"] == 80 and row["高级"] == 5
    assert row["申报人数合计"] == 85 and row["状态"] == "有效"


# --- filing through the form ---------------------------------------------------------------------

def test_filing_through_the_form_records_at_once(as_user, hubei_user, hubei_institution, certificate):
    client = as_user(hubei_user)
    form = client.get(f"/assessments/filings/new/?institution={hubei_institution.pk}")
    assert form.status_code == 200 and form.context["form"].initial["institution"] == hubei_institution.pk
    response = client.post("/assessments/filings/new/", {
        "institution": hubei_institution.pk, "certificate": certificate.pk, "year": 2020, "junior": 50,
        "intermediate": "", "senior": 10, "contact_name": "张老师", "contact_phone": "13800000000"}, follow=True)
    filing = Filing.objects.get()
    assert response.redirect_chain[-1][0] == f"/assessments/filings/{filing.pk}/"
    assert filing.total_students == 60
    page = response.content.decode()
    assert "备案已记录" in page and "有效，已计入统计" in page


def test_form_errors_are_shown_next_to_the_field(as_user, hubei_user, hubei_institution):
    from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

    junior_only = CertificateFactory(name="只有初级")
    CertificateLevelFactory(certificate=junior_only, level="junior")
    response = as_user(hubei_user).post("/assessments/filings/new/", {
        "institution": hubei_institution.pk, "certificate": junior_only.pk, "year": 2020, "senior": 10,
        "contact_name": "张老师", "contact_phone": "13800000000"})
    assert response.status_code == 200
    assert response.context["form"].errors["senior"] == ["证书“只有初级”没有“高级”等级（设有：初级）。"]
    assert not Filing.objects.exists()


def test_another_provinces_institution_is_not_offered(as_user, hubei_user, shandong_institution, certificate):
    response = as_user(hubei_user).post("/assessments/filings/new/", {
        "institution": shandong_institution.pk, "certificate": certificate.pk, "year": 2020, "junior": 5,
        "contact_name": "张老师", "contact_phone": "13800000000"})
    assert "institution" in response.context["form"].errors
    assert not Filing.objects.exists()


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_agency_user", "hubei_institution_user", "org_a_user"])
def test_only_the_province_gets_the_filing_form(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get("/assessments/filings/new/").status_code == 403


def test_correcting_and_withdrawing_show_in_the_history(as_user, hubei_user, hubei_filing):
    client = as_user(hubei_user)
    response = client.post(f"/assessments/filings/{hubei_filing.pk}/correct/", {
        "junior": 90, "senior": "", "contact_name": "李老师", "contact_phone": "13900000000"}, follow=True)
    assert "备案已更正" in response.content.decode()
    hubei_filing.refresh_from_db()
    assert hubei_filing.total_students == 90 and hubei_filing.year == 2020
    client.post(f"/assessments/filings/{hubei_filing.pk}/withdraw/", {"reason": "停办"})
    page = client.get(f"/assessments/filings/{hubei_filing.pk}/").content.decode()
    assert "已撤回，不计入统计" in page and "停办" in page
    assert "各等级申报人数：初级 80、高级 5 → 初级 90" in page
    assert "联系教师：张老师 → 李老师" in page


def test_the_corrected_key_cannot_be_changed_through_the_form(as_user, hubei_user, hubei_filing, other_certificate):
    as_user(hubei_user).post(f"/assessments/filings/{hubei_filing.pk}/correct/", {
        "certificate": other_certificate.pk, "year": 2025, "junior": 7, "contact_name": "张老师",
        "contact_phone": "13800000000"})
    hubei_filing.refresh_from_db()
    assert (hubei_filing.certificate_id, hubei_filing.year, hubei_filing.total_students) == (
        hubei_filing.certificate_id, 2020, 7)
    assert Filing.objects.count() == 1


def test_other_scopes_get_404_and_readers_403_on_a_filing(as_user, hubei_filing, shandong_user, hubei_agency_user,
                                                          hubei_institution_user, org_b_user):
    for user in (shandong_user, org_b_user):
        client = as_user(user)
        assert client.get(f"/assessments/filings/{hubei_filing.pk}/").status_code == 404
        assert client.post(f"/assessments/filings/{hubei_filing.pk}/withdraw/").status_code == 404
    for user in (hubei_agency_user, hubei_institution_user):
        client = as_user(user)
        assert client.get(f"/assessments/filings/{hubei_filing.pk}/").status_code == 200
        assert client.get(f"/assessments/filings/{hubei_filing.pk}/correct/").status_code == 403
        assert client.post(f"/assessments/filings/{hubei_filing.pk}/withdraw/").status_code == 403
    hubei_filing.refresh_from_db()
    assert hubei_filing.withdrawn_at is None


# --- the ministry's national totals ---------------------------------------------------------------

def test_the_ministry_sees_national_totals_and_exports_the_matrix(as_user, ministry_user, hubei_filing,
                                                                  shandong_filing):
    client = as_user(ministry_user)
    page = client.get("/assessments/filings/national/").content.decode()
    assert 'id="national-total">118<' in page
    response = client.get("/assessments/filings/national/?export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = {(r[2], r[3], r[5]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows == {("Web前端开发", "湖北省", 85), ("老年照护", "山东省", 33)}


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_institution_user", "org_a_user"])
def test_national_totals_are_the_ministrys(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get("/assessments/filings/national/").status_code == 403


# --- bulk upload ------------------------------------------------------------------------------

def test_the_template_is_an_xlsx_with_drop_downs_of_published_certificates(as_user, hubei_user, certificate):
    response = as_user(hubei_user).get("/assessments/filings/template.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["数据"][1]][:3] == ["学校标识码*", "学校名称", "证书名称*"]
    assert [c.value for c in workbook["选项"]["A"] if c.value] == ["证书名称", "Web前端开发"]
    assert [c.value for c in workbook["选项"]["B"]][:4] == ["等级", "初级", "中级", "高级"]


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_institution_user", "org_a_user"])
def test_the_template_and_upload_are_the_provinces(request, as_user, persona):
    client = as_user(request.getfixturevalue(persona))
    if persona != "ministry_user":
        assert client.get("/assessments/filings/template.xlsx").status_code == 403
    assert client.get("/assessments/filings/imports/").status_code == 403


def _rows(institution, count=80):
    return [[institution.school_code, "", "Web前端开发", 2020, "初级", count, "张老师", "13800000000"]]


def test_an_upload_shows_progress_then_the_result(as_user, hubei_user, hubei_institution, certificate,
                                                   run_tasks_inline, django_capture_on_commit_callbacks):
    client = as_user(hubei_user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post("/assessments/filings/imports/", {"file": xlsx_file(_rows(hubei_institution))})
    record = FilingImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assessments/filings/imports/{record.pk}/"
    waiting = client.get(response["Location"]).content.decode()
    assert "<progress" in waiting and "js/jobs.js" in waiting and "data-job-status" in waiting
    status = json.loads(client.get(f"/assessments/filings/imports/{record.pk}/status/").content)
    assert status == {"status": "queued", "status_label": "排队中", "phase": "waiting", "phase_label": "等待处理",
                      "processed": 0, "total": 1, "percent": 0, "finished": False}
    for callback in queued:
        callback()
    status = json.loads(client.get(f"/assessments/filings/imports/{record.pk}/status/").content)
    assert status["finished"] is True and status["percent"] == 100
    done = client.get(f"/assessments/filings/imports/{record.pk}/").content.decode()
    assert "已保存" in done and 'id="province-total"><strong>80</strong>' in done


def test_a_bad_row_is_listed_on_the_page_and_in_the_report(as_user, hubei_user, hubei_institution, certificate,
                                                             run_tasks_inline, django_capture_on_commit_callbacks):
    client = as_user(hubei_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/assessments/filings/imports/", {"file": xlsx_file(_rows(hubei_institution, count=-5))})
    record = FilingImport.objects.get()
    page = client.get(f"/assessments/filings/imports/{record.pk}/").content.decode()
    assert "未保存" in page and "第 2 行" in page and "应为正整数，当前为“-5”。" in page
    report = client.get(f"/assessments/filings/imports/{record.pk}/errors.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content))["数据"]
    assert sheet["F2"].comment.text == "应为正整数，当前为“-5”。"
    assert not Filing.objects.exists()


def test_an_error_report_whose_upload_is_missing_on_disk_is_a_clear_410(
        as_user, hubei_user, hubei_institution, certificate, run_tasks_inline, django_capture_on_commit_callbacks):
    client = as_user(hubei_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/assessments/filings/imports/", {"file": xlsx_file(_rows(hubei_institution, count=-5))})
    record = FilingImport.objects.get()
    record.file.storage.delete(record.file.name)
    report = client.get(f"/assessments/filings/imports/{record.pk}/errors.xlsx")
    assert report.status_code == 410 and "文件在服务器上缺失" in report.content.decode()


def test_a_wrong_file_is_refused_on_the_upload_page(as_user, hubei_user):
    response = as_user(hubei_user).post("/assessments/filings/imports/", {
        "file": SimpleUploadedFile("a.csv", "学号,姓名\r\n1,2\r\n".encode())})
    assert response.status_code == 400
    assert "表头不正确" in response.content.decode() and not FilingImport.objects.exists()


def test_another_provinces_import_is_a_404(as_user, hubei_user, shandong_user, hubei_institution, certificate,
                                           run_tasks_inline, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(hubei_user).post("/assessments/filings/imports/", {
            "file": xlsx_file(_rows(hubei_institution, count=0))})
    record = FilingImport.objects.get()
    client = as_user(shandong_user)
    for suffix in ("", "status/", "errors.xlsx"):
        assert client.get(f"/assessments/filings/imports/{record.pk}/{suffix}").status_code == 404


def test_the_navigation_offers_filings_by_role(as_user, hubei_user, ministry_user, org_a_user):
    hubei_nav = as_user(hubei_user).get("/").content.decode()
    assert "院校名录" in hubei_nav and "院校备案" in hubei_nav and "全国备案汇总" not in hubei_nav
    assert "全国备案汇总" in as_user(ministry_user).get("/").content.decode()
    org_nav = as_user(org_a_user).get("/").content.decode()
    assert "培训师资格" in org_nav and "院校名录" not in org_nav


def test_totals_do_not_depend_on_the_chosen_sort(as_user, hubei_user, hubei, certificate):
    for name in ("甲学院", "乙学院"):
        FilingFactory(institution=InstitutionFactory(province=hubei, name=name), certificate=certificate,
                      levels={"intermediate": 5, "junior": 7})
    client = as_user(hubei_user)
    for order in ("", "institution", "-updated", "total"):
        totals = client.get(f"/assessments/filings/?o={order}").context["totals"]
        assert totals["filings"] == 2 and totals["certificates"][0]["filings"] == 2
    page = client.get("/assessments/filings/").content.decode()
    assert page.index("初级 7") < page.index("中级 5")
