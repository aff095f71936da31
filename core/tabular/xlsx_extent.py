"""An XLSX's worksheets as XML, before calamine reads them: how far their cells reach, and the first
rows alone (to check the headers when an upload arrives, without reading all its rows).

calamine (python-calamine) holds a sheet as one dense grid from its first to its last cell, rows ×
columns, whatever lies between. A file of a few hundred bytes can name cell XFD1048576: a grid of
17 billion cells, which calamine does not refuse but tries to allocate, and the process is aborted
(Rust ends it; there is no exception to catch). So the reader measures the span first.

``span_over(raw, limit)`` looks at every part of the workbook, not only the sheet that will be read,
so that nothing about which part that is can be got wrong. It counts as calamine places cells: a
cell at its reference (``r="C7"``) when it has one, else in the column after the previous cell of
its row; a row at its ``r`` when it has one, else after the previous row. Any reference-like
attribute in a part counts, so the span is over-estimated at worst, never under-estimated.

Excel, WPS, LibreOffice and the usual libraries give every row and cell its reference, as the
first attribute; such a part is measured with a few passes of regular expressions (about 0.2 s for
100,000 rows). A part with any other row or cell (no reference, a namespace prefix, another
attribute first, other quotes) is walked tag by tag.

``first_rows(raw, rows)`` is the workbook with each worksheet cut after its first rows, inflated no
further than that (calamine reads a sheet whole: a 100,000-row upload takes it about 0.6 s), and
each sheet's last row as its recorded dimension gives it, a hint of its size.
"""

import io
import itertools
import posixpath
import re
import zipfile
from xml.etree import ElementTree

# A cell or row element that does not begin with its reference (in double quotes), or one with a
# namespace prefix (or text that looks like one: the walk is then merely slower). Three searches,
# each starting from a literal, are several times faster than one with alternatives.
_ODD_TAGS = (re.compile(rb'<c(?=[\s/>])(?!\s+r="[A-Z]+[0-9])'), re.compile(rb'<row(?=[\s/>])(?!\s+r="[0-9])'),
             re.compile(rb':(?:c|row)[\s/>]'))
_COLUMN = re.compile(rb'<c\s+r="([A-Z]+)[0-9]')
_FAR_ROW = rb'r="[A-Z]*([0-9]{%d,})"'
# The walk: each row or cell tag (a quoted value may hold ">"), and its reference attribute.
_TAG = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>')
_REFERENCE = re.compile(rb'(?:^|\s)r\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_PARTS = re.compile(rb'([A-Z]*)([0-9]*)')
_CHUNK = 1 << 20


def column_number(letters: bytes) -> int:
    """1-based: b"A" -> 1, b"AB" -> 28."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def span_over(raw: bytes, limit: int) -> tuple[int, int] | None:
    """(rows, columns) of a part whose cells span more than ``limit`` cells, or None when none does.
    Raises ``zipfile.BadZipFile`` for a damaged archive."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        for info in archive.infolist():
            xml = _inflate(archive, info)
            odd = any(pattern.search(xml) for pattern in _ODD_TAGS)
            span = _walk(xml) if odd else _plain_span(xml, limit)
            if span[0] * span[1] > limit:
                return span
    return None


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytearray:
    """A part's bytes, read into one buffer of its stated size (``archive.read`` would hold it twice
    while joining its pieces); the reader has already refused archives that unpack too large."""
    data = bytearray(info.file_size)
    view = memoryview(data)
    size = 0
    with archive.open(info) as handle:
        while size < len(data) and (read := handle.readinto(view[size:size + _CHUNK])):
            size += read
    view.release()
    del data[size:]
    return data


def _plain_span(xml: bytes, limit: int) -> tuple[int, int]:
    """The span of a part whose rows and cells all begin with their reference: the widest column,
    and the furthest row as far as it matters (rows with fewer digits than the number of rows
    that would take the span over the limit cannot, and are not read as numbers)."""
    letters = set(_COLUMN.findall(xml))
    if not letters:
        return (0, 0)
    columns = max(column_number(c) for c in letters)
    rows_allowed = max(limit // columns, 1)
    far = re.findall(_FAR_ROW % len(str(rows_allowed)), xml)
    return (max((int(n) for n in far), default=0), columns)


def _walk(xml: bytes) -> tuple[int, int]:
    """The span of any part, tag by tag, as calamine places cells."""
    row = column = rows = columns = 0
    for kind, attributes in _TAG.findall(xml):
        found = _REFERENCE.search(attributes)
        value = (found.group(1) if found.group(1) is not None else found.group(2)) if found else b""
        letters, digits = _PARTS.match(value.strip()).groups()
        if kind == b"row":
            row = int(digits) if digits else row + 1
            column = 0
        else:
            column = column_number(letters) if letters else column + 1
            row = max(row, int(digits)) if digits else max(row, 1)
        rows, columns = max(rows, row), max(columns, column)
    return (rows, columns)


# --- the first rows -----------------------------------------------------------------------------

_PREFIX = rb"(?:([A-Za-z_][\w.-]*):)?"
_ROOT = re.compile(rb"<" + _PREFIX + rb"worksheet[\s/>]")
_SHEET_DATA = re.compile(rb"<" + _PREFIX + rb"sheetData[\s/>]")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row\s*>")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s+ref=[\"'](?:[A-Z]+[0-9]+:)?[A-Z]+([0-9]{1,10})[\"']")
_HEAD_CHUNK = 1 << 16
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def first_rows(raw: bytes, rows: int) -> tuple[bytes, dict[str, int | None]]:
    """The workbook with each worksheet cut after its first ``rows`` rows (``raw`` itself when no
    sheet has more), only as much of each sheet inflated as that takes; and each sheet's last row
    by the dimension its writer recorded (Excel, WPS and LibreOffice do; a hint, as the old
    reader's: rows() counts exactly), by sheet name. Raises ``zipfile.BadZipFile`` and the like
    for a damaged archive."""
    cut_any = False
    last: dict[str, int | None] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as archive, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as peek:
        names = _sheet_names(archive)
        for info in archive.infolist():
            data, cut, dimension = _head(archive, info, rows)
            cut_any = cut_any or cut
            if info.filename in names:
                last[names[info.filename]] = dimension
            peek.writestr(zipfile.ZipInfo(info.filename, date_time=info.date_time), data)
    return (buffer.getvalue() if cut_any else raw), last


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, rows: int) -> tuple[bytes, bool, int | None]:
    """(the part, or the worksheet cut after ``rows`` rows and closed; whether it was cut; the last
    row of the dimension it records)."""
    data = b""
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(_HEAD_CHUNK)
            data += chunk
            sheet_data = _SHEET_DATA.search(data)
            if sheet_data is not None or not chunk:
                break
        root = _ROOT.search(data)
        if root is None or sheet_data is None:
            return data + handle.read(), False, None
        dimension = _DIMENSION.search(data, 0, sheet_data.start())
        last = int(dimension.group(1)) if dimension else None
        while True:  # up to the row after the last one kept: only then is there something to cut
            ends = list(itertools.islice(_ROW_END.finditer(data, sheet_data.end()), rows + 1))
            if len(ends) > rows or not chunk:
                break
            chunk = handle.read(_HEAD_CHUNK)
            data += chunk
    if len(ends) <= rows:
        return data, False, last
    closing = "</{}sheetData></{}worksheet>".format(*(f"{p.decode()}:" if p else "" for p in (
        sheet_data.group(1), root.group(1))))
    return data[:ends[rows - 1].end()] + closing.encode(), True, last


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from the workbook and its relationships (none if unreadable)."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relationships = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target") or "" for r in relationships.iter(f"{_RELATIONSHIPS}Relationship")}
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_RELATIONSHIP_ID), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        parts[path] = sheet.get("name")
    return parts
