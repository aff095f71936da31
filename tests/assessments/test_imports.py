"""Bulk filing: real XLSX and CSV files made here, checked row by row, saved all or nothing."""

import csv
import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEntry
from assessments.filings import import_jobs as filing_imports
from assessments.models import Filing, FilingImport, FilingLevel
from core.errors import AppError, Forbidden
from core.tabular.schema import TabularError
from tests.certificates.factories import CertificateFactory, CertificateLevelFactory
from tests.organizations.factories import InstitutionFactory, school_code

pytestmark = pytest.mark.django_db

HEADERS = ["学校标识码", "学校名称", "证书名称", "年度", "等级", "申报人数", "联系教师", "联系电话"]


def xlsx_file(rows, name="filings.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, encoding="utf-8", bom=False, name="filings.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *rows])
    data = buffer.getvalue().encode(encoding)
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" + data) if bom else data)


def run(actor_, upload) -> FilingImport:
    record = filing_imports.filing_import_start(actor=actor_, upload=upload)
    filing_imports.filing_import_process(import_id=record.pk)
    record.refresh_from_db()
    return record


@pytest.fixture
def institutions(hubei):
    return [InstitutionFactory(province=hubei, name=f"湖北第{n}职业技术学院", school_code=school_code(n)) for n in range(3)]


@pytest.fixture
def good_rows(institutions, certificate):
    a, b, c = institutions
    return [
        [a.school_code, a.name, "Web前端开发", 2020, "初级", 120, "张老师", "13800000001"],
        [a.school_code, "", "Web前端开发", 2020, "中级", 40, "张老师", "13800000001"],
        [b.school_code, b.name, "X10001", 2020, "高级", 15, "李老师", "027-87654321"],
        [c.school_code, c.name, "Web前端开发", "2021", "junior", "1,000", "王老师", "13800000003"],
    ]


def test_a_correct_xlsx_is_saved_with_its_filings_grouped_by_key(actor, hubei_user, good_rows, institutions):
    record = run(actor(hubei_user), xlsx_file(good_rows))
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    assert (record.row_count, record.filing_count, record.created_count) == (4, 3, 3)
    assert "新增 3 项" in record.message
    first = Filing.objects.get(institution=institutions[0])
    assert dict(first.levels.values_list("level", "declared_students")) == {"junior": 120, "intermediate": 40}
    assert first.total_students == 160 and first.contact_phone == "13800000001"
    assert Filing.objects.get(institution=institutions[2]).year == 2021
    assert AuditEntry.objects.filter(action="filing.created").count() == 3
    assert AuditEntry.objects.filter(action="filing_import.saved", object_id=str(record.pk)).exists()
    assert record.processed_rows == 4 and record.percent == 100


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gbk", False)])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_is_saved(actor, hubei_user, good_rows, encoding, bom):
    record = run(actor(hubei_user), csv_file(good_rows, encoding=encoding, bom=bom))
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    assert Filing.objects.count() == 3 and FilingLevel.objects.count() == 4


def test_reuploading_the_same_file_duplicates_nothing_and_changed_rows_correct(actor, hubei_user, good_rows):
    run(actor(hubei_user), xlsx_file(good_rows))
    again = run(actor(hubei_user), xlsx_file(good_rows))
    assert (again.created_count, again.corrected_count, again.unchanged_count) == (0, 0, 3)
    assert Filing.objects.count() == 3 and FilingLevel.objects.count() == 4
    changed = [list(r) for r in good_rows]
    changed[2][5] = 16
    third = run(actor(hubei_user), xlsx_file(changed))
    assert (third.created_count, third.corrected_count, third.unchanged_count) == (0, 1, 2)
    assert Filing.objects.filter(total_students=16).count() == 1
    assert AuditEntry.objects.get(action="filing.corrected").changes["total_students"] == [15, 16]


def _failed_with(actor_, rows, *expected):
    record = run(actor_, xlsx_file(rows))
    assert record.status == FilingImport.Status.FAILED
    assert not Filing.objects.exists(), "nothing is saved when a row is wrong"
    found = {(e["row"], e["column"], e["message"]) for e in record.errors}
    for item in expected:
        assert item in found, (item, found)
    return record


def test_one_bad_row_saves_nothing_and_names_row_column_and_reason(actor, hubei_user, good_rows):
    rows = good_rows + [[good_rows[0][0], "", "Web前端开发", 2020, "高级", 0, "张老师", "13800000001"]]
    record = _failed_with(actor(hubei_user), rows, (6, "申报人数", "应为正整数，当前为“0”。"))
    assert record.error_row_count == 1 and record.row_count == 5
    assert "其中 1 行有错误，全部未保存" in record.message


def test_every_kind_of_bad_row_gets_a_precise_chinese_error(actor, hubei_user, institutions, shandong, certificate):
    suspended = CertificateFactory(name="暂停的证书", status="suspended")
    CertificateLevelFactory(certificate=suspended)
    junior_only = CertificateFactory(name="只有初级的证书")
    CertificateLevelFactory(certificate=junior_only, level="junior")
    elsewhere = InstitutionFactory(province=shandong, name="山东某职业学院", school_code="4137999999")
    code = institutions[0].school_code
    rows = [
        ["414201", "", "Web前端开发", 2020, "初级", 10, "张老师", "13800000000"],                  # row 2
        ["4142999999", "", "Web前端开发", 2020, "初级", 10, "张老师", "13800000000"],              # row 3
        [elsewhere.school_code, "", "Web前端开发", 2020, "初级", 10, "张老师", "13800000000"],     # row 4
        [code, "", "暂停的证书", 2020, "初级", 10, "张老师", "13800000000"],                       # row 5
        [code, "", "只有初级的证书", 2020, "高级", 10, "张老师", "13800000000"],                   # row 6
        [code, "", "Web前端开发", 2020, "初级", 2.5, "张老师", "13800000000"],                     # row 7
        [code, "", "Web前端开发", 2020, "中级", 10, "张老师", "13800000000"],                      # row 8
        [code, "", "Web前端开发", 2020, "中级", 12, "张老师", "13800000000"],                      # row 9
        [code, "", "Web前端开发", 2020, "高级", 3, "李老师", "13800000000"],                       # row 10
        [code, "错误的名称", "没有这个证书", 2017, "特级", -1, "", "123"],                           # row 11
    ]
    _failed_with(
        actor(hubei_user), rows,
        (2, "学校标识码", "学校标识码应为 10 位数字，当前为“414201”。"),
        (3, "学校标识码", "学校标识码 4142999999 未在院校名录中登记，请先在“院校名录”中登记该院校。"),
        (4, "学校标识码", "学校标识码 4137999999 对应的院校山东某职业学院（山东省）不属于湖北省，不能为其备案。"),
        (5, "证书名称", "证书“暂停的证书”当前状态为“暂停”，只有已公布的证书可以备案。"),
        (6, "等级", "证书“只有初级的证书”没有“高级”等级（设有：初级）。"),
        (7, "申报人数", "应为正整数，当前为“2.5”。"),
        (9, "等级", "与第 8 行重复：同一院校、证书和年度的“中级”只能填写一行。"),
        (10, "联系教师", "同一院校、证书和年度的联系教师和电话应一致（第 7 行为“张老师 13800000000”）。"),
        (11, "学校名称", "学校标识码对应的院校是“湖北第0职业技术学院”，与填写的“错误的名称”不一致。"),
        (11, "证书名称", "证书“没有这个证书”不在证书目录中，请从下拉列表中选择。"),
        (11, "等级", "等级“特级”无效，应为初级、中级或高级。"),
        (11, "申报人数", "应为正整数，当前为“-1”。"),
        (11, "联系教师", "“联系教师”不能为空。"),
        (11, "联系电话", "电话号码“123”格式不正确，应为 11 位手机号码或带区号的固定电话。"),
    )
    assert any(e["row"] == 11 and e["column"] == "年度" for e in FilingImport.objects.get().errors)


@pytest.mark.parametrize(("content", "code", "name"), [
    (b"", "empty_file", "x.xlsx"),
    (b"%PDF-1.7 not a spreadsheet", "not_a_spreadsheet", "x.xlsx"),
    ("学校标识码,证书,人数\r\n1,2,3\r\n".encode(), "wrong_headers", "x.csv"),
    (b"not an excel file\r\n", "not_a_workbook", "x.xlsx"),
    ("学校标识码,学校名称,证书名称,年度,等级,申报人数,联系教师,联系电话\r\n".encode("utf-16"), "bad_encoding", "x.xlsx"),
    (b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024), "file_too_large", "x.xlsx"),
])
def test_a_wrong_file_is_refused_at_upload_and_nothing_is_stored(actor, hubei_user, content, code, name):
    with pytest.raises(TabularError) as caught:
        filing_imports.filing_import_start(actor=actor(hubei_user), upload=SimpleUploadedFile(name, content))
    assert caught.value.code == code
    assert not FilingImport.objects.exists()


def test_a_file_with_headers_only_fails_saying_so(actor, hubei_user):
    record = run(actor(hubei_user), xlsx_file([]))
    assert record.status == FilingImport.Status.FAILED and "没有数据行" in record.message


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_agency_user", "hubei_institution_user"])
def test_only_a_province_uploads(request, actor, persona, good_rows):
    with pytest.raises(Forbidden):
        filing_imports.filing_import_start(actor=actor(request.getfixturevalue(persona)), upload=xlsx_file(good_rows))


def test_the_error_report_marks_the_wrong_cells(actor, hubei_user, good_rows):
    rows = good_rows + [[good_rows[0][0], "", "Web前端开发", 2020, "高级", 0, "张老师", "13800000001"]]
    record = run(actor(hubei_user), xlsx_file(rows))
    report = openpyxl.load_workbook(io.BytesIO(filing_imports.filing_import_error_report(record=record)))
    sheet = report["数据"]
    assert sheet["F6"].fill.fgColor.rgb.endswith("FFC7CE") and "正整数" in sheet["F6"].comment.text
    assert sheet["I6"].value.startswith("申报人数：")
    assert sheet["F2"].comment is None


def test_the_error_report_is_refused_for_a_successful_import(actor, hubei_user, good_rows):
    record = run(actor(hubei_user), xlsx_file(good_rows))
    with pytest.raises(AppError):
        filing_imports.filing_import_error_report(record=record)


def test_processing_twice_does_the_work_once(actor, hubei_user, good_rows):
    record = filing_imports.filing_import_start(actor=actor(hubei_user), upload=xlsx_file(good_rows))
    assert filing_imports.filing_import_process(import_id=record.pk).status == FilingImport.Status.SUCCEEDED
    assert filing_imports.filing_import_process(import_id=record.pk) is None
    record.refresh_from_db()
    assert record.created_count == 3


def test_an_uploader_who_lost_the_province_role_saves_nothing(actor, hubei_user, good_rows):
    record = filing_imports.filing_import_start(actor=actor(hubei_user), upload=xlsx_file(good_rows))
    hubei_user.role_bindings.all().delete()
    filing_imports.filing_import_process(import_id=record.pk)
    record.refresh_from_db()
    assert record.status == FilingImport.Status.FAILED and "不再是本省" in record.message
    assert not Filing.objects.exists()


def _big_csv(institutions, certificate, rows: int) -> SimpleUploadedFile:
    lines = [",".join(HEADERS)]
    levels = ["初级", "中级", "高级"]
    n = 0
    for year in range(2019, 2030):
        for institution in institutions:
            for level in levels:
                if n == rows:
                    break
                lines.append(f"{institution.school_code},,{certificate.name},{year},{level},{10 + n % 90},张老师,"
                             f"13800000000")
                n += 1
    return SimpleUploadedFile("big.csv", ("\r\n".join(lines) + "\r\n").encode())


@pytest.mark.postgres
def test_ten_thousand_rows_are_saved_within_seconds(actor, hubei_user, hubei, certificate):
    institutions = InstitutionFactory.create_batch(400, province=hubei)
    upload = _big_csv(institutions, certificate, 10_000)
    started = time.perf_counter()
    record = run(actor(hubei_user), upload)
    elapsed = time.perf_counter() - started
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    assert record.row_count == 10_000 and FilingLevel.objects.count() == 10_000
    assert AuditEntry.objects.filter(action="filing.created").count() == record.created_count
    assert elapsed < 20, f"10,000 rows took {elapsed:.1f} s"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_the_upload(celery_worker_process, actor, hubei_user, good_rows, settings, tmp_path):
    import os
    from pathlib import Path

    from django.db import transaction

    # The worker process stores and reads files under the run's var directory.
    settings.MEDIA_ROOT = Path(os.environ["PILOT_VAR_DIR"]) / "media"
    with transaction.atomic():
        record = filing_imports.filing_import_start(actor=actor(hubei_user), upload=xlsx_file(good_rows))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        record.refresh_from_db()
        if record.is_finished:
            break
        time.sleep(0.2)
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    assert Filing.objects.count() == 3
