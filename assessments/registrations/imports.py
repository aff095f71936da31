"""Bulk registration (批量报名): the spreadsheet an institution fills in for one session, and the
row-by-row checks. Reading and error reports are the portal's shared ``accounts.tabular``.

One row is one student. The person is found by ID type and number (GB 11643 check character for
resident ID cards); a name that differs from the one on file is flagged later, never a second
person. Rows are checked against each other (the same person twice) and against the session (a
person already registered); the capacity is checked when saving, under the session's row lock.
"""

from typing import NamedTuple

from django.utils.translation import gettext as _

from accounts.models import IdType
from accounts.services import id_number_normalize
from core import normalize
from core.tabular.schema import Column, Row, Schema
from core.tabular.validation import RowCheck, memoized, one_of, text_of_length

REGISTRATION_SCHEMA = Schema(columns=(
    Column("id_type", "证件类型", required=False, choices=True, example="居民身份证", width=16,
           help="选填，默认为居民身份证；也可为港澳台居民居住证、护照、外国人永久居留身份证、其他证件。"),
    Column("id_number", "证件号码", example="420106200305151238", text_format=True, width=22,
           help="居民身份证为 18 位，最后一位可以是 X（按 GB 11643 校验）。请将该列设为文本格式。"),
    Column("name", "姓名", example="李小明", width=12, help="与证件一致。与平台已有记录不一致时，报名后由院校确认。"),
    Column("major_code", "专业代码", required=False, example="510203", text_format=True, width=12,
           help="选填，专业目录中的代码。"),
    Column("major_name", "专业名称", example="软件技术", width=20, help="学生所学专业。"),
), sheet_title="报名")

ID_TYPE_BY_TEXT = {**{str(label): value for value, label in IdType.choices}, **{value: value for value in IdType.values}}


class RegistrationRow(NamedTuple):  # a tuple: a 100,000-row file makes 100,000 of them
    row: int
    id_type: str
    id_number: str
    name: str
    major_code: str
    major_name: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.id_type, self.id_number)


def id_type_labels() -> list[str]:
    return [str(label) for _value, label in IdType.choices]


class RegistrationRowValidator:
    """Checks one row; ``registered`` holds the identities already registered for the session
    ((id_type, id_number) of active registrations), loaded once by the caller."""

    def __init__(self, *, registered: set[tuple[str, str]]):
        self.registered = registered
        self.seen: dict[tuple[str, str], int] = {}
        self.parse_id_type = memoized(one_of(ID_TYPE_BY_TEXT, _("证件类型")))
        self.parse_name = text_of_length(64)
        self.parse_major_code = memoized(lambda text: text_of_length(16)(normalize.code(text)))
        self.parse_major_name = memoized(text_of_length(64))

    def __call__(self, check: RowCheck) -> RegistrationRow | None:
        id_type = check.clean("id_type", self.parse_id_type) if check.text("id_type") else IdType.RESIDENT_ID
        number = None
        if id_type is not None:
            number = check.clean("id_number", lambda text: id_number_normalize(id_type=id_type, id_number=text))
        name = check.clean("name", self.parse_name)
        major_code = check.clean("major_code", self.parse_major_code) or ""
        major_name = check.clean("major_name", self.parse_major_name)
        if number is None:
            return None
        key = (id_type, number)
        first = self.seen.get(key)
        if first is not None:
            check.error("id_number", _("与第 %(n)d 行是同一人（证件号码相同），每人只能报名一次。") % {"n": first})
            return None
        self.seen[key] = check.number
        if key in self.registered:
            check.error("id_number", _("该考生已报名本考核批次，不能重复报名。"))
            return None
        if not check.ok:
            return None
        return RegistrationRow(row=check.number, id_type=id_type, id_number=number, name=name,
                               major_code=major_code, major_name=major_name)


def records_as_rows(records: list[dict], schema: Schema) -> list[Row]:
    """API rows (JSON objects keyed like the columns) as spreadsheet rows numbered from 1."""
    keys = schema.keys
    return [Row(number=index, values={key: "" if record.get(key) is None else str(record.get(key)).strip()
                                      for key in keys})
            for index, record in enumerate(records, start=1)]
