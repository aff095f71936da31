"""The streaming XLSX reader gives the values openpyxl gives, on files openpyxl writes and on the
XML Excel, WPS and LibreOffice write (shared and inline rich strings, phonetic guides, booleans,
errors, formulas' cached values, date styles, the 1904 date system, cells without references)."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.tabular import xlsx_stream
from core.tabular.reading import read_table
from core.tabular.schema import Column, Schema, TabularError
from core.tabular.xlsx_stream import _parse_rows, column_index, open_sheet


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


X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"  # Excel declares it, for row heights


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
                             f'<worksheet xmlns="{main}" xmlns:x14ac="{X14AC}"><dimension ref="A1:C9"/>'
                             f"<sheetData>{sheet_xml}"
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
    from core import tabular

    monkeypatch.setattr("core.tabular.xlsx_stream.open_sheet", lambda raw, title: None)
    workbook = openpyxl.Workbook()
    workbook.active.append(["甲"])
    workbook.active.append(["值"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = tabular.read_table(buffer.getvalue(), Schema(columns=(Column("a", "甲"),)), name="a.xlsx")
    assert [r.values for r in table.rows()] == [{"a": "值"}]


# --- the scanner (regular expressions over the sheet XML) and the parser agree ------------------

def parser_rows(raw: bytes, title: str):
    """The rows as the XML parser alone reads them."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    path, date1904 = xlsx_stream._sheet_path(archive, title)
    convert = xlsx_stream._Converter(xlsx_stream._shared_strings(archive), xlsx_stream._date_styles(archive),
                                     datetime.datetime(1904, 1, 1) if date1904 else None)
    with archive.open(path) as handle:
        return list(_parse_rows(handle, convert))


@pytest.fixture
def scanner_only(monkeypatch):
    """Fail if the parser is called: the sheet must be one the scanner reads entirely."""
    def refuse(handle, convert):
        raise AssertionError("the parser was used")
        yield  # pragma: no cover

    monkeypatch.setattr(xlsx_stream, "_parse_rows", refuse)


PLAIN_SHEET = (
    '<row r="1" spans="1:4" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>'
    '&#22995;&#21517;</t></is></c><c r="D1" s="1"><v>44075</v></c></row>'
    '<row r="2"><c r="A2" t="b"><v>0</v></c><c r="B2" t="e"><v>#DIV/0!</v></c><c r="C2" t="str"><f>A1&amp;"&lt;"</f>'
    '<v>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos;</v></c><c r="D2" s="2"><v>44075.5</v></c></row>'
    '<row r="3"/>'
    '\n  <row r="5"><c r="C5" t="inlineStr"><is><t xml:space="preserve"> 张老师\r\n </t></is></c><c r="AA5"><v>-1.5E-3</v></c>'
    '<c r="B5" s="0" t="n"><v>12345678901234</v></c><c r="E5"/><c r="F5" t="str"><f t="shared" si="0"/><v>x</v></c></row>'
    '<row r="6" ht="20"><c r="A6" t="inlineStr"><is><t>&#x5f20;&#20029;&#x1F600;</t></is></c>'
    '<c r="B6" t="inlineStr"><is><t></t></is></c><c r="C6" t="s"><v></v></c></row>'
    '<row><c r="A7"><v>7</v></c></row>'
)
PLAIN_STYLES = '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="22"/></cellXfs>'


def test_the_scanner_reads_plain_sheets_as_the_parser_does(scanner_only):
    raw = _package(PLAIN_SHEET, shared="<si><t>学校</t></si>", styles=PLAIN_STYLES)
    rows = stream_rows(raw, "数据")
    assert rows == [_trim(values) for _number, values in parser_rows(raw, "数据")]
    assert rows[0] == ["学校", "姓名", None, datetime.datetime(2020, 9, 1)]
    assert rows[1] == [False, "#DIV/0!", "a&b <c> \"d\" 'e'", datetime.datetime(2020, 9, 1, 12)]
    assert rows[3] == [None, 12345678901234, " 张老师\n "] + [None] * 2 + ["x"] + [None] * 20 + [-0.0015]
    assert rows[4] == ["张丽😀", ""] and rows[5] == [7]
    rows_and_numbers = [number for number, _values in open_sheet(raw, "数据")[0]()]
    assert rows_and_numbers == [1, 2, 3, 5, 6, 7]


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_rows_cut_across_reads_are_read_whole(monkeypatch, scanner_only, chunk):
    raw = _package(PLAIN_SHEET * 3, shared="<si><t>学校</t></si>", styles=PLAIN_STYLES)
    expected = stream_rows(raw, "数据")
    monkeypatch.setattr(xlsx_stream, "_CHUNK", chunk)
    assert stream_rows(raw, "数据") == expected


@pytest.mark.parametrize("odd", [
    '<row r="3"><c r="A3"><v>1</v></c> <c r="B3"><v>2</v></c></row>',  # whitespace between cells
    '<row r="3"><c t="n" r="A3"><v>1</v></c></row>',  # attributes in another order
    '<row r="3"><c r="A3" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>',  # rich text
    '<row r="3"><c r="A3" t="str"><v><![CDATA[<x>]]></v></c></row>',  # CDATA
    '<row r="3"><!-- a comment --><c r="A3"><v>1</v></c></row>',
    '<row r="3"><c><v>1</v></c><c><v>2</v></c></row>',  # cells without references
    '<row r="3"><c r="A3" t="inlineStr"><is><t>a</t><rPh><t>b</t></rPh></is></c></row>',
])
def test_what_the_scanner_does_not_describe_goes_to_the_parser_after_the_rows_already_read(odd):
    raw = _package('<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>乙</t></is></c>'
                   f'</row>{odd}<row r="4"><c r="B4"><v>4</v></c></row>')
    rows = list(open_sheet(raw, "数据")[0]())
    assert rows == parser_rows(raw, "数据")
    assert [number for number, _values in rows] == [1, 2, 3, 4] and rows[1][1] == ["乙"]


@pytest.mark.parametrize("damage", [
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a &nbsp; b</t></is></c></row>',  # not an XML entity
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a & b</t></is></c></row>',  # a bare ampersand
    '<row r="2"><c r="A2" t="inlineStr"><is><t>&#0;</t></is></c></row>',  # a reference to a forbidden character
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a\x01b</t></is></c></row>',  # a forbidden character
    '<row r="2"><c r="A2" t="s"><v>7</v></c></row>',  # a shared string that is not there
    '<row r="2"><c r="A2"><v>1</v></c>',  # a row that does not end
    '<row r="2" y:h="1"><c r="A2"><v>1</v></c></row>',  # an undeclared prefix
    '<row r="2" ht="1" ht="2"><c r="A2"><v>1</v></c></row>',  # an attribute given twice
])
def test_a_damaged_sheet_is_refused_whichever_reader_meets_the_damage(damage):
    schema = Schema(columns=(Column("a", "甲"),))
    raw = _package(f'<row r="1"><c r="A1" t="inlineStr"><is><t>甲</t></is></c></row>{damage}')
    with pytest.raises(TabularError) as caught:
        list(read_table(raw, schema, name="坏.xlsx").rows())
    assert caught.value.code == "bad_xlsx"


def test_a_sheet_damaged_after_its_rows_is_refused():
    schema = Schema(columns=(Column("a", "甲"),))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_package('<row r="1"><c r="A1" t="inlineStr"><is><t>甲</t></is></c></row>'
                                             '<row r="2"><c r="A2"><v>1</v></c></row>'))) as source, \
            zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                content = content.replace(b"</worksheet>", b"<mergeCells>")  # cut off
            target.writestr(item, content)
    with pytest.raises(TabularError) as caught:
        list(read_table(buffer.getvalue(), schema, name="坏.xlsx").rows())
    assert caught.value.code == "bad_xlsx"


def test_a_sheet_in_another_encoding_is_read_by_the_parser():
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    raw = _package('<row r="1"><c r="A1" t="inlineStr"><is><t>甲</t></is></c></row>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                content = (f'<?xml version="1.0" encoding="GB18030"?><worksheet xmlns="{main}"><sheetData>'
                           '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row></sheetData></worksheet>'
                           ).encode("gb18030")
            target.writestr(item, content)
    assert stream_rows(buffer.getvalue(), "数据") == [["名称"]]


_TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from(
    "&<>\"'\r\n\t 张"), max_size=8)


def _cell_xml(ref: str, kind: str, value, shared: list[str]) -> str:
    from xml.sax.saxutils import escape

    def text(v):  # as openpyxl writes text: references for what is not ASCII, CR as a reference
        return escape(v, {'"': "&quot;", "'": "&apos;"}).encode("ascii", "xmlcharrefreplace").decode() \
            .replace("\r", "&#13;")

    if kind == "s":
        shared.append(f"<si><t>{text(value)}</t></si>")
        return f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>'
    if kind == "inlineStr":
        return f'<c r="{ref}" t="inlineStr"><is><t>{text(value)}</t></is></c>'
    if kind == "str":
        return f'<c r="{ref}" t="str"><f>"{text(value)}"</f><v>{text(value)}</v></c>'
    if kind == "b":
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind == "date":
        return f'<c r="{ref}" s="1"><v>{value}</v></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>' if kind == "n" else f'<c r="{ref}"/>'


_CELLS = st.one_of(
    st.tuples(st.sampled_from(["s", "inlineStr", "str"]), _TEXTS),
    st.tuples(st.just("n"), st.integers(-10**15, 10**15) | st.floats(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just("b"), st.booleans()),
    st.tuples(st.just("date"), st.integers(1, 80000)),
    st.tuples(st.just("empty"), st.none()),
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(st.tuples(st.integers(0, 30), _CELLS), max_size=6), max_size=8),
       gaps=st.lists(st.integers(1, 3), min_size=8, max_size=8))
def test_any_sheet_reads_the_same_through_the_scanner_and_the_parser(rows, gaps):
    from openpyxl.utils import get_column_letter

    shared: list[str] = []
    xml, number = [], 0
    for cells, gap in zip(rows, gaps, strict=False):
        number += gap
        columns = sorted({column: cell for column, cell in cells}.items())
        xml.append(f'<row r="{number}">' + "".join(
            _cell_xml(f"{get_column_letter(column + 1)}{number}", kind, value, shared)
            for column, (kind, value) in columns) + "</row>")
    raw = _package("".join(xml), shared="".join(shared), styles=PLAIN_STYLES)
    assert list(open_sheet(raw, "数据")[0]()) == parser_rows(raw, "数据")
