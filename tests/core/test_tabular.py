"""The shared spreadsheet reader on real files made here: XLSX, CSV in UTF-8 (with and without a
BOM) and GBK, and every kind of wrong file."""

import codecs
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tabular.reading import cell_text, read_table
from core.tabular.schema import ERROR_COLUMN, Column, Schema, TabularError
from core.tabular.validation import int_in_range, one_of, parse_phone, parse_positive_int, validate_rows
from core.tabular.writing import error_report_xlsx, template_xlsx

SCHEMA = Schema(columns=(
    Column("code", "学校标识码", example="4142010834", text_format=True),
    Column("certificate", "证书名称", choices=True, example="Web前端开发"),
    Column("count", "申报人数", example="120", whole_number_min=1),
    Column("note", "备注", required=False),
))
HEADERS = ["学校标识码", "证书名称", "申报人数", "备注"]


def xlsx(rows, *, sheet="数据", leading_blank=0) -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for _ in range(leading_blank):
        ws.append([])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding="utf-8", bom=False) -> bytes:
    text = "\r\n".join(",".join(str(v) for v in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (codecs.BOM_UTF8 + data) if bom else data


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def validator(check):
    count = check.clean("count", parse_positive_int)
    certificate = check.clean("certificate", one_of({"Web前端开发": 1, "老年照护": 2}, "证书"))
    if check.ok:
        return (check.number, check.text("code"), certificate, count)
    return None


def refused(content, name="f.xlsx", schema=SCHEMA) -> TabularError:
    with pytest.raises(TabularError) as caught:
        read_table(upload(content, name), schema)
    return caught.value


# --- reading good files ----------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "name", "kind", "encoding"), [
    (xlsx([HEADERS, ["4142010834", "Web前端开发", 30, None]]), "a.xlsx", "xlsx", None),
    (csv_bytes([HEADERS, ["4142010834", "Web前端开发", 30, ""]]), "a.csv", "csv", "utf-8"),
    (csv_bytes([HEADERS, ["4142010834", "Web前端开发", 30, ""]], bom=True), "a.csv", "csv", "utf-8-sig"),
    (csv_bytes([HEADERS, ["4142010834", "Web前端开发", 30, ""]], encoding="gbk"), "a.csv", "csv", "gbk"),
])
def test_xlsx_and_csv_in_utf8_with_or_without_bom_and_gbk_read_the_same(content, name, kind, encoding):
    table = read_table(upload(content, name), SCHEMA)
    assert (table.kind, table.encoding) == (kind, encoding)
    rows = list(table.rows())
    assert [(r.number, r.values) for r in rows] == [
        (2, {"code": "4142010834", "certificate": "Web前端开发", "count": "30", "note": ""})]


def test_the_content_decides_not_the_file_name():
    table = read_table(upload(xlsx([HEADERS, ["1", "Web前端开发", 3]]), "renamed.csv"), SCHEMA)
    assert table.kind == "xlsx"


def test_row_numbers_are_those_excel_shows_across_blank_rows_and_a_late_header():
    content = xlsx([HEADERS, ["1", "Web前端开发", 1], [], ["2", "老年照护", 2]], leading_blank=2)
    rows = list(read_table(upload(content, "a.xlsx"), SCHEMA).rows())
    assert [r.number for r in rows] == [4, 6]


def test_headers_match_in_any_order_with_required_marks_and_spaces():
    content = xlsx([["申报人数*", " 证书名称 ", "学校标识码＊"], [5, "Web前端开发", "4142010834"]])
    row = next(read_table(upload(content, "a.xlsx"), SCHEMA).rows())
    assert row.values == {"code": "4142010834", "certificate": "Web前端开发", "count": "5", "note": ""}


def test_numbers_dates_and_invisible_characters_become_the_text_the_user_typed():
    import datetime

    assert cell_text(4142010834.0) == "4142010834"
    assert cell_text(12.5) == "12.5"
    assert cell_text(datetime.datetime(2020, 9, 1)) == "2020-09-01"
    assert cell_text("\ufeff 张老师\u200b ") == "张老师"
    assert cell_text(None) == ""


def test_the_template_example_row_is_skipped_and_a_real_row_is_not():
    content = xlsx([HEADERS, ["4142010834", "Web前端开发", "120", None], ["4142010834", "Web前端开发", "121", None]])
    rows = list(read_table(upload(content, "a.xlsx"), SCHEMA).rows())
    assert [r["count"] for r in rows] == ["121"]


# --- refusing wrong files ------------------------------------------------------------------------

def test_an_empty_file_is_refused():
    assert refused(b"").code == "empty_file"
    assert "空文件" in str(refused(b"").message)
    assert refused(b"   \r\n").code == "empty_file"


def test_a_header_only_file_reads_no_rows():
    assert list(read_table(upload(csv_bytes([HEADERS]), "a.csv"), SCHEMA).rows()) == []


@pytest.mark.parametrize(("content", "what"), [
    (b"%PDF-1.7\n%binary", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "可执行程序"),
    (bytes(range(256)) * 10, "二进制"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_saying_what_it_is(content, what):
    error = refused(content)
    assert error.code == "not_a_spreadsheet"
    assert what in str(error.message) and "不是 Excel" in str(error.message)


def test_a_word_document_renamed_to_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    error = refused(buffer.getvalue())
    assert error.code == "not_a_spreadsheet" and "Word" in str(error.message)


def test_an_old_xls_is_refused_with_what_to_do():
    error = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    assert error.code == "legacy_xls" and "另存为" in str(error.message)


def test_wrong_headers_are_refused_naming_the_missing_and_the_unknown_columns():
    error = refused(xlsx([["学校代码", "证书名称", "人数"], ["1", "Web前端开发", 3]]))
    message = str(error.message)
    assert error.code == "wrong_headers"
    assert "缺少“学校标识码”、“申报人数”列" in message and "多出“学校代码”、“人数”列" in message


def test_a_duplicated_header_is_refused():
    error = refused(xlsx([HEADERS + ["证书名称"], ["1", "Web前端开发", 3, "", "x"]]))
    assert "“证书名称”列重复" in str(error.message)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_utf16_or_utf32_csv_is_refused_naming_its_encoding(encoding):
    error = refused(csv_bytes([HEADERS, ["1", "Web前端开发", 3, ""]], encoding=encoding), "a.csv")
    assert error.code == "bad_encoding"
    assert "UTF-8 或 GBK" in str(error.message)


def test_a_big5_csv_is_refused_as_big5():
    content = "學校標識碼,證書名稱,申報人數\r\n4142010834,老年照護,3\r\n".encode("big5")
    error = refused(content, "a.csv")
    assert error.code == "bad_encoding" and "Big5" in str(error.message)


def test_a_csv_in_neither_utf8_nor_gbk_is_refused():
    content = "学校标识码,证书名称,申报人数\n".encode() + b"\x81\x20\xff\xfe\x80,\x80\x80\n"
    error = refused(content, "a.csv")
    assert error.code == "bad_encoding" and "既不是 UTF-8 编码也不是 GBK 编码" in str(error.message)


def test_a_50_mb_file_is_refused_before_it_is_read():
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(TabularError) as caught:
        read_table(big, SCHEMA)
    assert caught.value.code == "file_too_large"
    message = str(caught.value.message).replace("\xa0", " ")
    assert "50.0 MB" in message and "20.0 MB" in message


def test_too_many_rows_are_refused_while_reading():
    small = Schema(columns=SCHEMA.columns, max_rows=3)
    table = read_table(upload(csv_bytes([HEADERS] + [["1", "Web前端开发", n, ""] for n in range(1, 5)]), "a.csv"), small)
    with pytest.raises(TabularError) as caught:
        list(table.rows())
    assert caught.value.code == "too_many_rows" and "超过 3 行" in str(caught.value.message)


def test_an_unbalanced_quote_in_a_csv_is_a_file_error():
    content = '学校标识码,证书名称,申报人数\n1,"Web前端开发,3\n'.encode() + b"x" * 200_000
    table = read_table(upload(content, "a.csv"), SCHEMA)
    with pytest.raises(TabularError):
        list(table.rows())


# --- validating rows -------------------------------------------------------------------------------

def test_every_error_of_every_row_is_collected_with_row_column_and_message():
    content = xlsx([HEADERS, ["4142010834", "Web前端开发", 10], ["", "没有的证书", 0], ["1", "老年照护", "x", "", "多余"]])
    result = validate_rows(read_table(upload(content, "a.xlsx"), SCHEMA), SCHEMA, validator)
    assert not result.ok
    found = {(e.row, e.column, e.message) for e in result.errors}
    assert (3, "学校标识码", "“学校标识码”不能为空。") in found
    assert (3, "申报人数", "应为正整数，当前为“0”。") in found
    assert (3, "证书名称", "证书“没有的证书”无效，应为：Web前端开发、老年照护。") in found
    assert (4, "申报人数", "应为正整数，当前为“x”。") in found
    assert any(e.row == 4 and e.column == "" and "表头以外" in e.message for e in result.errors)
    assert result.error_rows == {3, 4}
    assert result.rows == [(2, "4142010834", 1, 10)]


def test_a_clean_file_validates_ok_with_every_row_kept():
    content = csv_bytes([HEADERS] + [["1", "老年照护", n, ""] for n in range(1, 101)])
    seen = []
    result = validate_rows(read_table(upload(content, "a.csv"), SCHEMA), SCHEMA, validator,
                           progress=seen.append, progress_every=40)
    assert result.ok and result.rows_read == 100 and len(result.rows) == 100
    assert seen == [40, 80, 100]


def test_errors_beyond_the_cap_are_counted_not_kept():
    content = csv_bytes([HEADERS] + [["1", "老年照护", 0, ""] for _ in range(30)])
    result = validate_rows(read_table(upload(content, "a.csv"), SCHEMA), SCHEMA, validator, max_errors=5)
    assert result.error_count == 30 and len(result.errors) == 5 and result.truncated


@pytest.mark.parametrize(("parser", "text", "ok"), [
    (parse_positive_int, "12", 12), (parse_positive_int, "1,200", 1200), (parse_positive_int, "3.0", 3),
    (parse_positive_int, "-1", None), (parse_positive_int, "2.5", None), (parse_positive_int, "0", None),
    (int_in_range(2019, 2030), "2020", 2020), (int_in_range(2019, 2030), "2018", None),
    (parse_phone, "13800000000", "13800000000"), (parse_phone, "027-87654321", "027-87654321"),
    (parse_phone, "12345", None),
])
def test_parsers(parser, text, ok):
    if ok is None:
        with pytest.raises(ValueError):
            parser(text)
    else:
        assert parser(text) == ok


# --- writing -------------------------------------------------------------------------------------

def test_the_template_has_headers_an_example_row_drop_downs_and_instructions():
    content = template_xlsx(SCHEMA, choices={"certificate": ["Web前端开发", "老年照护"]}, instructions=["说明一"])
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["数据", "填写说明", "选项"]
    sheet = workbook["数据"]
    assert [c.value for c in sheet[1]] == ["学校标识码*", "证书名称*", "申报人数*", "备注"]
    assert [c.value for c in sheet[2]][:3] == ["4142010834", "Web前端开发", "120"]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert rules["B2:B200001"].type == "list" and rules["B2:B200001"].formula1 == "'选项'!$A$2:$A$3"
    assert rules["C2:C200001"].type == "whole"
    assert [c.value for c in workbook["选项"]["A"]] == ["证书名称", "Web前端开发", "老年照护"]
    assert workbook["选项"].sheet_state == "hidden"
    assert workbook["填写说明"]["A1"].value == "说明一"
    # Read back, the template has no data rows: the example is skipped.
    assert list(read_table(upload(content, "template.xlsx"), SCHEMA).rows()) == []


def test_the_error_report_marks_wrong_cells_red_with_comments_and_can_be_uploaded_again():
    content = xlsx([HEADERS, ["4142010834", "Web前端开发", 10], [], ["1", "老年照护", 0]])
    table = read_table(upload(content, "a.xlsx"), SCHEMA)
    result = validate_rows(table, SCHEMA, validator)
    report = openpyxl.load_workbook(io.BytesIO(error_report_xlsx(table, result.errors)))
    sheet = report["数据"]
    assert sheet["E1"].value == ERROR_COLUMN
    wrong = sheet["C4"]
    assert wrong.value == "0" and wrong.fill.fgColor.rgb.endswith("FFC7CE")
    assert "正整数" in wrong.comment.text
    assert sheet["A4"].comment is None and sheet["C2"].fill.fgColor.rgb in (None, "00000000")
    assert "申报人数" in sheet["E4"].value
    assert [c.value for c in report["错误清单"][2]] == [4, "申报人数", "应为正整数，当前为“0”。"]
    # The user fixes the red cell in the report and uploads it as it is.
    sheet["C4"] = 7
    fixed = io.BytesIO()
    report.save(fixed)
    again = validate_rows(read_table(upload(fixed.getvalue(), "report.xlsx"), SCHEMA), SCHEMA, validator)
    assert again.ok and [r[0] for r in again.rows] == [2, 4]


@pytest.mark.parametrize("name", ["filings.xlsx", "FILINGS.XLSX", "old.xls"])
def test_a_text_file_named_as_a_workbook_is_refused_as_not_a_workbook(name):
    error = refused(b"not an excel file\nsecond line\n", name)
    assert error.code == "not_a_workbook"
    message = str(error.message)
    assert f"文件“{name}”不是 Excel 工作簿" in message and "表头" not in message and "not an excel file" not in message


def test_a_csv_named_as_a_workbook_is_refused_too_even_with_the_right_headers():
    error = refused(csv_bytes([HEADERS, ["4142010834", "Web前端开发", 30, ""]]), "a.xlsx")
    assert error.code == "not_a_workbook"
