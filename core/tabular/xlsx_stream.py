"""A lean streaming reader of one XLSX worksheet's cell values, for accounts.tabular.

openpyxl's read-only mode spends most of its time on per-cell objects: 100,000 rows of 8 cells took
~17 s on this machine. This reader keeps nothing but values, yielding the same Python values
openpyxl would (str, int, float, bool, datetime). It understands what Excel, WPS and LibreOffice
write: shared and inline strings, formulas' cached values, booleans, errors, ISO dates, numbers
whose style is a date format, and the 1904 date system. Anything it does not recognise makes
``open_sheet`` return None, and the caller uses openpyxl instead.

Rows are read in two ways that give the same values (a property test compares them). The scanner
(``_scan_rows``) matches the sheet XML as Excel, WPS, LibreOffice and openpyxl write it with
regular expressions over the raw bytes, a chunk at a time: about twice as fast as the XML parser
on a 100,000-row upload. At the first markup it does not describe (rich text, comments, CDATA,
whitespace between cells, another encoding, damage of any kind) it stops, and the parser
(``_parse_rows``, lxml's ``iterparse``) reads the sheet again and carries on after the rows the
scanner gave; the parser alone decides what is damaged.
"""

import codecs
import datetime
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError, iterparse

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_C, _V, _IS, _T, _R, _ROW, _SI = (f"{{{MAIN}}}{tag}" for tag in ("c", "v", "is", "t", "r", "row", "si"))
# Built-in number formats that are dates, including the CJK ones Excel uses in Chinese locales.
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="(?:[A-Z]+\d+:)?[A-Z]+(\d+)"')


class SheetError(Exception):
    """The sheet could not be read (damaged XML)."""


_DIGITS = "0123456789"


def column_index(ref: str) -> int:
    """0-based column of a cell reference: "A1" -> 0, "AB12" -> 27."""
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        else:
            break
    return index - 1


def _read_xml(archive: zipfile.ZipFile, path: str):
    from xml.etree.ElementTree import fromstring

    return fromstring(archive.read(path))


def _sheet_path(archive: zipfile.ZipFile, wanted_title: str) -> tuple[str, bool] | None:
    workbook = _read_xml(archive, "xl/workbook.xml")
    rels = _read_xml(archive, "xl/_rels/workbook.xml.rels")
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG_REL}}}Relationship")}
    date1904 = any(p.get("date1904") in ("1", "true") for p in workbook.iter(f"{{{MAIN}}}workbookPr"))
    sheets = [(s.get("name"), s.get("state", "visible"), targets.get(s.get(f"{{{REL}}}id")))
              for s in workbook.iter(f"{{{MAIN}}}sheet")]
    chosen = next((s for s in sheets if s[0] == wanted_title), None) or next(
        (s for s in sheets if s[1] == "visible"), None)
    if chosen is None or not chosen[2]:
        return None
    target = chosen[2]
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return (path, date1904) if path in archive.namelist() else None


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for _event, element in iterparse(handle, events=("end",)):
            if element.tag == _SI:
                strings.append(_rich_text(element))
                element.clear()
    return strings


def _rich_text(element) -> str:
    """A string item's text: its own <t>, or its runs' <t>; phonetic guides (rPh) are not part."""
    parts = []
    for child in element:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.extend(t.text or "" for t in child if t.tag == _T)
    return parts[0] if len(parts) == 1 else "".join(parts)


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of cell styles whose number format shows a date."""
    if "xl/styles.xml" not in archive.namelist():
        return set()
    from openpyxl.styles.numbers import is_date_format

    styles = _read_xml(archive, "xl/styles.xml")
    custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{{{MAIN}}}numFmt")}
    dates = set()
    cell_xfs = next(styles.iter(f"{{{MAIN}}}cellXfs"), None)
    for index, xf in enumerate(cell_xfs if cell_xfs is not None else []):
        number_format = int(xf.get("numFmtId", "0"))
        if number_format in _DATE_FORMAT_IDS or (number_format in custom and is_date_format(custom[number_format])):
            dates.add(index)
    return dates


try:  # lxml (installed with pyHanko) filters rows in C and frees them as it goes: ~2x stdlib's speed
    from lxml.etree import XMLSyntaxError as _LxmlError
    from lxml.etree import iterparse as _lxml_iterparse
except ImportError:  # pragma: no cover - the stdlib parser does the same, slower
    _lxml_iterparse = None
    _LxmlError = ParseError


def _row_elements(handle):
    """Each <row> element of a worksheet stream, freed once the caller has moved on."""
    if _lxml_iterparse is not None:
        for _event, row in _lxml_iterparse(handle, events=("end",), tag=_ROW, resolve_entities=False,
                                           no_network=True, huge_tree=True):
            yield row
            row.clear()
            parent = row.getparent()
            while row.getprevious() is not None:
                del parent[0]
        return
    for _event, element in iterparse(handle, events=("end",)):
        if element.tag == _ROW:
            yield element
            element.clear()


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and "E" not in text.upper() and "." not in text:
        return int(text)
    return value


def open_sheet(raw: bytes, wanted_title: str):
    """(rows, estimated_rows) for the wanted (else first visible) sheet, or None when this reader
    should not be trusted with the file. ``rows()`` yields (row number, [values])."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        found = _sheet_path(archive, wanted_title)
        if found is None:
            return None
        path, date1904 = found
        shared = _shared_strings(archive)
        date_styles = _date_styles(archive)
        with archive.open(path) as handle:
            head = handle.read(4096)
    except (KeyError, ParseError, ValueError, zipfile.BadZipFile):
        return None
    dimension = _DIMENSION.search(head)
    estimated = int(dimension.group(1)) if dimension else None
    convert = _Converter(shared, date_styles, datetime.datetime(1904, 1, 1) if date1904 else None)

    def rows() -> Iterator[tuple[int, list]]:
        done = 0
        try:
            with archive.open(path) as handle:
                for item in _scan_rows(handle, convert):
                    yield item
                    done += 1
            return
        except _NotPlain:
            pass
        # Markup the scanner does not take on: the XML parser reads the sheet again from the start
        # and carries on after the rows already given (numbered the same way by both).
        try:
            with archive.open(path) as handle:
                for index, item in enumerate(_parse_rows(handle, convert)):
                    if index >= done:
                        yield item
        except (ParseError, SheetError, IndexError, ValueError, _LxmlError) as exc:
            raise SheetError(str(exc)) from None

    return rows, estimated


class _Converter:
    """A cell's value from its type (``t``), style (``s``) and text, as openpyxl gives it."""

    def __init__(self, shared: list[str], date_styles: set[int], epoch: datetime.datetime | None):
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.columns: dict[str, int] = {}  # "AB" -> 27, computed once per column letter

    def column(self, letters: str) -> int:
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = column_index(letters)
        return column

    def value(self, kind: str | None, style: str | None, text: str | None):
        """The value of a cell that is not an inline string (``text`` is the <v> element's)."""
        if kind == "s":
            return self.shared[int(text)] if text is not None else None
        if text is None or kind == "inlineStr":
            return None
        if kind in ("str", "e", "d"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        value = _number(text)
        if self.date_styles and int(style or "0") in self.date_styles and not isinstance(value, str):
            from openpyxl.utils.datetime import from_excel

            value = from_excel(value, self.epoch) if self.epoch else from_excel(value)
        return value


def _put(values: list, column: int, value) -> None:
    if column == len(values):
        values.append(value)
    else:
        if column > len(values):
            values.extend([None] * (column - len(values) + 1))
        values[column] = value


def _parse_rows(handle, convert: _Converter) -> Iterator[tuple[int, list]]:
    """The general path: every row through the XML parser."""
    last_row = 0
    for element in _row_elements(handle):
        ref = element.get("r")
        last_row = int(ref) if ref else last_row + 1
        values: list = []
        for cell in element:
            if cell.tag != _C:
                continue
            ref = cell.get("r")
            column = len(values) if ref is None else convert.column(ref.rstrip(_DIGITS))
            kind = cell.get("t")
            text = inline = None
            for child in cell:
                if child.tag == _V:
                    text = child.text
                elif child.tag == _IS:
                    inline = child
            if kind == "inlineStr":
                value = _rich_text(inline) if inline is not None else None
            else:
                value = convert.value(kind, cell.get("s"), text)
            _put(values, column, value)
        yield last_row, values


# --- the scanner: the sheet XML as Excel, WPS, LibreOffice and openpyxl write it ------------------
#
# Most uploads are plain: rows of cells whose attributes come in the usual order (r, s, t), holding
# a value, an inline string or a formula and its cached value. Those are read with regular
# expressions over the raw bytes, about twice as fast as building elements with the XML parser.
# Anything else (rich text, comments, CDATA, whitespace between cells, another namespace or
# encoding, a damaged file) raises _NotPlain and the parser takes over: the scanner never guesses.

class _NotPlain(Exception):
    """The sheet has markup the scanner leaves to the XML parser."""


_CHUNK = 1 << 20
_MAIN_XMLNS = f'xmlns="{MAIN}"'.encode()
_SHEET_DATA_OPEN = b"<sheetData>"
_SHEET_DATA_CLOSE = b"</sheetData>"
# Element text: no markup; "&" only as an XML entity or character reference (checked by _text
# where the pattern does not check it itself).
_TEXT = rb'[^<&]*(?:&(?:#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|lt|gt|amp|quot|apos);[^<&]*)*'
_ROW_START = re.compile(rb'\s*<row(?:\s+r="([0-9]{1,7})")?((?:\s+[A-Za-z][\w:.-]*="[^"<&]*")*)\s*(/?)>')
_ROW_END = b"</row>"
_ROW_NUMBER = re.compile(rb'(?:^|\s)r="([0-9]{1,7})"')
_FORMULA = rb'(?:<f(?:\s+[A-Za-z]+="[^"<&]*")*\s*/>|<f(?:\s+[A-Za-z]+="[^"<&]*")*>' + _TEXT + rb'</f>)?'
# One cell, or one stray character (anything the cell pattern does not describe). Groups: column
# letters, style, type, the value's text, "is" and the inline string's text, the stray character.
_CELL_RE = re.compile(
    rb'<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="([0-9]{1,5})")?(?: t="([A-Za-z]{1,9})")?\s*'
    rb'(?:/>|>(?:' + _FORMULA + rb'<v>([^<]*)</v>|<(is)><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)|(.)',
    re.S)
_KINDS = {b"": None, b"s": "s", b"str": "str", b"n": "n", b"b": "b", b"e": "e", b"d": "d"}
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#x([0-9a-fA-F]{1,6})|(lt|gt|amp|quot|apos));")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
# Bytes XML 1.0 forbids (even as references); the parser refuses them as damage.
_FORBIDDEN = [bytes([b]) for b in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))]
_DECLARATION = re.compile(rb'<\?xml[^>]*encoding=["\']([^"\']*)["\']')


_ATTRIBUTE_NAME = re.compile(rb'([A-Za-z][\w:.-]*)="')
_PREFIX_DECLARATION = re.compile(rb'\sxmlns:([A-Za-z][\w.-]*)=')


def _row_attributes(attributes: bytes, prefixes: set[bytes]) -> bytes:
    """The row number among a row's attributes (b"" if none), once their names are checked as the
    parser would: each given once, each prefix declared."""
    names = _ATTRIBUTE_NAME.findall(attributes)
    if len(set(names)) != len(names) or any(b":" in n and n.split(b":", 1)[0] not in prefixes for n in names):
        raise _NotPlain
    number = _ROW_NUMBER.search(attributes)
    return number.group(1) if number else b""


def _reference(match) -> str:
    decimal, hexadecimal, name = match.groups()
    if name:
        return _ENTITIES[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF):
        raise _NotPlain
    return chr(code)


def _text(raw: bytes, cache: dict) -> str:
    """Element text as the XML parser gives it: line ends normalized, references resolved (any
    other "&" is not XML). Texts with references (openpyxl writes each Chinese character as one)
    are remembered: an upload repeats the same few values."""
    if b"&" not in raw and b"\r" not in raw:
        return raw.decode()
    text = cache.get(raw)
    if text is None:
        text = raw.decode()
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        ampersands = text.count("&")
        text, resolved = _ENTITY.subn(_reference, text)
        if resolved != ampersands:
            raise _NotPlain
        if len(cache) < 100_000:
            cache[raw] = text
    return text


def _scan_rows(handle, convert: _Converter) -> Iterator[tuple[int, list]]:
    """(row number, values) of each row, as _parse_rows gives them, or _NotPlain."""
    decoder = codecs.getincrementaldecoder("utf-8")()

    def read() -> bytes:
        chunk = handle.read(_CHUNK)
        try:
            decoder.decode(chunk, final=not chunk)  # the parser refuses what is not UTF-8
        except UnicodeDecodeError:
            raise _NotPlain from None
        if any(b in chunk for b in _FORBIDDEN):
            raise _NotPlain
        return chunk

    data = b""
    while (start := data.find(b"<sheetData")) < 0:
        chunk = read()
        if not chunk:
            raise _NotPlain  # no sheetData (or a prefixed one): the parser's
        data += chunk
    head = data[:start]
    root = head[head.find(b"<worksheet"):]
    declared = _DECLARATION.match(head.lstrip(b"\xef\xbb\xbf"))
    if (not data.startswith(_SHEET_DATA_OPEN, start) or b"<worksheet" not in head or b"<!" in head
            or _MAIN_XMLNS not in root[:root.find(b">") + 1]
            or declared and declared.group(1).lower() not in (b"utf-8", b"utf8")):
        raise _NotPlain
    data = data[start + len(_SHEET_DATA_OPEN):]
    prefixes = {b"xml", *_PREFIX_DECLARATION.findall(root[:root.find(b">") + 1])}
    checked: dict[bytes, bytes] = {}  # a row's other attributes (Excel repeats them) -> its r, if there
    cache: dict[bytes, str] = {}
    columns: dict[bytes, int] = {}
    value, kinds, shared, findall = convert.value, _KINDS, convert.shared, _CELL_RE.findall
    last_row = pos = 0
    eof = False
    try:
        while True:
            match = _ROW_START.match(data, pos)
            end = -1
            if match is not None:
                number, attributes, closed = match.groups()
                inner_start = match.end()
                end = inner_start if closed else data.find(_ROW_END, inner_start)
            if end < 0:  # the end of the rows, or a row cut off at the end of what was read
                rest = data[pos:].lstrip()
                if rest.startswith(_SHEET_DATA_CLOSE):
                    break
                if eof or match is None and len(rest) > 4096:
                    raise _NotPlain  # not a row the pattern describes
                chunk = read()
                eof = not chunk
                data = rest + chunk
                pos = 0
                continue
            pos = end if closed else end + len(_ROW_END)
            if attributes:
                found = checked.get(attributes)
                if found is None:
                    found = _row_attributes(attributes, prefixes)
                    if len(checked) < 1000:
                        checked[attributes] = found
                if number and found:
                    raise _NotPlain  # r given twice
                number = number or found
            last_row = int(number) if number else last_row + 1
            values: list = []
            for letters, style, kind, text, inline, inline_text, stray in findall(data, inner_start, end):
                if stray:
                    raise _NotPlain
                # The common kinds inline (a shared string, an inline string), the others as the parser.
                if kind == b"s":
                    cell = shared[int(text)] if text else None
                elif kind == b"inlineStr":
                    if not inline:
                        cell = None
                    elif b"&" in inline_text or b"\r" in inline_text:
                        cell = _text(inline_text, cache)
                    else:
                        cell = inline_text.decode()
                else:
                    cell = value(kinds[kind] if kind in kinds else kind.decode(), style or None,
                                 _text(text, cache) if text else None)
                column = columns.get(letters)
                if column is None:
                    column = columns[letters] = column_index(letters.decode())
                if column == len(values):
                    values.append(cell)
                else:
                    _put(values, column, cell)
            yield last_row, values
        tail = [head, b"<sheetData/>", data[pos:].lstrip()[len(_SHEET_DATA_CLOSE):]]
        while chunk := read():
            tail.append(chunk)
        # The sheet around its rows must be well-formed, as the parser would find it.
        _check_well_formed(b"".join(tail))
    except (IndexError, ValueError) as exc:  # a shared string that is not there, a bad number
        raise _NotPlain from exc


def _check_well_formed(document: bytes) -> None:
    """The sheet without its rows must parse, as it would have to for the XML parser."""
    try:
        if _lxml_iterparse is not None:
            from lxml.etree import XMLParser, fromstring

            fromstring(document, XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
        else:  # pragma: no cover
            from xml.etree.ElementTree import fromstring

            fromstring(document)
    except (ParseError, _LxmlError, ValueError):
        raise _NotPlain from None
