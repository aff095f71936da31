"""The streaming XLSX reader gives the values openpyxl gives, on files openpyxl writes and on the
XML Excel, WPS and LibreOffice write (shared and inline rich strings, phonetic guides, booleans,
errors, formulas' cached values, date styles, the 1904 date system, cells without references)."""

import datetime
import io
import zipfile

import openpyxl
import pytest

from accounts.tabular import Column, Schema, TabularError, read_table
from accounts.tabular.xlsx_stream import column_index, open_sheet


def openpyxl_rows(raw: bytes, title: str):
    sheet = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)[title]
    return [_trim(list(r)) for r in sheet.iter_rows(values_only=True)]


def stream_rows(raw: bytes, title: str):
    rows, _estimated = open_sheet(raw, title)
    return [_trim(values) for _number, values in rows()]


def _trim(values):
    while values and values[-1] is None:
        values.pop()
    return values


def test_column_letters():
    assert [column_index(r) for r in ("A", "Z", "AA", "AB", "XFD")] == [0, 25, 26, 27, 16383]


def test_the_same_values_as_openpyxl_on_a_workbook_openpyxl_writes():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append(["学校标识码", "名称", "人数", "比例", "日期", "时间", "是否", "公式"])
    sheet.append([4142010834, "武汉职业技术学院", 120, 0.25, datetime.date(2020, 9, 1),
                  datetime.datetime(2020, 9, 1, 8, 30), True, "=C2*2"])
    sheet.append([None, "  空格  ", -3, 1e-7, None, None, False, None])
    sheet["D5"] = "隔行"
    sheet["H6"] = 12345678901234
    buffer = io.BytesIO()
    workbook.save(buffer)
    raw = buffer.getvalue()
    ours = stream_rows(raw, "数据")
    # openpyxl's read-only iterator fills skipped rows with empty tuples; the stream skips them.
    theirs = [r for r in openpyxl_rows(raw, "数据") if r]
    assert ours == theirs
    assert ours[1][4] == datetime.datetime(2020, 9, 1) and ours[1][6] is True


def _package(sheet_xml: str, *, shared: str = "", styles: str = "", date1904: bool = False,
             sheets=(("数据", "rId1", "visible"),)) -> bytes:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        sheet_entries = "".join(f'<sheet name="{n}" sheetId="{i}" state="{s}" r:id="{r}"/>'
                                for i, (n, r, s) in enumerate(sheets, start=1))
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}">'
                                            f'<workbookPr date1904="{1 if date1904 else 0}"/>'
                                            f"<sheets>{sheet_entries}</sheets></workbook>")
        relationships = "".join(
            f'<Relationship Id="{r}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i, (_n, r, _s) in enumerate(sheets, start=1))
        archive.writestr("xl/_rels/workbook.xml.rels",
                         f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f"{relationships}</Relationships>")
        for i, _sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml",
                             f'<worksheet xmlns="{main}"><dimension ref="A1:C9"/><sheetData>{sheet_xml}'
                             f"</sheetData></worksheet>")
        if shared:
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}">{shared}</sst>')
        if styles:
            archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{main}">{styles}</styleSheet>')
    return buffer.getvalue()


def test_what_excel_and_wps_write():
    shared = ('<si><t>学校标识码</t></si>'
              '<si><r><t>武汉</t></r><r><rPr><b/></rPr><t>职业技术学院</t></r><rPh sb="0" eb="2"><t>ぶかん</t></rPh></si>'
              '<si><t xml:space="preserve"> 张老师 </t></si>')
    styles = ('<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
              '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/></cellXfs>')
    sheet = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3" s="1"><v>44075</v></c></row>'
             '<row r="4"><c r="B4" t="inlineStr"><is><r><t>内联</t></r><r><t>文本</t></r></is></c>'
             '<c r="C4" s="2"><v>44075.5</v></c></row>'
             '<row r="5"><c r="A5" t="b"><v>1</v></c><c r="B5" t="e"><v>#N/A</v></c>'
             '<c r="C5" t="str"><f>A1&amp;"x"</f><v>学校标识码x</v></c></row>'
             '<row><c t="s"><v>2</v></c><c><v>7</v></c></row>')
    rows, estimated = open_sheet(_package(sheet, shared=shared, styles=styles), "数据")
    assert estimated == 9
    assert list(rows()) == [
        (1, ["学校标识码"]),
        (3, ["武汉职业技术学院", None, datetime.datetime(2020, 9, 1)]),
        (4, [None, "内联文本", datetime.datetime(2020, 9, 1, 12, 0)]),
        (5, [True, "#N/A", "学校标识码x"]),
        (6, [" 张老师 ", 7]),
    ]


def test_the_1904_date_system():
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    rows, _ = open_sheet(_package('<row r="1"><c r="A1" s="1"><v>1</v></c></row>', styles=styles, date1904=True),
                         "数据")
    assert list(rows()) == [(1, [datetime.datetime(1904, 1, 2)])]


def test_the_named_sheet_else_the_first_visible_one():
    sheets = (("说明", "rId1", "hidden"), ("其他", "rId2", "visible"))
    raw = _package('<row r="1"><c r="A1"><v>1</v></c></row>', sheets=sheets)
    rows, _ = open_sheet(raw, "数据")
    assert list(rows()) == [(1, [1])]


def test_a_damaged_sheet_is_a_precise_error_when_read():
    schema = Schema(columns=(Column("a", "甲"),))
    shared = "<si><t>甲</t></si>"
    raw = _package('<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>9</v></c></row>',
                   shared=shared)
    table = read_table(raw, schema, name="坏.xlsx")
    with pytest.raises(TabularError) as caught:
        list(table.rows())
    assert caught.value.code == "bad_xlsx" and "已损坏" in str(caught.value.message)


def test_a_workbook_it_does_not_recognise_goes_to_openpyxl(monkeypatch):
    from accounts import tabular

    monkeypatch.setattr("accounts.tabular.xlsx_stream.open_sheet", lambda raw, title: None)
    workbook = openpyxl.Workbook()
    workbook.active.append(["甲"])
    workbook.active.append(["值"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = tabular.read_table(buffer.getvalue(), Schema(columns=(Column("a", "甲"),)), name="a.xlsx")
    assert [r.values for r in table.rows()] == [{"a": "值"}]
