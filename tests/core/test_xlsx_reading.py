"""XLSX uploads are read by calamine (python-calamine): the texts the importers get are those the
user typed, as openpyxl reads them, on files openpyxl writes and on the XML Excel, WPS and
LibreOffice write (shared and inline rich strings, phonetic guides, booleans, formulas' cached
values, date styles, the 1904 date system, cells without references); and a sheet whose cells span
more than the reader will hold is refused before calamine allocates it."""

import datetime
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from core.tabular.reading import cell_text, read_table
from core.tabular.schema import MAX_SHEET_CELLS, Column, Schema, TabularError
from core.tabular.xlsx_extent import column_number, span_over

WIDE = Schema(columns=tuple(Column(f"k{i}", f"列{i}", required=False) for i in range(1, 32)), allow_extra_columns=True)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"  # Excel declares it, for row heights
HEADER = '<row r="1">' + "".join(f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>列{i}</t></is></c>'
                                 for i in range(1, 32)) + "</row>"


def package(sheet_xml: str, *, shared: str = "", styles: str = "", date1904: bool = False,
            sheets=(("数据", "rId1", "visible"),)) -> bytes:
    """A workbook as Excel lays it out, with ``sheet_xml`` as the rows of each sheet."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        archive = _Fixed(zipped)
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
                                        "</Relationships>")
        entries = "".join(f'<sheet name="{n}" sheetId="{i}" state="{s}" r:id="{r}"/>'
                          for i, (n, r, s) in enumerate(sheets, start=1))
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
                                            f'<workbookPr date1904="{1 if date1904 else 0}"/>'
                                            f"<sheets>{entries}</sheets></workbook>")
        relationships = "".join(f'<Relationship Id="{r}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                                for i, (_n, r, _s) in enumerate(sheets, start=1))
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         f"{relationships}</Relationships>")
        for i, _sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{i}.xml",
                             f'<worksheet xmlns="{MAIN}" xmlns:x14ac="{X14AC}"><dimension ref="A1:C9"/>'
                             f"<sheetData>{sheet_xml}</sheetData></worksheet>")
        if shared:
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{shared}</sst>')
        if styles:
            archive.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
    return buffer.getvalue()


class _Fixed:
    """Parts written with a fixed date: the same workbook is the same bytes."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive

    def writestr(self, name: str, text: str) -> None:
        self.archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 9, 1, 0, 0, 0)), text, zipfile.ZIP_DEFLATED)


def rows_of(raw: bytes, schema: Schema = WIDE) -> list[tuple[int, dict]]:
    """(row number, non-empty texts by column key) of each data row, as the importers get them."""
    return [(r.number, {k: v for k, v in r.values.items() if v}) for r in read_table(raw, schema, name="a.xlsx").rows()]


def refused(raw: bytes, schema: Schema = WIDE) -> TabularError:
    with pytest.raises(TabularError) as caught:
        list(read_table(raw, schema, name="a.xlsx").rows())
    return caught.value


# --- the same texts as openpyxl ----------------------------------------------------------------

def test_the_same_texts_as_openpyxl_on_a_workbook_openpyxl_writes():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "数据"
    sheet.append([f"列{i}" for i in range(1, 16)])
    sheet.append([4142010834, "武汉职业技术学院", 120, 0.25, datetime.date(2020, 9, 1), datetime.datetime(2020, 9, 1, 8, 30),
                  True, "=C2*2", datetime.time(8, 30), "0123", "420106200305151238", 13800000000, "13800000000",
                  12345678901234, 85.5])
    sheet.append([None, "  空格\u200b  ", -3, 1e-7, None, None, False, None, None, "4.20106E+17"])
    sheet["D5"] = "隔行"
    sheet["O6"] = -0.0
    buffer = io.BytesIO()
    workbook.save(buffer)
    raw = buffer.getvalue()
    expected = []
    reference = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)["数据"]
    for number, values in enumerate(reference.iter_rows(min_row=2, values_only=True), start=2):
        texts = {f"k{i}": cell_text(v) for i, v in enumerate(values, start=1) if cell_text(v)}
        if texts:
            expected.append((number, texts))
    assert rows_of(raw) == expected
    row = dict(rows_of(raw))[2]
    # Codes and numbers typed as text stay as typed; numbers come without a spurious ".0".
    assert (row["k1"], row["k10"], row["k11"], row["k12"], row["k13"]) == (
        "4142010834", "0123", "420106200305151238", "13800000000", "13800000000")
    assert (row["k5"], row["k6"], row["k7"], row["k9"], row["k15"]) == (
        "2020-09-01", "2020-09-01 08:30:00", "是", "08:30:00", "85.5")
    assert "k8" not in row  # a formula openpyxl wrote has no cached value: empty, as in openpyxl


SHARED = ('<si><t>学校标识码</t></si>'
          '<si><r><t>武汉</t></r><r><rPr><b/></rPr><t>职业技术学院</t></r><rPh sb="0" eb="2"><t>ぶかん</t></rPh></si>'
          '<si><t xml:space="preserve"> 张老师 </t></si>'
          '<si><t>420106200305151238</t></si>')
STYLES = ('<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
          '</numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/></cellXfs>')


def test_what_excel_and_wps_write():
    sheet = ('<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="inlineStr"><is><t>列1</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>列2</t></is></c><c r="C1" t="inlineStr"><is><t>列3</t></is></c></row>'
             '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="C3" s="1"><v>44075</v></c></row>'
             '<row r="4"><c r="B4" t="inlineStr"><is><r><t>内联</t></r><r><t>文本</t></r></is></c>'
             '<c r="C4" s="2"><v>44075.5</v></c></row>'
             '<row r="5"><c r="A5" t="b"><v>1</v></c><c r="B5" t="e"><v>#N/A</v></c>'
             '<c r="C5" t="str"><f>A1&amp;"x"</f><v>学校标识码x</v></c></row>'
             '<row><c t="s"><v>2</v></c><c><v>7</v></c><c t="s"><v>3</v></c></row>'
             '<row r="8"><c r="A8" t="d"><v>2020-09-01T00:00:00</v></c><c r="B8" s="0" t="n"><v>4142010834</v></c>'
             '<c r="C8" t="inlineStr"><is><t>a&amp;b &lt;c&gt; &#x5f20;&#20029;</t></is></c></row>')
    assert rows_of(package(sheet, shared=SHARED, styles=STYLES)) == [
        (3, {"k1": "武汉职业技术学院", "k3": "2020-09-01"}),
        (4, {"k2": "内联文本", "k3": "2020-09-01 12:00:00"}),
        # An error value (#N/A, #DIV/0!) reads as an empty cell: a required column then says so.
        (5, {"k1": "是", "k3": "学校标识码x"}),
        (6, {"k1": "张老师", "k2": "7", "k3": "420106200305151238"}),
        (8, {"k1": "2020-09-01", "k2": "4142010834", "k3": "a&b <c> 张丽"}),
    ]


def test_the_1904_date_system():
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>列1</t></is></c></row><row r="2"><c r="A2" s="1"><v>1</v></c></row>'
    assert rows_of(package(sheet, styles=styles, date1904=True)) == [(2, {"k1": "1904-01-02"})]


def test_the_named_sheet_else_the_first_visible_one():
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>列1</t></is></c></row><row r="2"><c r="A2"><v>5</v></c></row>'
    assert rows_of(package(sheet, sheets=(("说明", "rId1", "hidden"), ("其他", "rId2", "visible")))) == [(2, {"k1": "5"})]
    error = refused(package(sheet, sheets=(("说明", "rId1", "hidden"),)))
    assert error.code == "empty_file" and "没有工作表" in str(error.message)


def test_rows_keep_the_numbers_excel_shows_when_the_sheet_starts_below_and_right_of_a1():
    sheet = ('<row r="4"><c r="C4" t="inlineStr"><is><t>列1</t></is></c><c r="D4" t="inlineStr"><is><t>列2</t></is></c></row>'
             '<row r="7"><c r="D7"><v>2</v></c></row><row r="9"><c r="C9" t="inlineStr"><is><t>甲</t></is></c></row>')
    table = read_table(package(sheet), WIDE, name="a.xlsx")
    assert table.header_row == 4 and table.estimated_rows == 5
    assert rows_of(package(sheet)) == [(7, {"k2": "2"}), (9, {"k1": "甲"})]


@pytest.mark.parametrize("damage", [
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a &nbsp; b</t></is></c></row>',  # not an XML entity
    '<row r="2"><c r="A2" t="inlineStr"><is><t>a & b</t></is></c></row>',  # a bare ampersand
    '<row r="2"><c r="A2" t="inlineStr"><is><t>&#0;</t></is></c></row>',  # a reference to a forbidden character
    '<row r="2"><c r="A2" t="s"><v>7</v></c></row>',  # a shared string that is not there
    '<row r="2"><c r="A2" t="b"><v>2</v></c></row>',  # a boolean that is neither
])
def test_a_damaged_sheet_is_refused_when_the_file_is_opened(damage):
    raw = package(f'<row r="1"><c r="A1" t="inlineStr"><is><t>列1</t></is></c></row>{damage}')
    with pytest.raises(TabularError) as caught:
        read_table(raw, WIDE, name="坏.xlsx")
    assert caught.value.code == "bad_xlsx" and "已损坏" in str(caught.value.message)


def test_a_package_without_its_relationships_is_refused_as_damaged():
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package('<row r="1"><c r="A1"><v>1</v></c></row>'))) as source, \
            zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if item.filename != "_rels/.rels":
                target.writestr(item, source.read(item))
    assert refused(buffer.getvalue()).code == "bad_xlsx"


# --- the span: refused before calamine allocates it ---------------------------------------------

@pytest.mark.parametrize("far", [
    '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',  # the last cell of a sheet
    '<row r="2"><c r="XFD1048576"><v>1</v></c></row>',  # a cell whose row is not its row's
    "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",  # other quotes
    '<row r="1048576"><c s="1" r="XFD1048576"><v>1</v></c></row>',  # another attribute first
    '<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>',  # other whitespace
    '<row r="1048576"><c r = "XFD1048576"><v>1</v></c></row>',  # spaces around "="
    '<row r="1048576">' + "<c/>" * 20 + "</row>",  # cells without references
    '<row r="1048576"><c r="C1048576"><v>1</v></c>' + "<c><v>1</v></c>" * 20 + "</row>",
    f'<x:row xmlns:x="{MAIN}" r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>',  # a prefix
])
def test_a_sheet_spanning_more_cells_than_the_reader_holds_is_refused_not_allocated(far):
    raw = package(f'<row r="1"><c r="A1" t="inlineStr"><is><t>列1</t></is></c></row>{far}')
    error = refused(raw)
    assert error.code == "sheet_too_large"
    assert "1,048,576" in str(error.message) and "表格范围过大" in str(error.message)


def test_the_span_counts_as_calamine_places_cells():
    plain = package('<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="AB9"><v>1</v></c></row>')
    assert span_over(plain, 9 * 28 - 1) == (9, 28) and span_over(plain, 9 * 28) is None
    referenceless = package('<row r="3"><c r="C3"><v>1</v></c><c><v>2</v></c></row><row><c/><c/><c/><c/><c/></row>')
    assert span_over(referenceless, 4 * 5 - 1) == (4, 5) and span_over(referenceless, 4 * 5) is None
    assert [column_number(c) for c in (b"A", b"Z", b"AA", b"AB", b"XFD")] == [1, 26, 27, 28, 16384]


def test_a_sheet_within_the_span_is_read_however_it_is_written():
    sheet = ('<row r="1"><c r="A1" t="inlineStr"><is><t>列1</t></is></c><c r="B1" t="inlineStr"><is><t>列2</t></is></c></row>'
             "<row><c s='0' r='A2'><v>1</v></c><c><v>2</v></c></row>")
    assert rows_of(package(sheet)) == [(2, {"k1": "1", "k2": "2"})]
    assert MAX_SHEET_CELLS >= 200_000 * 50  # the row limit at 50 columns


# --- any sheet: the texts of the values written --------------------------------------------------

_TEXTS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn")) | st.sampled_from(
    "&<>\"'\r\n\t 张0"), max_size=8)
_CELLS = st.one_of(
    st.tuples(st.sampled_from(["s", "inlineStr", "str"]), _TEXTS),
    st.tuples(st.just("n"), st.integers(-10**15, 10**15) | st.floats(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just("b"), st.booleans()),
    st.tuples(st.just("date"), st.integers(1, 80000) | st.floats(1, 80000)),
    st.tuples(st.just("empty"), st.none()),
)


def _cell_xml(ref: str, kind: str, value, shared: list[str]) -> str:
    from xml.sax.saxutils import escape

    def text(v):  # as openpyxl writes text: references for what is not ASCII, CR as a reference
        return escape(v, {'"': "&quot;", "'": "&apos;"}).encode("ascii", "xmlcharrefreplace").decode() \
            .replace("\r", "&#13;")

    if kind == "s":
        shared.append(f'<si><t xml:space="preserve">{text(value)}</t></si>')
        return f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>'
    if kind == "inlineStr":
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text(value)}</t></is></c>'
    if kind == "str":
        return f'<c r="{ref}" t="str"><f>"{text(value)}"</f><v xml:space="preserve">{text(value)}</v></c>'
    if kind == "b":
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if kind == "date":
        return f'<c r="{ref}" s="1"><v>{value!r}</v></c>'
    return f'<c r="{ref}"><v>{value!r}</v></c>' if kind == "n" else f'<c r="{ref}"/>'


def _expected_text(kind: str, value) -> str:
    if kind == "date":
        return cell_text(from_excel(value))
    return cell_text(value)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(st.tuples(st.integers(0, 30), _CELLS), max_size=6), max_size=8),
       gaps=st.lists(st.integers(1, 3), min_size=8, max_size=8))
def test_any_sheet_reads_as_the_texts_of_the_values_written(rows, gaps):
    shared: list[str] = []
    xml, expected, number = [HEADER], [], 1
    for cells, gap in zip(rows, gaps, strict=False):
        number += gap
        columns = sorted({column: cell for column, cell in cells}.items())
        xml.append(f'<row r="{number}">' + "".join(
            _cell_xml(f"{get_column_letter(column + 1)}{number}", kind, value, shared)
            for column, (kind, value) in columns) + "</row>")
        texts = {f"k{column + 1}": _expected_text(kind, value) for column, (kind, value) in columns}
        texts = {k: v for k, v in texts.items() if v}
        if texts:
            expected.append((number, texts))
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    assert rows_of(package("".join(xml), shared="".join(shared), styles=styles)) == expected


def test_a_file_damaged_anywhere_is_refused_or_read_never_a_crash():
    import random

    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>学校{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
                   for n in range(2, 40))
    good = package(HEADER + rows)
    assert len(rows_of(good)) == 38
    chance = random.Random(14)
    refusals = 0
    for _ in range(300):
        damaged = bytearray(good)
        for _ in range(3):
            damaged[chance.randrange(len(damaged))] = chance.randrange(256)
        try:
            list(read_table(bytes(damaged), WIDE, name="a.xlsx").rows())
        except TabularError:  # any precise refusal; nothing else may come out
            refusals += 1
    assert refusals > 200


# --- an upload checked when it arrives, read whole once ------------------------------------------

def _long_sheet(after: str = "", rows: int = 120) -> bytes:
    body = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>学校{n}</t></is></c><c r="B{n}"><v>{n}</v></c></row>'
                   for n in range(2, rows + 2))
    return package(HEADER + body + after)


def test_the_headers_are_checked_on_the_first_rows_and_the_sheet_read_whole_when_its_rows_are():
    assert [n for n, _texts in rows_of(_long_sheet())] == list(range(2, 122))
    # Damage and a far cell after the first rows: the upload passes its check, the reading refuses it.
    for after, code in (('<row r="200"><c r="A200" t="s"><v>9</v></c></row>', "bad_xlsx"),
                        ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "sheet_too_large")):
        table = read_table(_long_sheet(after), WIDE, name="a.xlsx")
        assert table.header_row == 1 and table.estimated_rows == 8  # package() records A1:C9
        assert refused(_long_sheet(after)).code == code
    # Wrong headers are refused when the file arrives.
    with pytest.raises(TabularError) as caught:
        read_table(_long_sheet(), Schema(columns=(Column("a", "甲"),)), name="a.xlsx")
    assert caught.value.code == "wrong_headers"


def test_a_sheet_with_prefixed_elements_is_cut_and_read_the_same():
    rows = "".join(f'<x:row r="{n}"><x:c r="A{n}"><x:v>{n}</x:v></x:c></x:row>' for n in range(2, 100))
    header = '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>列1</x:t></x:is></x:c></x:row>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package(""))) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                content = (f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{header}{rows}</x:sheetData>'
                           "</x:worksheet>").encode()
            target.writestr(item, content)
    assert rows_of(buffer.getvalue()) == [(n, {"k1": str(n)}) for n in range(2, 100)]
