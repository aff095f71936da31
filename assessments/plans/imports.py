"""Assessment plan spreadsheets (考核计划): the columns and the row-by-row checks.

One row is one month, province and certificate level of the org's plan for a year. The same
validator checks an uploaded file, the rows of the online form and the rows sent to the API, so
all three refuse the same things with the same Chinese messages: a certificate the org does not
own, a month outside the planning window, a negative number, a level the certificate lacks, a row
given twice. Reading (types, encodings, headers) is the shared ``accounts.tabular``.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import Province
from certificates.catalog.models import Certificate, CertificateLevel, Level, level_lookup
from core import normalize
from core.tabular.schema import Column, Row, Schema
from core.tabular.validation import RowCheck, memoized

LEVEL_LABELS = dict(Level.choices)
MAX_PLANNED = 1_000_000

PLAN_SCHEMA = Schema(columns=(
    Column("month", "月份", choices=True, example="9月", width=10,
           help="计划时间窗口内的月份，如“9月”“2020-09”或“2020年9月”；写年份时须为本计划的年度。"),
    Column("province", "省份", choices=True, example="湖北省", width=16,
           help="考核所在省份，从下拉列表选择，如“湖北省”。"),
    Column("certificate", "证书名称", choices=True, example="（示例）证书名称", width=30,
           help="本组织的证书，从下拉列表选择；也可填写证书代码。"),
    Column("level", "等级", choices=True, example="初级", width=8,
           help="初级、中级或高级，须为该证书设有的等级。"),
    Column("planned_candidates", "计划考核人数", example="200", whole_number_min=0, width=14,
           help="该月在该省计划考核的人数，不小于 0 的整数。"),
    Column("planned_sessions", "计划考核批次", example="4", whole_number_min=0, width=14,
           help="该月在该省计划组织的考核批次数，不小于 0 的整数；计划考核人数大于 0 时至少 1 批。"),
), sheet_title="考核计划", max_rows=20_000, max_bytes=5 * 1024 * 1024)


def month_label(month: int) -> str:
    return _("%(m)d月") % {"m": month}


def window_text(first: int, last: int) -> str:
    return _("%(a)d月至%(b)d月") % {"a": first, "b": last}


def province_choice_labels() -> list[str]:
    return list(Province.objects.order_by("sort_order", "code").values_list("name", flat=True))


def certificate_choice_labels(org_id: int) -> list[str]:
    """The org's published certificates, by name (with the code where two share a name)."""
    rows = list(Certificate.objects.filter(org_id=org_id, status=Certificate.Status.PUBLISHED)
                .values_list("code", "name").order_by("name"))
    names = [name for _code, name in rows]
    return [name if names.count(name) == 1 else f"{name}（{code}）" for code, name in rows]


@dataclass(frozen=True)
class PlanRowData:
    row: int
    month: int
    province_id: str
    certificate_id: int
    level: str
    planned_candidates: int
    planned_sessions: int


_MONTH_PATTERNS = (
    re.compile(r"^(?P<m>\d{1,2})\s*月?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?(\s+00:00(:00)?)?$"),
)


def parse_count(text: str) -> int:
    """A planned number: a whole number not below 0."""
    value = normalize.number(text).replace("−", "-")
    if re.fullmatch(r"-[0-9]+(\.[0-9]+)?", value):
        raise ValueError(_("不能为负数，当前为“%(v)s”。") % {"v": text})
    try:
        number = normalize.integer(value)
    except ValueError:
        raise ValueError(_("应为不小于 0 的整数，当前为“%(v)s”。") % {"v": text}) from None
    if number < 0:
        raise ValueError(_("不能为负数，当前为“%(v)s”。") % {"v": text})
    if number > MAX_PLANNED:
        raise ValueError(_("数值“%(v)s”过大，请核对。") % {"v": text})
    return number


class PlanRowValidator:
    """Checks rows of one org's plan for one year against its certificates and the window.
    Loads what it needs once; a plan has at most a few thousand rows."""

    def __init__(self, *, org_id: int, year: int, first_month: int, last_month: int):
        self.org_id = org_id
        self.year = year
        self.first_month, self.last_month = first_month, last_month
        self.provinces: dict[str, str] = {}
        self.province_names: dict[str, str] = {}
        for code, name, short in Province.objects.values_list("code", "name", "short_name"):
            self.province_names[code] = name
            for key in (code, name, short):
                self.provinces.setdefault(key, code)
        self.by_code: dict[str, tuple] = {}
        self.by_name: dict[str, list[tuple]] = {}
        for pk, code, name, status, owner in Certificate.objects.values_list("pk", "code", "name", "status", "org_id"):
            record = (pk, code, name, status, owner)
            self.by_code[code.upper()] = record
            self.by_name.setdefault(name, []).append(record)
        self.offered: dict[int, set[str]] = {}
        for certificate_id, level in CertificateLevel.objects.filter(certificate__org_id=org_id).values_list(
                "certificate_id", "level"):
            self.offered.setdefault(certificate_id, set()).add(level)
        self.certificate_names = {r[0]: r[2] for r in self.by_code.values() if r[4] == self.org_id}
        self.seen: dict[tuple, int] = {}
        self.parse_month = memoized(self._month)
        self.parse_province = memoized(self._province)
        self.parse_certificate = memoized(self._certificate)
        self.parse_level = memoized(self._level)
        self.parse_count = memoized(parse_count)

    # -- single cells

    def _month(self, text: str) -> int:
        value = normalize.halfwidth(text)
        for pattern in _MONTH_PATTERNS:
            match = pattern.match(value)
            if match:
                break
        else:
            raise ValueError(_("月份“%(v)s”格式不正确，应如“9月”“2020-09”或“2020年9月”。") % {"v": text})
        month = int(match.group("m"))
        if not 1 <= month <= 12:
            raise ValueError(_("月份“%(v)s”无效，应为 1 到 12 月。") % {"v": text})
        year = match.groupdict().get("y")
        if year and int(year) != self.year:
            raise ValueError(_("月份“%(v)s”不在本计划的年度（%(year)d 年）内。") % {"v": text, "year": self.year})
        if not self.first_month <= month <= self.last_month:
            raise ValueError(_("%(m)d月不在 %(year)d 年的考核计划时间窗口（%(window)s）内。") % {
                "m": month, "year": self.year, "window": window_text(self.first_month, self.last_month)})
        return month

    def _province(self, text: str) -> str:
        code = self.provinces.get(text.strip())
        if code is None:
            raise ValueError(_("省份“%(v)s”无效，请从下拉列表中选择，如“湖北省”。") % {"v": text})
        return code

    def _certificate(self, text: str) -> int:
        value = text.strip()
        record = self.by_code.get(normalize.code(value))
        if record is None and value.endswith(("）", ")")) and ("（" in value or "(" in value):
            code = value.replace("(", "（").rstrip(")）").rsplit("（", 1)[1]
            record = self.by_code.get(normalize.code(code))
        if record is None:
            matches = self.by_name.get(value, [])
            own = [m for m in matches if m[4] == self.org_id]
            record = (own or matches or [None])[0]
        if record is None:
            raise ValueError(_("证书“%(v)s”不在证书目录中，请从下拉列表中选择本组织的证书。") % {"v": text})
        pk, _code, name, status, org_id = record
        if org_id != self.org_id:
            raise ValueError(_("证书“%(name)s”不属于本组织，不能为其制定考核计划。") % {"name": name})
        if status != Certificate.Status.PUBLISHED:
            raise ValueError(_("证书“%(name)s”当前状态为“%(status)s”，不能为其制定考核计划。") % {
                "name": name, "status": Certificate.Status(status).label})
        return pk

    @staticmethod
    def _level(text: str) -> str:
        level = level_lookup().get(text.strip())
        if level is None:
            raise ValueError(_("等级“%(v)s”无效，应为初级、中级或高级。") % {"v": text})
        return level

    # -- the row

    def __call__(self, check: RowCheck) -> PlanRowData | None:
        month = check.clean("month", self.parse_month)
        province = check.clean("province", self.parse_province)
        certificate = check.clean("certificate", self.parse_certificate)
        level = check.clean("level", self.parse_level)
        if certificate is not None and level is not None and level not in self.offered.get(certificate, set()):
            offered = self.offered.get(certificate, set())
            check.error("level", _("证书“%(name)s”没有“%(level)s”等级（设有：%(offered)s）。") % {
                "name": self.certificate_names[certificate], "level": LEVEL_LABELS[level],
                "offered": "、".join(str(LEVEL_LABELS[v]) for v in Level.values if v in offered) or _("无")})
        candidates = check.clean("planned_candidates", self.parse_count)
        sessions = check.clean("planned_sessions", self.parse_count)
        if candidates and sessions == 0:
            check.error("planned_sessions", _("计划考核 %(n)d 人，考核批次至少为 1。") % {"n": candidates})
        if None in (month, province, certificate, level, candidates, sessions) or not check.ok:
            return None
        key = (month, province, certificate, level)
        first = self.seen.get(key)
        if first is not None:
            check.error("level", _("与第 %(n)d 行重复：同一月份、省份、证书和等级只能填写一行。") % {"n": first})
            return None
        self.seen[key] = check.number
        return PlanRowData(row=check.number, month=month, province_id=province, certificate_id=certificate,
                           level=level, planned_candidates=candidates, planned_sessions=sessions)


def rows_from_records(records: list[dict] | list[tuple[int, dict]]) -> list[Row]:
    """Form or API rows (dicts keyed like the columns) as spreadsheet rows, numbered from 1 or
    as given in (number, record) pairs."""
    keys = PLAN_SCHEMA.keys
    rows = []
    for index, record in enumerate(records, start=1):
        if isinstance(record, tuple):
            index, record = record
        values = {key: "" if record.get(key) is None else str(record.get(key)).strip() for key in keys}
        rows.append(Row(number=index, values=values))
    return rows
