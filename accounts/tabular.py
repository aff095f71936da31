"""The portal's one spreadsheet reader and writer (filings now; registrations and results later).

Officials live in Excel, so every bulk upload goes through here:

* ``read_table(upload, schema)`` opens an XLSX (openpyxl, read-only) or a CSV in UTF-8 or GBK (with
  or without a byte-order mark), decided by the content, never the file name; anything else — an
  empty file, a PDF renamed to .xlsx, an old .xls, a UTF-16 or Big5 CSV, a file over the size or
  row limit, a sheet whose headers are not the expected Chinese headers — is refused with a
  precise Chinese message (``TabularError``).
* ``validate_rows(table, schema, validator)`` runs a row validator over every row and collects
  every error (row number as Excel shows it, column header, Chinese message), so that an upload is
  all-or-nothing: the caller saves only when ``result.ok``.
* ``template_xlsx(schema, …)`` writes the template users fill in: Chinese headers, an example row
  (skipped when read back), drop-down lists, an instructions sheet.
* ``error_report_xlsx(table, errors)`` writes the user's rows back with the wrong cells filled red,
  each with a comment saying what is wrong, and a last column summing up the row's errors; the
  reader ignores that column, so the corrected report can be uploaded again as it is.
"""

import codecs
import csv
import datetime
import decimal
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.errors import AppError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# An XLSX is a zip: refuse one whose contents would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# The last column of an error report; the reader ignores it so a fixed report can be re-uploaded.
ERROR_COLUMN = "错误说明"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TabularError(AppError):
    """The file as a whole is refused (type, encoding, size, headers); no row was looked at."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = True
    example: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()
    width: int = 16
    # Template hints: a drop-down list name (filled by ``template_xlsx(choices=…)``) or a whole
    # number minimum for Excel's own input check. The reader never trusts either.
    choices: bool = False
    whole_number_min: int | None = None
    text_format: bool = False  # long digit strings (codes, ID numbers) stay text in Excel


@dataclass(frozen=True)
class Schema:
    columns: tuple[Column, ...]
    sheet_title: str = "数据"
    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES
    allow_extra_columns: bool = False

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


@dataclass
class Row:
    number: int  # the row number Excel shows (CSV: the record number)
    values: dict[str, str]
    extra: list[str] = field(default_factory=list)  # non-empty cells right of the last header

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass(frozen=True)
class CellError:
    row: int
    column: str  # the header as the user sees it; "" for the row as a whole
    message: str
    key: str = ""

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message, "key": self.key}

    @classmethod
    def from_dict(cls, data: dict) -> "CellError":
        return cls(row=data["row"], column=data.get("column", ""), message=data["message"], key=data.get("key", ""))


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
        except zipfile.BadZipFile:
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


def _xlsx_source(raw: bytes, schema: Schema, name: str):
    from accounts.xlsx_stream import SheetError, open_sheet

    fast = open_sheet(raw, schema.sheet_title)
    if fast is None:
        return _openpyxl_source(raw, schema, name)
    rows, estimated = fast

    def source():
        try:
            yield from rows()
        except SheetError:
            raise _error(_("Excel 文件“%(name)s”已损坏，无法读取。请在 Excel 中打开后重新保存再上传。") % {"name": name},
                         "bad_xlsx") from None

    return source, estimated


def _openpyxl_source(raw: bytes, schema: Schema, name: str):
    """The slower, more forgiving path for workbooks the streaming reader does not recognise."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise _not_a_spreadsheet(name, _("无法打开的 Excel 文件")) from None
    if schema.sheet_title in workbook.sheetnames:
        sheet = workbook[schema.sheet_title]
    else:
        sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        if not sheets:
            raise _error(_("文件“%(name)s”中没有工作表。") % {"name": name}, "empty_file")
        sheet = sheets[0]

    def source():
        for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            yield number, list(cells)

    estimated = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row > 1 else None
    return source, estimated


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
        if number > 50:
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


def read_table(upload, schema: Schema, *, name: str | None = None) -> Table:
    """Open ``upload`` (an uploaded file, a file object or bytes) and check its headers."""
    name = name or getattr(upload, "name", None) or _("上传文件")
    raw = _read_bytes(upload, name, schema.max_bytes)
    kind = _sniff(raw, name)
    encoding = None
    if kind == "xlsx":
        source, estimated = _xlsx_source(raw, schema, name)
    else:
        try:
            text, encoding = _decode(raw, name)
        except TabularError as error:
            other = _guess_other_encoding(raw, schema) if error.code == "bad_encoding" else None
            if other:
                raise _encoding_error(name, other) from None
            raise
        source, estimated = _csv_source(text, name)
    header_row, header_cells = _header_row(source, name)
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
            # The sheet's own dimension is a hint, not a fact (trailing formatted rows count):
            # refuse early only when it is far over the limit; rows() checks exactly.
            raise _too_many_rows(name, schema.max_rows)
    return Table(schema=schema, name=name, kind=kind, encoding=encoding, header_row=header_row,
                 positions=positions, estimated_rows=estimated, _source=source)


# --- row-by-row validation --------------------------------------------------------------------

class RowCheck:
    """What a row validator gets: the row's texts, and a place to put its errors."""

    __slots__ = ("_bad", "_schema", "_sink", "_values", "number", "row")

    def __init__(self, row: Row, schema: Schema, sink: "ValidationResult"):
        self.row = row
        self.number = row.number
        self._values = row.values
        self._schema = schema
        self._sink = sink
        self._bad: set[str] | None = None  # most rows have no error: no set until one does

    def text(self, key: str) -> str:
        return self._values.get(key, "")

    def error(self, key: str, message) -> None:
        header = self._schema.column(key).header if key else ""
        if self._bad is None:
            self._bad = set()
        self._bad.add(key)
        self._sink.add(CellError(row=self.number, column=header, message=str(message), key=key))

    def has_error(self, key: str | None = None) -> bool:
        if self._bad is None:
            return False
        return bool(self._bad) if key is None else key in self._bad

    @property
    def ok(self) -> bool:
        return not self._bad

    def clean(self, key: str, parser: Callable[[str], Any]):
        """``parser(text)``'s result, or None after recording its ValueError/AppError message.
        An empty optional cell gives None without calling the parser."""
        if self._bad is not None and key in self._bad:
            return None
        text = self._values.get(key)
        if not text:
            return None
        try:
            return parser(text)
        except AppError as exc:
            self.error(key, exc.message)
        except ValueError as exc:
            self.error(key, exc.args[0] if exc.args else _("格式不正确。"))
        return None


@dataclass
class ValidationResult:
    max_errors: int = 20_000
    rows: list = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    error_count: int = 0
    rows_read: int = 0
    error_rows: set = field(default_factory=set)

    def add(self, error: CellError) -> None:
        self.error_count += 1
        self.error_rows.add(error.row)
        if len(self.errors) < self.max_errors:
            self.errors.append(error)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.rows_read > 0

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)


def validate_rows(rows: Iterable[Row] | Table, schema: Schema, validator: Callable[[RowCheck], Any], *,
                  max_errors: int = 20_000, progress: Callable[[int], None] | None = None,
                  progress_every: int = 2000) -> ValidationResult:
    """Check every row; keep what ``validator`` returns for rows without errors. Required cells
    are checked first, so the validator may assume a required value is present unless
    ``check.has_error(key)``."""
    result = ValidationResult(max_errors=max_errors)
    required = [c for c in schema.columns if c.required]
    iterable = rows.rows() if isinstance(rows, Table) else rows
    for row in iterable:
        result.rows_read += 1
        check = RowCheck(row, schema, result)
        values = row.values
        for column in required:
            if not values.get(column.key):
                check.error(column.key, _("“%(h)s”不能为空。") % {"h": column.header})
        if row.extra:
            check.error("", _("该行在表头以外还有 %(n)d 个单元格有内容，请检查是否多了分隔符或错列。") % {"n": len(row.extra)})
        value = validator(check)
        if check.ok and value is not None:
            result.rows.append(value)
        if progress is not None and result.rows_read % progress_every == 0:
            progress(result.rows_read)
    if progress is not None:
        progress(result.rows_read)
    return result


def no_data_error(name: str) -> TabularError:
    return _error(_("文件“%(name)s”只有表头，没有数据行。") % {"name": name}, "no_rows")


# --- parsers for common cells -----------------------------------------------------------------

def parse_positive_int(text: str) -> int:
    value = text.replace(",", "").replace("，", "").strip()
    if value.endswith(".0"):
        value = value[:-2]
    if not re.fullmatch(r"\d+", value):
        raise ValueError(_("应为正整数，当前为“%(v)s”。") % {"v": text})
    number = int(value)
    if number <= 0:
        raise ValueError(_("应为正整数，当前为“%(v)s”。") % {"v": text})
    if number > 2_000_000_000:
        raise ValueError(_("数值“%(v)s”过大。") % {"v": text})
    return number


def int_in_range(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = text.strip()
        if value.endswith(".0"):
            value = value[:-2]
        if not re.fullmatch(r"\d+", value) or not low <= int(value) <= high:
            raise ValueError(_("应为 %(lo)d 到 %(hi)d 之间的整数，当前为“%(v)s”。") % {"lo": low, "hi": high, "v": text})
        return int(value)

    return parse


def text_of_length(max_length: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > max_length:
            raise ValueError(_("不能超过 %(n)d 个字符（当前 %(m)d 个）。") % {"n": max_length, "m": len(text)})
        return text

    return parse


def one_of(mapping: dict[str, Any], what: str) -> Callable[[str], Any]:
    """A value from a fixed list (the drop-down), compared without surrounding spaces."""
    options = "、".join(mapping)

    def parse(text: str):
        value = mapping.get(text.strip())
        if value is None:
            raise ValueError(_("%(what)s“%(v)s”无效，应为：%(options)s。") % {"what": what, "v": text, "options": options})
        return value

    return parse


def memoized(parser: Callable[[str], Any], *, limit: int = 100_000) -> Callable[[str], Any]:
    """``parser`` remembering its answer (or its refusal) per text: a 100,000-row file names the
    same few certificates, years and institutions over and over."""
    cache: dict[str, tuple[bool, Any]] = {}

    def parse(text: str):
        hit = cache.get(text)
        if hit is None:
            try:
                hit = (True, parser(text))
            except AppError as exc:
                hit = (False, str(exc.message))
            except ValueError as exc:
                hit = (False, exc.args[0] if exc.args else _("格式不正确。"))
            if len(cache) < limit:
                cache[text] = hit
        if hit[0]:
            return hit[1]
        raise ValueError(hit[1])

    return parse


PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$")


def parse_phone(text: str) -> str:
    value = re.sub(r"[\s()（）]", "", text)
    if not PHONE_RE.match(value):
        raise ValueError(_("电话号码“%(v)s”格式不正确，应为 11 位手机号码或带区号的固定电话。") % {"v": text})
    return value


# --- writing: the template and the error report ------------------------------------------------

def _header_cells(ws, schema: Schema, *, extra: tuple[str, ...] = ()):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cells = []
    for column in schema.columns:
        cell = WriteOnlyCell(ws, value=column.header + ("*" if column.required else ""))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1A4F8B")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
    for text in extra:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="A4161A")
        cells.append(cell)
    return cells


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def template_xlsx(schema: Schema, *, choices: dict[str, list[str]] | None = None,
                  instructions: Iterable[str] = ()) -> bytes:
    """The template users fill in: headers, the columns' example values in row 2 (which the
    reader skips), drop-down lists for columns marked ``choices=True`` filled from ``choices``,
    and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    choices = choices or {}
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(schema.sheet_title)
    last_row = schema.max_rows + 1
    for index, column in enumerate(schema.columns, start=1):
        letter = _column_letter(index)
        data.column_dimensions[letter].width = column.width
        if column.text_format:
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A3"

    lists = [c for c in schema.columns if c.choices and choices.get(c.key)]
    for index, column in enumerate(schema.columns, start=1):
        letter = _column_letter(index)
        target = f"{letter}2:{letter}{last_row}"
        if column in lists:
            source_col = _column_letter(lists.index(column) + 1)
            count = len(choices[column.key])
            rule = DataValidation(type="list", formula1=f"'选项'!${source_col}$2:${source_col}${count + 1}",
                                  allow_blank=not column.required, showErrorMessage=True,
                                  errorTitle=_("无效的值"), error=_("请从下拉列表中选择“%(h)s”。") % {"h": column.header})
        elif column.whole_number_min is not None:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(column.whole_number_min),
                                  allow_blank=not column.required, showErrorMessage=True, errorTitle=_("无效的值"),
                                  error=_("“%(h)s”应为不小于 %(n)d 的整数。") % {"h": column.header,
                                                                          "n": column.whole_number_min})
        else:
            continue
        rule.add(target)
        data.data_validations.append(rule)

    data.append(_header_cells(data, schema))
    example = {c.key: c.example for c in schema.columns}
    example_cells = []
    for index, column in enumerate(schema.columns):
        cell = WriteOnlyCell(data, value=example.get(column.key, ""))
        cell.font = Font(italic=True, color="6B7280")
        if index == 0:
            cell.comment = Comment(_("第 2 行是示例，导入时自动忽略；可以删除，也可以保留。"), "1+X")
        example_cells.append(cell)
    data.append(example_cells)

    guide = workbook.create_sheet(_("填写说明"))
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 24
    for line in instructions:
        guide.append([line])
    guide.append([_("第 2 行为示例，导入时自动忽略。表头请勿修改；每次上传最多 %(n)s 行，文件不超过 %(size)s。")
                  % {"n": f"{schema.max_rows:,}", "size": filesizeformat(schema.max_bytes)}])
    guide.append([_("也可以上传 CSV 文件（UTF-8 或 GBK 编码，第一行为同样的表头）。")])
    guide.append([])
    guide.append([_("列名"), _("必填"), _("说明"), _("示例")])
    for column in schema.columns:
        guide.append([column.header, _("是") if column.required else _("否"), column.help, example.get(column.key, "")])

    options = workbook.create_sheet("选项")
    options.sheet_state = "hidden"
    if lists:
        options.append([c.header for c in lists])
        longest = max(len(choices[c.key]) for c in lists)
        for i in range(longest):
            options.append([choices[c.key][i] if i < len(choices[c.key]) else None for c in lists])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report_xlsx(table: Table, errors: Iterable[CellError]) -> bytes:
    """The uploaded rows at their original row numbers, wrong cells red with a comment each, and a
    last column "错误说明" summing up each wrong row. The reader ignores that column."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    schema = table.schema
    by_row: dict[int, list[CellError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    red = PatternFill("solid", fgColor="FFC7CE")
    dark_red = Font(color="9C0006")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(schema.sheet_title)
    for index, column in enumerate(schema.columns, start=1):
        sheet.column_dimensions[_column_letter(index)].width = column.width
    sheet.column_dimensions[_column_letter(len(schema.columns) + 1)].width = 60
    for _blank in range(table.header_row - 1):
        sheet.append([])
    sheet.append(_header_cells(sheet, schema, extra=(ERROR_COLUMN,)))
    written = table.header_row
    for row in _all_rows(table):
        while written < row.number - 1:
            sheet.append([])
            written += 1
        row_errors = by_row.get(row.number, [])
        cells = []
        for column in schema.columns:
            cell = WriteOnlyCell(sheet, value=row[column.key])
            messages = [e.message for e in row_errors if e.key == column.key]
            if messages:
                cell.fill = red
                cell.font = dark_red
                cell.comment = Comment("\n".join(messages), "1+X", width=320, height=120)
            cells.append(cell)
        summary = WriteOnlyCell(sheet, value="；".join(
            f"{e.column}：{e.message}" if e.column else e.message for e in row_errors) or None)
        if row_errors:
            summary.font = dark_red
        cells.append(summary)
        sheet.append(cells)
        written = row.number
    listing = workbook.create_sheet(_("错误清单"))
    listing.append([_("行号"), _("列"), _("错误说明")])
    for number in sorted(by_row):
        for error in by_row[number]:
            listing.append([error.row, error.column, error.message])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _all_rows(table: Table) -> Iterator[Row]:
    """Every data row, including the ones over the row limit (a report shows what was sent)."""
    unlimited = Schema(columns=table.schema.columns, sheet_title=table.schema.sheet_title,
                       max_rows=10**9, max_bytes=table.schema.max_bytes,
                       allow_extra_columns=table.schema.allow_extra_columns)
    return Table(schema=unlimited, name=table.name, kind=table.kind, encoding=table.encoding,
                 header_row=table.header_row, positions=table.positions, estimated_rows=table.estimated_rows,
                 _source=table._source).rows()
