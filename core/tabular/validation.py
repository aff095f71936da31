"""Row-by-row validation that collects every error, and parsers for common cells."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core import normalize
from core.errors import AppError
from core.tabular.reading import Table, _error
from core.tabular.schema import CellError, Row, Schema, TabularError

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
    try:
        number = normalize.integer(text)
    except ValueError:
        raise ValueError(_("应为正整数，当前为“%(v)s”。") % {"v": text}) from None
    if number <= 0:
        raise ValueError(_("应为正整数，当前为“%(v)s”。") % {"v": text})
    if number > 2_000_000_000:
        raise ValueError(_("数值“%(v)s”过大。") % {"v": text})
    return number


def int_in_range(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = normalize.integer(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise ValueError(_("应为 %(lo)d 到 %(hi)d 之间的整数，当前为“%(v)s”。") % {"lo": low, "hi": high, "v": text})
        return value

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


PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$", re.ASCII)


def parse_phone(text: str) -> str:
    value = re.sub(r"[()]", "", normalize.phone(text))
    if not PHONE_RE.match(value):
        raise ValueError(_("电话号码“%(v)s”格式不正确，应为 11 位手机号码或带区号的固定电话。") % {"v": text})
    return value
