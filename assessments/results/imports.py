"""Score upload (成绩导入): the spreadsheet an org fills in for one session and the row-by-row checks.

Each row names a candidate by registration number (报名号) or by ID number, or both (then they
must agree), and gives the score, or "缺考" for an absent candidate. A row whose score is empty is
skipped, so that the pre-filled score sheet (the session's roster) can be uploaded as scores come in.
Rows for people not registered for the session, scores outside 0 to the level's full mark, and the
same candidate twice are refused with the row and column.
"""

import decimal
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core import normalize
from core.tabular.schema import Column, Schema
from core.tabular.validation import RowCheck

RESULT_SCHEMA = Schema(columns=(
    Column("registration", "报名号", required=False, example="100001", text_format=True, width=12,
           help="平台的报名号（见成绩录入表）。与证件号码至少填写一项。"),
    Column("id_number", "证件号码", required=False, example="420106200305151238", text_format=True, width=22,
           help="考生的证件号码。与报名号至少填写一项；都填写时须为同一考生。"),
    Column("name", "姓名", required=False, example="李小明", width=12, help="选填，填写时须与报名信息一致，用于核对。"),
    Column("score", "成绩", required=False, example="85.5", width=10,
           help="0 到该等级满分之间，最多一位小数；缺考的考生填写“缺考”；暂未评定的留空（该行不导入）。"),
), sheet_title="成绩")

ABSENT_WORDS = {"缺考", "缺席", "缺"}
_TENTH = decimal.Decimal("0.1")


@dataclass(frozen=True)
class Candidate:
    """What a score row is checked against: one registration of the session."""

    registration_id: int
    id_number: str
    name_on_file: str
    name_given: str
    active: bool


@dataclass(frozen=True)
class ResultRow:
    row: int
    registration_id: int
    score: decimal.Decimal | None  # None: absent
    absent: bool


def parse_score(text: str, full_mark: decimal.Decimal) -> decimal.Decimal:
    """A score as typed: 0 to the full mark, at most one decimal place."""
    value = normalize.halfwidth(str(text).replace("，", ".")).replace("分", "")
    try:
        score = decimal.Decimal(value)
    except (decimal.InvalidOperation, ValueError):
        raise ValueError(_("成绩“%(v)s”不是数字；缺考请填写“缺考”。") % {"v": text}) from None
    if not score.is_finite():
        raise ValueError(_("成绩“%(v)s”不是数字；缺考请填写“缺考”。") % {"v": text})
    if score != score.quantize(_TENTH, rounding=decimal.ROUND_DOWN):
        raise ValueError(_("成绩“%(v)s”最多保留一位小数。") % {"v": text})
    if not 0 <= score <= full_mark:
        raise ValueError(_("成绩应在 0 到 %(full)s 之间（该等级满分 %(full)s），当前为“%(v)s”。") % {
            "full": _plain(full_mark), "v": text})
    return score.quantize(_TENTH)


def _plain(number: decimal.Decimal) -> str:
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class ResultRowValidator:
    """Checks one score row against the session's registrations, loaded once by the caller."""

    def __init__(self, *, candidates: list[Candidate], full_mark: decimal.Decimal):
        self.full_mark = full_mark
        self.by_registration = {c.registration_id: c for c in candidates}
        self.by_number: dict[str, Candidate | None] = {}
        for c in candidates:
            # Two registrations with one number (different ID types) cannot be told apart by it.
            self.by_number[c.id_number] = None if c.id_number in self.by_number else c
        self.seen: dict[int, int] = {}
        self.skipped = 0

    def _candidate(self, check: RowCheck) -> Candidate | None:
        reg_text, number = check.text("registration"), normalize.id_number(check.text("id_number"))
        if not reg_text and not number:
            check.error("id_number", _("请填写报名号或证件号码。"))
            return None
        by_reg = by_number = None
        if reg_text:
            try:
                by_reg = self.by_registration.get(normalize.integer(reg_text))
            except ValueError:
                by_reg = None
            if by_reg is None:
                check.error("registration", _("报名号“%(v)s”不是本考核批次的报名。") % {"v": reg_text})
                return None
        if number:
            if number not in self.by_number:
                check.error("id_number", _("证件号码为 %(n)s 的人员未报名本考核批次，不能录入成绩。") % {"n": number})
                return None
            by_number = self.by_number[number]
            if by_number is None and by_reg is None:
                check.error("id_number", _("该证件号码对应本批次的多条报名，请填写报名号。"))
                return None
        if by_reg is not None and number and by_reg.id_number != number:
            check.error("id_number", _("报名号 %(r)s 与证件号码 %(n)s 不是同一考生。") % {"r": reg_text, "n": number})
            return None
        return by_reg or by_number

    def __call__(self, check: RowCheck) -> ResultRow | None:
        candidate = self._candidate(check)
        score_text = check.text("score")
        if candidate is None:
            return None
        first = self.seen.get(candidate.registration_id)
        if first is not None:
            check.error("", _("与第 %(n)d 行是同一考生，每名考生只能有一行成绩。") % {"n": first})
            return None
        self.seen[candidate.registration_id] = check.number
        if not candidate.active:
            check.error("", _("该考生已取消报名，不能录入成绩。"))
            return None
        name = check.text("name")
        if name and name not in (candidate.name_on_file, candidate.name_given):
            check.error("name", _("姓名“%(typed)s”与报名信息（%(name)s）不一致，请核对是否错行。") % {
                "typed": name, "name": candidate.name_on_file})
        if not score_text:
            if check.ok:
                self.skipped += 1
            return None
        if score_text in ABSENT_WORDS:
            return ResultRow(row=check.number, registration_id=candidate.registration_id, score=None,
                             absent=True) if check.ok else None
        score = check.clean("score", lambda text: parse_score(text, self.full_mark))
        if not check.ok:
            return None
        return ResultRow(row=check.number, registration_id=candidate.registration_id, score=score, absent=False)
