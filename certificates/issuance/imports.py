"""Import of certificates issued before the portal (the speech counts 17,000), from an XLSX export,
keeping their numbers so they verify like the rest.

The ministry imports for any org, an org only for its own certificates. All or nothing: every row is
checked first and a file with any bad row saves nothing and reports each row's problem. Imported
certificates carry no PDF (the first download queues its rendering, without a seal image: the seal
of the time is not on file) and are announced to the hooks by the sweep like issued ones.
"""

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import IdType, Person, PersonName, Province
from accounts.scoping import Actor
from accounts.services import id_number_normalize
from certificates.catalog.models import Certificate, level_lookup
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.selectors import issuance_access
from certificates.issuance.worker import new_token
from core import normalize, stamps
from core.errors import AppError, Forbidden
from core.tabular import MAX_BYTES, file_kind
from organizations.institutions.models import Institution
from organizations.supervision.selectors import org_standings

# 手机号码 (optional): the holder's mobile on file, so that they can claim their record when they
# sign up with it (accounts/signup: proving that phone is the proof); never overwrites one on file.
COLUMNS = ["证书编号", "姓名", "证件类型", "证件号码", "证书代码", "等级", "省份代码", "发证日期", "院校代码", "手机号码"]
REQUIRED = COLUMNS[:8]
MAX_ROWS = 50_000
_ID_TYPES = {str(label): value for value, label in IdType.choices} | {v: v for v in IdType.values}
_NUMBER = re.compile(r"^[A-Za-z0-9-]{6,32}$")


@dataclass
class Row:
    line: int
    number: str
    name: str
    id_type: str
    id_number: str
    certificate: Certificate
    level: str
    province_id: str
    issued_on: datetime.date
    institution_id: int | None
    phone: str = ""


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = normalize.halfwidth(value)
    match = re.fullmatch(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})日?", text)
    if not match:
        raise ValueError(text)
    return datetime.date(*(int(g) for g in match.groups()))


def _read(upload) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    file_kind(upload, max_bytes=MAX_BYTES, field="xlsx")
    try:
        upload.seek(0)
        sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
    except Exception:
        raise AppError(_("无法读取该文件，请上传 Excel（.xlsx）文件。"), field="xlsx") from None
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AppError(_("表头缺少列：%(cols)s。") % {"cols": "、".join(missing)}, field="xlsx")
    out = []
    for line, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue
        out.append((line, dict(zip(header, values, strict=False))))
        if len(out) > MAX_ROWS:
            raise AppError(_("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}, field="xlsx")
    if not out:
        raise AppError(_("文件中没有数据行。"), field="xlsx")
    return out


def certificates_import(*, actor: Actor, upload, filename: str = "") -> int:
    """Check every row, then store all of them; returns how many were imported."""
    if "import" not in issuance_access(actor):
        raise Forbidden()
    raw = _read(upload)
    codes = {normalize.code(r.get("证书代码")) for _line, r in raw}
    certificates = {c.code: c for c in Certificate.objects.filter(code__in=codes).select_related("org")}
    standings = org_standings({c.org_id for c in certificates.values()})
    provinces = set(Province.objects.values_list("code", flat=True))
    schools = {normalize.code(r.get("院校代码")) for _line, r in raw} - {""}
    institutions = dict(Institution.objects.filter(school_code__in=schools).values_list("school_code", "pk"))
    errors, rows, seen_numbers = [], [], set()
    for line, r in raw:
        problems = []
        number = normalize.code(r.get("证书编号"))
        name = str(r.get("姓名") or "").strip()
        certificate = certificates.get(normalize.code(r.get("证书代码")))
        level = level_lookup().get(str(r.get("等级") or "").strip())
        id_type = _ID_TYPES.get(str(r.get("证件类型") or "").strip() or str(IdType.RESIDENT_ID.label))
        province = normalize.code(r.get("省份代码"))[:2]
        school = normalize.code(r.get("院校代码"))
        if not _NUMBER.match(number):
            problems.append(_("证书编号应为 6–32 位字母或数字"))
        elif number in seen_numbers:
            problems.append(_("证书编号在文件中重复"))
        seen_numbers.add(number)
        if not name:
            problems.append(_("姓名为空"))
        id_number = ""
        if id_type is None:
            problems.append(_("证件类型无效"))
        else:
            try:
                id_number = id_number_normalize(id_type=id_type, id_number=str(r.get("证件号码") or ""))
            except AppError as error:
                problems.append(str(error.message).rstrip("。"))
        if certificate is None:
            problems.append(_("证书代码不存在"))
        elif not actor.scope.is_national and certificate.org_id != actor.scope.org_id:
            problems.append(_("不是本组织的证书"))
        if level is None:
            problems.append(_("等级应为初级、中级或高级"))
        if province not in provinces:
            problems.append(_("省份代码无效"))
        try:
            issued_on = _date(r.get("发证日期"))
            if issued_on > datetime.date.today():
                problems.append(_("发证日期晚于今天"))
            elif certificate is not None and not standings[certificate.org_id].allows(issued_on):
                # A certificate "issued" on or after the delisting day would be new work of a delisted org.
                problems.append(standings[certificate.org_id].refusal("import").rstrip("。"))
        except ValueError:
            issued_on = None
            problems.append(_("发证日期应为 2020-09-01 或 2020年9月1日"))
        if school and school not in institutions:
            problems.append(_("院校代码不存在"))
        phone = ""
        if str(r.get("手机号码") or "").strip():
            try:
                phone = normalize.mobile(str(r.get("手机号码")))
            except ValueError:
                problems.append(_("手机号码应为 11 位中国大陆手机号码"))
        if problems:
            errors.append(_("第 %(line)d 行：%(problems)s") % {"line": line, "problems": "；".join(problems)})
        else:
            rows.append(Row(line, number, name, id_type, id_number, certificate, level, province, issued_on,
                            institutions.get(school), phone))
    taken = set(IssuedCertificate.objects.filter(number__in=[r.number for r in rows]).values_list("number", flat=True))
    errors += [_("第 %(line)d 行：证书编号 %(n)s 已存在") % {"line": r.line, "n": r.number} for r in rows if r.number in taken]
    if errors:
        raise AppError(_("导入未完成，共 %(n)d 处问题，未保存任何数据。") % {"n": len(errors)}, field="xlsx",
                       details=errors[:200])
    with transaction.atomic():
        people = _people(actor, rows)
        held = set(IssuedCertificate.objects.filter(person__in=people.values(), status="valid")
                   .values_list("person_id", "certificate_id", "level"))
        duplicates = []
        for r in rows:
            key = (people[(r.id_type, r.id_number)].pk, r.certificate.pk, r.level)
            if key in held:
                duplicates.append(_("第 %(line)d 行：该持证人已有同一证书同一等级的有效证书") % {"line": r.line})
            held.add(key)
        if duplicates:
            raise AppError(_("导入未完成，共 %(n)d 处问题，未保存任何数据。") % {"n": len(duplicates)}, field="xlsx",
                           details=duplicates[:200])
        IssuedCertificate.objects.bulk_create([IssuedCertificate(
            number=r.number, person=people[(r.id_type, r.id_number)], certificate=r.certificate, level=r.level,
            org_id=r.certificate.org_id, province_id=r.province_id, institution_id=r.institution_id,
            holder_name=r.name, id_type=r.id_type, id_number=r.id_number, issued_on=r.issued_on,
            origin=IssuedCertificate.Origin.IMPORTED, token=new_token()) for r in rows], batch_size=2000)
        stamps.renew(*(stamps.name(stamps.CERTIFICATE_NUMBER, r.number) for r in rows))
        audit_log(actor=actor, action="certificate.imported", object_type="certificates.issuedcertificate",
                  object_repr=_("导入 %(n)d 份证书") % {"n": len(rows)}, note=filename[:200],
                  changes={"count": len(rows), "first": rows[0].number, "last": rows[-1].number})
    return len(rows)


def _people(actor: Actor, rows: list[Row]) -> dict[tuple[str, str], Person]:
    """Each holder's person record, found by identity or created (a name on file wins: the
    certificate keeps the name it was issued with), with the file's phone where none is on file."""
    wanted = {(r.id_type, r.id_number): r.name for r in rows}
    phones = {(r.id_type, r.id_number): r.phone for r in rows if r.phone}
    found = {(p.id_type, p.id_number): p for p in
             Person.objects.filter(id_number__in={k[1] for k in wanted}) if (p.id_type, p.id_number) in wanted}
    new = [Person(id_type=t, id_number=n, name=wanted[(t, n)], phone=phones.get((t, n), ""))
           for (t, n) in wanted if (t, n) not in found]
    # A phone on file is kept (one proved at sign-up wins over a file's); one missing is filled in.
    missing = [p for key, p in found.items() if not p.phone and phones.get(key)]
    for person in missing:
        person.phone = phones[(person.id_type, person.id_number)]
    Person.objects.bulk_update(missing, ["phone"], batch_size=2000)
    Person.objects.bulk_create(new, batch_size=2000)  # sets their ids (PostgreSQL, SQLite 3.35+)
    PersonName.objects.bulk_create([PersonName(person=p, name=p.name, reason=_("导入平台启用前的证书"),
                                               recorded_by=actor.user) for p in new], batch_size=2000)
    found.update({(p.id_type, p.id_number): p for p in new})
    return found
