"""What a spreadsheet should contain (columns, limits) and what reading it can report."""

from dataclasses import dataclass, field

from core.errors import AppError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# An XLSX is a zip: refuse one whose contents would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# An XLSX sheet is read whole, as a grid from its first to its last cell (about 32 bytes a cell):
# refuse one whose cells span more than this (200,000 rows of 50 columns; ~320 MB).
MAX_SHEET_CELLS = 10_000_000
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
