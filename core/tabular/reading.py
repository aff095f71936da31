"""Opening an upload: the content decides the type; refusals say precisely what is wrong."""

import codecs
import csv
import datetime
import decimal
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from core.tabular.schema import ERROR_COLUMN, MAX_SHEET_CELLS, MAX_UNPACKED_BYTES, Row, Schema, TabularError
from core.tabular.xlsx_extent import first_rows, span_over

# --- opening a file ------------------------------------------------------------------------

def _error(message, code: str) -> TabularError:
    return TabularError(message, code=code, field="file")


def _read_bytes(upload, name: str, max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _error(_("文件“%(name)s”大小为 %(size)s，超过上限 %(max)s，请拆分后分批上传。") % {
            "name": name, "size": filesizeformat(size), "max": filesizeformat(max_bytes)}, "file_too_large")
    if isinstance(upload, bytes | bytearray):
        raw = bytes(upload)
    else:
        if hasattr(upload, "seek"):
            upload.seek(0)
        raw = upload.read(max_bytes + 1)
        if hasattr(upload, "seek"):
            upload.seek(0)
    if len(raw) > max_bytes:
        raise _error(_("文件“%(name)s”超过上限 %(max)s，请拆分后分批上传。") % {
            "name": name, "max": filesizeformat(max_bytes)}, "file_too_large")
    if not raw.strip():
        raise _error(_("文件“%(name)s”是空文件。") % {"name": name}, "empty_file")
    return raw


_SIGNATURES = (
    (b"%PDF-", gettext_lazy("PDF 文档")),
    (b"\x89PNG", gettext_lazy("PNG 图片")),
    (b"\xff\xd8\xff", gettext_lazy("JPEG 图片")),
    (b"GIF8", gettext_lazy("GIF 图片")),
    (b"MZ", gettext_lazy("可执行程序")),
    (b"\x7fELF", gettext_lazy("可执行程序")),
    (b"Rar!", gettext_lazy("RAR 压缩包")),
    (b"7z\xbc\xaf", gettext_lazy("7z 压缩包")),
    (b"\x1f\x8b", gettext_lazy("gzip 压缩包")),
    (b"{\\rtf", gettext_lazy("RTF 文档")),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
# What zipfile raises for a damaged or encrypted archive or part, or an unknown compression.
_ZIP_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)
_OTHER_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
               (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def _not_a_spreadsheet(name: str, what: str) -> TabularError:
    return _error(_("文件“%(name)s”不是 Excel（.xlsx）或 CSV 表格（识别为%(what)s）。请使用平台提供的模板填写后上传。")
                  % {"name": name, "what": what}, "not_a_spreadsheet")


def _sniff(raw: bytes, name: str) -> str:
    """'xlsx' or 'csv', or refuse: the content decides, whatever the file is called."""
    if raw.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                names = set(archive.namelist())
                unpacked = sum(i.file_size for i in archive.infolist())
        except _ZIP_DAMAGE:
            raise _not_a_spreadsheet(name, _("损坏的压缩文件")) from None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            if unpacked > MAX_UNPACKED_BYTES:
                raise _error(_("文件“%(name)s”解压后超过 %(max)s，请拆分后分批上传。") % {
                    "name": name, "max": filesizeformat(MAX_UNPACKED_BYTES)}, "file_too_large")
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            raise _not_a_spreadsheet(name, _("Word 文档"))
        if any(n.startswith("ppt/") for n in names):
            raise _not_a_spreadsheet(name, _("PowerPoint 演示文稿"))
        raise _not_a_spreadsheet(name, _("ZIP 压缩包"))
    if raw.startswith(_OLE):
        raise _error(_("文件“%(name)s”是旧版 Excel 97-2003（.xls）或 Word 文件，不受支持。"
                       "请在 Excel 中“另存为”Excel 工作簿（.xlsx）或 CSV（UTF-8）后再上传。") % {"name": name},
                     "legacy_xls")
    for signature, what in _SIGNATURES:
        if raw.startswith(signature):
            raise _not_a_spreadsheet(name, str(what))
    return "csv"


def _not_a_workbook(name: str) -> TabularError:
    return _error(_("文件“%(name)s”不是 Excel 工作簿：扩展名是 Excel 的，内容却是文本（可能是改了扩展名的其他文件）。"
                    "请在 Excel 中打开后“另存为”Excel 工作簿（.xlsx）再上传；CSV 文件请使用 .csv 扩展名。")
                  % {"name": name}, "not_a_workbook")


# --- cells to text ---------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_CLEAN = {**_INVISIBLE, 0xA0: " "}


def cell_text(value: Any) -> str:
    """A cell as the user typed it: numbers without a spurious ".0", dates as 2020-09-01."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.translate(_CLEAN).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).translate(_CLEAN).strip()


def normalize_header(text: str) -> str:
    text = cell_text(text)
    text = text.replace("（", "(").replace("）", ")").replace("＊", "*")
    return re.sub(r"[\s*]", "", text)


# The headers are looked for in a file's first rows.
HEADER_SEARCH_ROWS = 50

# --- the table ---------------------------------------------------------------------------------

@dataclass
class Table:
    """An opened spreadsheet whose headers match the schema; ``rows()`` reads the data rows."""

    schema: Schema
    name: str
    kind: str  # "xlsx" | "csv"
    encoding: str | None
    header_row: int
    positions: list[str | None]  # per file column: the schema key, or None (ignored column)
    estimated_rows: int | None
    _source: Callable[[], Iterator[tuple[int, list]]]

    def rows(self) -> Iterator[Row]:
        """Non-empty data rows in order; refuses the file when it has more than ``max_rows``."""
        width = len(self.positions)
        pairs = [(index, key) for index, key in enumerate(self.positions) if key is not None]
        absent = {key: "" for key in self.schema.keys if key not in self.positions}
        count = 0
        limit = self.schema.max_rows
        example = _example_values(self.schema)
        for number, cells in self._source():
            if number <= self.header_row:
                continue
            # Strings are the common case: clean them inline; other values go through cell_text.
            texts = [v.translate(_CLEAN).strip() if type(v) is str else cell_text(v) for v in cells]
            if not any(texts):
                continue
            size = len(texts)
            values = {key: texts[index] if index < size else "" for index, key in pairs}
            if absent:
                values.update(absent)
            if example and values == example:
                continue  # the template's example row
            count += 1
            if count > limit:
                raise _too_many_rows(self.name, limit)
            yield Row(number=number, values=values, extra=[t for t in texts[width:] if t] if size > width else [])


def _too_many_rows(name: str, limit: int) -> TabularError:
    return _error(_("文件“%(name)s”的数据超过 %(max)s 行，请拆分为多个文件分批上传。") % {
        "name": name, "max": f"{limit:,}"}, "too_many_rows")


def _example_values(schema: Schema) -> dict[str, str]:
    """The template's example row, compared over every column; none when the schema has too few
    examples for a real row to be told apart from it."""
    example = {c.key: c.example for c in schema.columns}
    return example if sum(1 for v in example.values() if v) >= 3 else {}


def _damaged(name: str) -> TabularError:
    return _error(_("Excel 文件“%(name)s”已损坏，无法读取。请在 Excel 中打开后重新保存再上传。") % {"name": name}, "bad_xlsx")


def _xlsx_source(raw: bytes, schema: Schema, name: str):
    """(source, estimated rows, peek) of the wanted sheet (else the first visible worksheet), read
    by calamine: rows numbered as Excel numbers them, each a list of values from the sheet's first
    used column. The headers are looked for in ``peek``, the sheet's first rows alone; the whole
    sheet is read when ``source`` is first iterated (an upload is checked when it arrives, and read
    whole once, by the worker)."""
    try:
        head, last_rows = first_rows(raw, HEADER_SEARCH_ROWS + 1)
    except _ZIP_DAMAGE:
        raise _damaged(name) from None
    try:
        peek_sheet, title = _calamine_sheet(head, schema, name)
    except TabularError as error:
        if head is raw or error.code != "bad_xlsx":
            raise
        head = raw  # cut where calamine cannot follow (a row end inside CDATA): read it whole
        peek_sheet, title = _calamine_sheet(head, schema, name)
    sheets = {head: peek_sheet}

    def rows_of(data: bytes):
        if data not in sheets:
            sheets[data] = _calamine_sheet(data, schema, name)[0]
        # calamine gives every row from the first (rows before the data empty), so the n-th is row n.
        try:
            yield from enumerate(sheets[data].iter_rows(), start=1)
        except CalamineError:
            raise _damaged(name) from None

    return (lambda: rows_of(raw)), last_rows.get(title), (lambda: rows_of(head))


def _calamine_sheet(data: bytes, schema: Schema, name: str):
    """The sheet calamine reads, once the span of the workbook's cells is known to fit."""
    try:
        span = span_over(data, MAX_SHEET_CELLS)
    except _ZIP_DAMAGE:
        raise _damaged(name) from None
    if span is not None:
        raise _error(_("文件“%(name)s”的表格范围过大（数据延伸到第 %(rows)s 行、第 %(columns)s 列）。请删除数据区域以外的"
                       "单元格，或把数据复制到新的工作簿后再上传。") % {
            "name": name, "rows": f"{span[0]:,}", "columns": f"{span[1]:,}"}, "sheet_too_large")
    try:
        workbook = CalamineWorkbook.from_object(io.BytesIO(data))
        sheets = workbook.sheets_metadata
        chosen = next((s for s in sheets if s.name == schema.sheet_title), None) or next(
            (s for s in sheets if s.visible == SheetVisibleEnum.Visible and s.typ == SheetTypeEnum.WorkSheet), None)
        if chosen is None:
            raise _error(_("文件“%(name)s”中没有工作表。") % {"name": name}, "empty_file")
        return workbook.get_sheet_by_name(chosen.name), chosen.name
    except CalamineError:
        raise _damaged(name) from None


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    for bom, label in _OTHER_BOMS:
        if raw.startswith(bom):
            raise _encoding_error(name, label)
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise _error(_("文件“%(name)s”标明为 UTF-8 编码，但其中有无法识别的字符，请重新以 UTF-8 保存。")
                         % {"name": name}, "bad_encoding") from None
    sample = raw[:65536]
    if b"\x00" in sample:
        # UTF-16 without a byte-order mark (a CSV's ASCII digits, commas and line ends put NULs
        # on one parity of bytes), or a binary file: neither is a UTF-8/GBK CSV.
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if even + odd >= len(sample) * 0.02 and max(even, odd) >= 0.8 * (even + odd):
            raise _encoding_error(name, "UTF-16")
        raise _not_a_spreadsheet(name, _("二进制文件"))
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gbk"), "gbk"
    except UnicodeDecodeError:
        pass
    raise _error(_("文件“%(name)s”既不是 UTF-8 编码也不是 GBK 编码，无法读取。请在 Excel 中另存为"
                   "“CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后再上传。") % {"name": name}, "bad_encoding")


def _encoding_error(name: str, label: str) -> TabularError:
    return _error(_("文件“%(name)s”的编码是 %(enc)s，平台只接受 UTF-8 或 GBK 编码的 CSV。请在 Excel 中另存为"
                    "“CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后再上传。") % {"name": name, "enc": label},
                  "bad_encoding")


def _csv_source(text: str, name: str):
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    if "\x00" in text or any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text[:65536]):
        raise _not_a_spreadsheet(name, _("二进制文件"))

    def source():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise _error(_("CSV 文件“%(name)s”第 %(n)d 行格式错误（%(e)s），请检查引号是否成对。") % {
                "name": name, "n": reader.line_num, "e": exc}, "bad_csv") from None

    return source, text.count("\n") + 1


def _match_headers(schema: Schema, cells: list, name: str, row_number: int) -> list[str | None]:
    wanted = {}
    for column in schema.columns:
        for label in (column.header, *column.aliases):
            wanted[normalize_header(label)] = column.key
    positions: list[str | None] = []
    seen: dict[str, str] = {}
    unknown, duplicates = [], []
    headers = [cell_text(c) for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    for header in headers:
        norm = normalize_header(header)
        if norm == normalize_header(ERROR_COLUMN) or not norm:
            positions.append(None)
            continue
        key = wanted.get(norm)
        if key is None:
            unknown.append(header)
            positions.append(None)
        elif key in seen:
            duplicates.append(header)
            positions.append(None)
        else:
            seen[key] = header
            positions.append(key)
    missing = [c.header for c in schema.columns if c.required and c.key not in seen]
    problems = []
    if missing:
        problems.append(_("缺少%(cols)s列") % {"cols": "、".join(f"“{h}”" for h in missing)})
    if unknown and not schema.allow_extra_columns:
        problems.append(_("多出%(cols)s列") % {"cols": "、".join(f"“{h}”" for h in unknown)})
    if duplicates:
        problems.append(_("%(cols)s列重复") % {"cols": "、".join(f"“{h}”" for h in duplicates)})
    if problems:
        expected = "、".join(c.header for c in schema.columns)
        raise _error(_("文件“%(name)s”第 %(row)d 行的表头不正确：%(problems)s。应为：%(expected)s。请使用平台提供的模板。")
                     % {"name": name, "row": row_number, "problems": "；".join(problems), "expected": expected},
                     "wrong_headers")
    return positions


def _header_row(source, name: str) -> tuple[int, list]:
    for number, cells in source():
        if any(cell_text(c) for c in cells):
            return number, cells
        if number > HEADER_SEARCH_ROWS:
            break
    raise _error(_("文件“%(name)s”中没有内容（前 50 行都是空行）。") % {"name": name}, "empty_file")


def _guess_other_encoding(raw: bytes, schema: Schema) -> str | None:
    """When a CSV decoded as GBK shows no expected header, say which encoding it really is."""
    simplified = {normalize_header(c.header) for c in schema.columns}
    for codec, label in (("big5", "Big5"), ("shift_jis", "Shift-JIS"), ("euc_kr", "EUC-KR"), ("utf_16", "UTF-16")):
        first = raw[:4096].decode(codec, errors="ignore").split("\n", 1)[0]
        cells = {normalize_header(h) for h in re.split(r"[,\t]", first)}
        # Traditional characters of the expected headers count too: a Big5 file typed in Taiwan.
        if cells & simplified or any(_to_simplified(c) in simplified for c in cells):
            return label
    return None


_TRADITIONAL = str.maketrans("學標識碼證書級數範圍聯繫電話師單位員號統計業機構區縣專職報聲規模稱別類",
                             "学标识码证书级数范围联系电话师单位员号统计业机构区县专职报声规模称别类")


def _to_simplified(text: str) -> str:
    return text.translate(_TRADITIONAL)


def file_kind(upload, *, max_bytes: int, name: str | None = None, field: str = "file") -> str:
    """'xlsx' or 'csv' by the content, for a reader that opens the file itself (the ministry's
    application summary, the import of earlier certificates): refuses what ``read_table`` refuses
    before reading a cell — an empty or too large file, a PDF or Word file, an old .xls, and a text
    file named .xlsx or .xls, which is not an Excel workbook (never read as CSV and then reported
    as a header problem)."""
    name = name or getattr(upload, "name", None) or _("上传文件")
    try:
        raw = _read_bytes(upload, name, max_bytes)
        kind = _sniff(raw, name)
        if kind == "csv" and str(name).lower().endswith(_EXCEL_SUFFIXES):
            raise _not_a_workbook(name)
    except TabularError as error:
        error.field = field
        raise
    return kind


def read_table(upload, schema: Schema, *, name: str | None = None) -> Table:
    """Open ``upload`` (an uploaded file, a file object or bytes) and check its headers."""
    name = name or getattr(upload, "name", None) or _("上传文件")
    raw = _read_bytes(upload, name, schema.max_bytes)
    kind = _sniff(raw, name)
    encoding = None
    if kind == "xlsx":
        source, estimated, peek = _xlsx_source(raw, schema, name)
    else:
        try:
            text, encoding = _decode(raw, name)
        except TabularError as error:
            other = _guess_other_encoding(raw, schema) if error.code == "bad_encoding" else None
            if other:
                raise _encoding_error(name, other) from None
            raise
        if str(name).lower().endswith(_EXCEL_SUFFIXES):
            # Named as a workbook, yet neither a ZIP (.xlsx) nor an OLE file (.xls) but text: read
            # as CSV, its first line would only be reported as wrong headers.
            raise _not_a_workbook(name)
        source, estimated = _csv_source(text, name)
        peek = source
    header_row, header_cells = _header_row(peek, name)
    try:
        positions = _match_headers(schema, header_cells, name, header_row)
    except TabularError:
        if encoding == "gbk":
            other = _guess_other_encoding(raw, schema)
            if other:
                raise _encoding_error(name, other) from None
        raise
    if estimated is not None:
        estimated = max(estimated - header_row, 0)
        if kind == "xlsx" and estimated > schema.max_rows * 2:
            # The sheet's last row number is a hint, not a fact (trailing formatted rows count):
            # refuse early only when it is far over the limit; rows() checks exactly.
            raise _too_many_rows(name, schema.max_rows)
    return Table(schema=schema, name=name, kind=kind, encoding=encoding, header_row=header_row,
                 positions=positions, estimated_rows=estimated, _source=source)
