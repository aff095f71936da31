"""Bulk filing (批量备案): the spreadsheet's columns and the row-by-row checks.

One row is one level of one filing; the rows of one institution, certificate and year together
make that filing. Reading and error reporting are the portal's shared ``accounts.tabular``.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from certificates.catalog.models import Certificate, CertificateLevel, Level, level_lookup
from core import normalize
from core.errors import AppError
from core.tabular.schema import Column, Row, Schema
from core.tabular.validation import RowCheck, int_in_range, memoized, parse_phone, parse_positive_int, text_of_length
from organizations.institutions.models import Institution
from organizations.orgs.validators import normalize_school_code

FIRST_PILOT_YEAR = 2019

FILING_SCHEMA = Schema(columns=(
    Column("school_code", "学校标识码", example="4142010834", text_format=True, width=14,
           help="10 位数字，须为本省在“院校名录”中登记的院校。"),
    Column("institution_name", "学校名称", required=False, example="武汉职业技术学院", width=26,
           help="选填；填写时须与学校标识码对应的院校名称一致，用于核对。"),
    Column("certificate", "证书名称", choices=True, example="Web前端开发", width=30,
           help="从下拉列表选择已公布的证书；也可填写证书代码。"),
    Column("year", "年度", example="2020", width=8, whole_number_min=FIRST_PILOT_YEAR,
           help="试点年度，如 2020。"),
    Column("level", "等级", choices=True, example="初级", width=8,
           help="初级、中级或高级，须为该证书设有的等级。同一院校、证书、年度的每个等级填写一行。"),
    Column("declared_students", "申报人数", example="120", width=10, whole_number_min=1,
           help="该等级申报的学生人数，正整数。"),
    Column("contact_name", "联系教师", example="张老师", width=12,
           help="同一院校、证书、年度的各行应相同。"),
    Column("contact_phone", "联系电话", example="13800000000", text_format=True, width=16,
           help="11 位手机号码或带区号的固定电话。"),
))

LEVEL_LABELS = dict(Level.choices)


def year_range() -> tuple[int, int]:
    return FIRST_PILOT_YEAR, datetime.date.today().year + 1


def certificate_choice_labels() -> list[str]:
    """What the template's drop-down offers: published certificates by name, with the code where
    two share a name."""
    certificates = list(Certificate.objects.filter(status=Certificate.Status.PUBLISHED).values_list("code", "name"))
    names = [name for _code, name in certificates]
    return sorted(name if names.count(name) == 1 else f"{name}（{code}）" for code, name in certificates)


@dataclass(frozen=True)
class FilingRow:
    row: int
    institution_id: int
    certificate_id: int
    year: int
    level: str
    declared_students: int
    contact_name: str
    contact_phone: str


@dataclass
class FilingData:
    """One filing as a whole: the levels of one institution, certificate and year."""

    institution_id: int
    certificate_id: int
    year: int
    levels: dict[str, int]
    contact_name: str
    contact_phone: str

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.institution_id, self.certificate_id, self.year)

    @property
    def total(self) -> int:
        return sum(self.levels.values())


class FilingRowValidator:
    """Checks one row against the catalog, the province's institutions and the rows before it.
    Loads what it needs once, so that 100,000 rows cost dictionary look-ups, not queries."""

    def __init__(self, *, province_code: str, province_name: str):
        self.province_code = province_code
        self.province_name = province_name
        self.institutions = {code: (pk, name) for pk, code, name in Institution.objects.filter(
            province_id=province_code).values_list("pk", "school_code", "name")}
        self.certificates: dict[str, list[tuple]] = {}
        self.by_code: dict[str, tuple] = {}
        for pk, code, name, status in Certificate.objects.values_list("pk", "code", "name", "status"):
            record = (pk, code, name, status)
            self.by_code[code.upper()] = record
            self.certificates.setdefault(name, []).append(record)
        self.offered: dict[int, set[str]] = {}
        for certificate_id, level in CertificateLevel.objects.values_list("certificate_id", "level"):
            self.offered.setdefault(certificate_id, set()).add(level)
        self.low, self.high = year_range()
        self.foreign: dict[str, str | None] = {}
        self.seen: dict[tuple, int] = {}
        self.contacts: dict[tuple, tuple[str, str, int]] = {}
        # Each distinct text is looked up once, however many rows repeat it.
        self.parse_institution = memoized(lambda t: self._institution(normalize_school_code(t)))
        self.parse_certificate = memoized(self._certificate)
        self.parse_year = memoized(int_in_range(self.low, self.high))
        self.parse_level = memoized(self._level)
        self.parse_count = memoized(parse_positive_int)
        self.parse_name = text_of_length(64)
        self.parse_phone = memoized(parse_phone)

    # -- single cells

    def _institution(self, code: str):
        found = self.institutions.get(code)
        if found is not None:
            return found
        if code not in self.foreign:
            other = Institution.objects.filter(school_code=code).select_related("province").first()
            self.foreign[code] = f"{other.name}（{other.province.name}）" if other else None
        where = self.foreign[code]
        if where:
            raise AppError(_("学校标识码 %(code)s 对应的院校%(where)s不属于%(province)s，不能为其备案。") % {
                "code": code, "where": where, "province": self.province_name})
        raise AppError(_("学校标识码 %(code)s 未在院校名录中登记，请先在“院校名录”中登记该院校。") % {"code": code})

    def _certificate(self, text: str):
        record = self.by_code.get(normalize.code(text))
        if record is None and text.endswith(("）", ")")) and ("（" in text or "(" in text):
            code = text.replace("(", "（").rstrip(")）").rsplit("（", 1)[1]
            record = self.by_code.get(normalize.code(code))
        if record is None:
            matches = self.certificates.get(text.strip(), [])
            published = [m for m in matches if m[3] == Certificate.Status.PUBLISHED]
            if len(published) > 1:
                raise ValueError(_("名为“%(name)s”的证书有多个，请填写证书代码：%(codes)s。") % {
                    "name": text, "codes": "、".join(m[1] for m in published)})
            record = (published or matches or [None])[0]
        if record is None:
            raise ValueError(_("证书“%(name)s”不在证书目录中，请从下拉列表中选择。") % {"name": text})
        pk, _code, name, status = record
        if status != Certificate.Status.PUBLISHED:
            raise ValueError(_("证书“%(name)s”当前状态为“%(status)s”，只有已公布的证书可以备案。") % {
                "name": name, "status": Certificate.Status(status).label})
        return pk, name

    @staticmethod
    def _level(text: str) -> str:
        level = level_lookup().get(text.strip())
        if level is None:
            raise ValueError(_("等级“%(v)s”无效，应为初级、中级或高级。") % {"v": text})
        return level

    # -- the row

    def __call__(self, check: RowCheck) -> FilingRow | None:
        institution = check.clean("school_code", self.parse_institution)
        if institution is not None:
            typed = check.text("institution_name")
            if typed and typed != institution[1]:
                check.error("institution_name", _("学校标识码对应的院校是“%(name)s”，与填写的“%(typed)s”不一致。") % {
                    "name": institution[1], "typed": typed})
        certificate = check.clean("certificate", self.parse_certificate)
        year = check.clean("year", self.parse_year)
        level = check.clean("level", self.parse_level)
        if certificate is not None and level is not None:
            offered = self.offered.get(certificate[0], set())
            if level not in offered:
                check.error("level", _("证书“%(name)s”没有“%(level)s”等级（设有：%(offered)s）。") % {
                    "name": certificate[1], "level": LEVEL_LABELS[level],
                    "offered": "、".join(str(LEVEL_LABELS[v]) for v in Level.values if v in offered) or _("无")})
        declared = check.clean("declared_students", self.parse_count)
        contact_name = check.clean("contact_name", self.parse_name)
        contact_phone = check.clean("contact_phone", self.parse_phone)
        if None in (institution, certificate, year, level):
            return None
        key = (institution[0], certificate[0], year)
        first = self.seen.get((*key, level))
        if first is not None:
            check.error("level", _("与第 %(n)d 行重复：同一院校、证书和年度的“%(level)s”只能填写一行。") % {
                "n": first, "level": LEVEL_LABELS[level]})
            return None
        self.seen[(*key, level)] = check.number
        if contact_name is not None and contact_phone is not None:
            contact = self.contacts.setdefault(key, (contact_name, contact_phone, check.number))
            if contact[:2] != (contact_name, contact_phone):
                check.error("contact_name", _("同一院校、证书和年度的联系教师和电话应一致（第 %(n)d 行为“%(name)s %(phone)s”）。")
                            % {"n": contact[2], "name": contact[0], "phone": contact[1]})
        if not check.ok:
            return None
        return FilingRow(row=check.number, institution_id=key[0], certificate_id=key[1], year=year, level=level,
                         declared_students=declared, contact_name=contact_name, contact_phone=contact_phone)


def filing_rows_group(rows: list[FilingRow]) -> list[FilingData]:
    """The validated rows as whole filings, in the order of their first row."""
    filings: dict[tuple, FilingData] = {}
    for row in rows:
        key = (row.institution_id, row.certificate_id, row.year)
        data = filings.get(key)
        if data is None:
            data = filings[key] = FilingData(institution_id=key[0], certificate_id=key[1], year=key[2], levels={},
                                             contact_name=row.contact_name, contact_phone=row.contact_phone)
        data.levels[row.level] = row.declared_students
    return list(filings.values())


def rows_from_records(records: list[dict]) -> list[Row]:
    """API rows (JSON objects keyed like the columns) as spreadsheet rows numbered from 1."""
    keys = FILING_SCHEMA.keys
    rows = []
    for index, record in enumerate(records, start=1):
        values = {key: "" if record.get(key) is None else str(record.get(key)).strip() for key in keys}
        rows.append(Row(number=index, values=values))
    return rows
