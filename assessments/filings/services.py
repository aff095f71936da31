"""Filings (备案): a province records which of its institutions take part in which certificate, in
which year, with how many students per level.

Filing is not approval (domain rule 1): every filing is recorded at once, whatever its size, and
counts until the province withdraws it; there is no state to approve and no threshold to meet. A
later filing of the same institution, certificate and year corrects the earlier one, and the
audit log keeps the previous values (``filing.created``, ``filing.corrected``, ``filing.withdrawn``).
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, audit_log_many
from accounts.models import Province
from accounts.scoping import Actor
from assessments.filings.imports import LEVEL_LABELS, FilingData, year_range
from assessments.filings.selectors import filing_access, filings_page_access
from assessments.models import Filing, FilingLevel
from certificates.catalog.models import Certificate, Level
from core import normalize
from core.bulk import copy_rows
from core.errors import AppError, Forbidden, NotInScope, field_errors
from core.tabular.validation import parse_phone
from organizations.institutions.models import Institution

LEVEL_ORDER = tuple(Level.values)  # Choices.values builds a new list on every access
# Above this many changed filings the PostgreSQL path (COPY + INSERT … ON CONFLICT) pays off.
COPY_THRESHOLD = 200


@dataclass
class SaveOutcome:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0

    @property
    def filings(self) -> int:
        return self.created + self.corrected + self.unchanged


def _state(levels: dict[str, int], contact_name: str, contact_phone: str, withdrawn: bool) -> dict:
    """A filing as the audit log records it."""
    ordered = {level: levels[level] for level in LEVEL_ORDER if level in levels}
    return {"levels": ordered, "total_students": sum(ordered.values()), "contact_name": contact_name,
            "contact_phone": contact_phone, "withdrawn": withdrawn}


def _changes(before: dict | None, after: dict) -> dict:
    if before is None:
        return {k: [None, v] for k, v in after.items() if k != "withdrawn"}
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _lock_province(actor: Actor) -> Province:
    """Filings of one province are written one writer at a time (a row lock on the province), so
    two uploads of overlapping files cannot interleave their corrections."""
    if not filings_page_access(actor).file:
        raise Forbidden()
    return Province.objects.select_for_update().get(pk=actor.province_code)


# --- one filing (the form, the API) ---------------------------------------------------------------

def _check_levels(certificate: Certificate, levels: dict[str, int | None], errors: list[AppError]) -> dict[str, int]:
    """The declared counts per level; what is wrong goes to ``errors``, every level checked."""
    if certificate.status != Certificate.Status.PUBLISHED:
        errors.append(AppError(_("证书“%(name)s”当前状态为“%(status)s”，只有已公布的证书可以备案。") % {
            "name": certificate.name, "status": certificate.get_status_display()}, field="certificate"))
    offered = set(certificate.levels.values_list("level", flat=True))
    clean, before = {}, len(errors)
    for level, value in levels.items():
        if value in (None, ""):
            continue
        if level not in Level.values:
            errors.append(AppError(_("等级“%(v)s”无效，应为初级、中级或高级。") % {"v": level}, field="levels"))
        elif isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            errors.append(AppError(_("“%(level)s”申报人数应为正整数，当前为“%(v)s”。") % {
                "level": LEVEL_LABELS[level], "v": value}, field=level))
        elif level not in offered:
            errors.append(AppError(_("证书“%(name)s”没有“%(level)s”等级（设有：%(offered)s）。") % {
                "name": certificate.name, "level": LEVEL_LABELS[level],
                "offered": "、".join(str(LEVEL_LABELS[v]) for v in Level.values if v in offered) or _("无")},
                field=level))
        else:
            clean[level] = value
    if not clean and len(errors) == before:
        errors.append(AppError(_("请至少填写一个等级的申报人数。"), field="levels"))
    return clean


def _check_contact(contact_name: str, contact_phone: str, errors: list[AppError]) -> tuple[str, str]:
    """The contact teacher and phone; both are checked, what is wrong goes to ``errors``."""
    name, phone = normalize.text(contact_name), ""
    if not name:
        errors.append(AppError(_("请填写联系教师。"), field="contact_name"))
    elif len(name) > 64:
        errors.append(AppError(_("联系教师姓名不能超过 64 个字。"), field="contact_name"))
    try:
        phone = parse_phone(contact_phone or "")
    except ValueError as exc:
        errors.append(AppError(exc.args[0], field="contact_phone"))
    return name, phone


def _check_year(year) -> int:
    low, high = year_range()
    if isinstance(year, bool) or not isinstance(year, int) or not low <= year <= high:
        raise AppError(_("年度应为 %(lo)d 到 %(hi)d 之间的整数。") % {"lo": low, "hi": high}, field="year")
    return year


def filing_problems(*, certificate: Certificate | None, year: int | None,
                    levels: dict[str, int | None]) -> list[AppError]:
    """What ``filing_save`` would refuse in the year and the levels, without saving: the form asks
    this too when other fields are already wrong (a blank contact, a negative count), so that every
    wrong field is named in one go, never one rule per submission. Fields not given are skipped."""
    errors: list[AppError] = []
    if year is not None:
        try:
            _check_year(year)
        except AppError as error:
            errors.append(error)
    if certificate is not None:
        _check_levels(certificate, levels, errors)
    return errors


@transaction.atomic
def filing_save(*, actor: Actor, institution: Institution, certificate: Certificate, year: int,
                levels: dict[str, int | None], contact_name: str, contact_phone: str) -> tuple[Filing, str]:
    """File (or correct the filing of) one institution's participation in a certificate for a
    year. Returns the filing and what happened: "created", "corrected" or "unchanged"."""
    province = _lock_province(actor)
    if institution.province_id != province.pk:
        raise NotInScope(_("院校“%(name)s”不属于%(province)s，不能为其备案。") % {
            "name": institution.name, "province": province.name})
    # Every field is checked before refusing, so the form and the API name all that is wrong at once.
    errors: list[AppError] = []
    try:
        year = _check_year(year)
    except AppError as error:
        errors.append(error)
    clean = _check_levels(certificate, levels, errors)
    name, phone = _check_contact(contact_name, contact_phone, errors)
    if errors:
        raise field_errors(errors)
    data = FilingData(institution_id=institution.pk, certificate_id=certificate.pk, year=year, levels=clean,
                      contact_name=name, contact_phone=phone)
    outcome = _apply(actor=actor, province=province, items=[data])
    filing = Filing.objects.get(institution=institution, certificate=certificate, year=year)
    return filing, ("created" if outcome.created else "corrected" if outcome.corrected else "unchanged")


@transaction.atomic
def filing_withdraw(*, actor: Actor, filing: Filing, reason: str = "") -> Filing:
    """Withdraw a filing: it stays on record but no longer counts. Filing it again restores it."""
    province = _lock_province(actor)
    filing_access(actor, filing.pk).require("withdraw")
    filing = Filing.objects.select_for_update().get(pk=filing.pk)
    if filing.withdrawn_at is not None:
        raise AppError(_("该备案已撤回。"))
    reason = (reason or "").strip()[:200]
    filing.withdrawn_at = timezone.now()
    filing.withdrawal_reason = reason
    filing.updated_at = filing.withdrawn_at
    filing.updated_by = actor.user
    filing.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at", "updated_by"])
    levels = dict(filing.levels.values_list("level", "declared_students"))
    audit_log(actor=actor, action="filing.withdrawn", obj=filing, province=province, note=reason,
              changes={"withdrawn": [False, True], "total_students": [filing.total_students, filing.total_students],
                       "levels": [levels, levels]})
    return filing


# --- many filings at once (bulk upload, API bulk) --------------------------------------------------

@transaction.atomic
def filings_bulk_save(*, actor: Actor, items: list[FilingData], note: str = "") -> SaveOutcome:
    """Save validated filings of the actor's province all at once. Filings are matched by
    institution, certificate and year: new ones are created, changed ones corrected, identical
    ones left alone (so uploading the same file twice changes nothing)."""
    province = _lock_province(actor)
    ids = {item.institution_id for item in items}
    foreign = Institution.objects.filter(pk__in=ids).exclude(province=province).first() if ids else None
    if foreign is not None:
        raise NotInScope(_("院校“%(name)s”不属于%(province)s，不能为其备案。") % {
            "name": foreign.name, "province": province.name})
    return _apply(actor=actor, province=province, items=items, note=note)


def _existing(province: Province, items: list[FilingData]) -> dict[tuple, dict]:
    years = sorted({item.year for item in items})
    institution_ids = sorted({item.institution_id for item in items})
    qs = Filing.objects.filter(province=province, year__in=years)
    if len(institution_ids) <= 500:
        qs = qs.filter(institution_id__in=institution_ids)
    found = {}
    for pk, inst, cert, year, name, phone, withdrawn in qs.values_list(
            "pk", "institution_id", "certificate_id", "year", "contact_name", "contact_phone", "withdrawn_at"):
        found[(inst, cert, year)] = {"pk": pk, "contact_name": name, "contact_phone": phone,
                                     "withdrawn": withdrawn is not None, "levels": {}}
    by_pk = {v["pk"]: v for v in found.values()}
    if by_pk:
        levels = FilingLevel.objects.filter(filing__province=province, filing__year__in=years)
        if len(institution_ids) <= 500:
            levels = levels.filter(filing__institution_id__in=institution_ids)
        for filing_id, level, declared in levels.values_list("filing_id", "level", "declared_students"):
            if filing_id in by_pk:
                by_pk[filing_id]["levels"][level] = declared
    return found


def _apply(*, actor: Actor, province: Province, items: list[FilingData], note: str = "") -> SaveOutcome:
    existing = _existing(province, items)
    outcome = SaveOutcome()
    new, changed = [], []
    for item in items:
        old = existing.get(item.key)
        after = _state(item.levels, item.contact_name, item.contact_phone, False)
        if old is None:
            new.append((item, None, after))
            continue
        before = _state(old["levels"], old["contact_name"], old["contact_phone"], old["withdrawn"])
        if before == after:
            outcome.unchanged += 1
        else:
            changed.append((item, old, before, after))
    outcome.created, outcome.corrected = len(new), len(changed)
    if not new and not changed:
        return outcome
    now = timezone.now()
    if connection.vendor == "postgresql" and len(new) + len(changed) > COPY_THRESHOLD:
        pks = _write_postgres(actor, province, new, changed, now)
    else:
        pks = _write_orm(actor, province, new, changed, now)
    _audit(actor, province, new, changed, pks, note)
    return outcome


def _write_orm(actor, province, new, changed, now) -> dict[tuple, int]:
    user = actor.user
    created = Filing.objects.bulk_create([
        Filing(institution_id=item.institution_id, certificate_id=item.certificate_id, year=item.year,
               province=province, contact_name=item.contact_name, contact_phone=item.contact_phone,
               total_students=item.total, filed_at=now, updated_at=now, filed_by=user, updated_by=user)
        for item, _before, _after in new], batch_size=1000)
    pks = {(f.institution_id, f.certificate_id, f.year): f.pk for f in created}
    updated = []
    for item, old, _before, _after in changed:
        pks[item.key] = old["pk"]
        updated.append(Filing(pk=old["pk"], contact_name=item.contact_name, contact_phone=item.contact_phone,
                              total_students=item.total, updated_at=now, updated_by=user, withdrawn_at=None,
                              withdrawal_reason=""))
    Filing.objects.bulk_update(updated, ["contact_name", "contact_phone", "total_students", "updated_at",
                                         "updated_by", "withdrawn_at", "withdrawal_reason"], batch_size=1000)
    changed_pks = [old["pk"] for _item, old, _b, _a in changed]
    for start in range(0, len(changed_pks), 900):
        FilingLevel.objects.filter(filing_id__in=changed_pks[start:start + 900]).delete()
    _levels_insert(new, changed, pks)
    return pks


def _write_postgres(actor, province, new, changed, now) -> dict[tuple, int]:
    """COPY the filings into a temporary table, then one INSERT … ON CONFLICT DO UPDATE that
    creates the new ones, corrects the changed ones and returns every id; COPY the levels."""
    quote = connection.ops.quote_name
    table = quote(Filing._meta.db_table)
    user_id = actor.user.pk
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.filing_upsert")
        cursor.execute("CREATE TEMPORARY TABLE filing_upsert (institution_id bigint, certificate_id bigint, "
                       "year smallint, contact_name varchar(64), contact_phone varchar(32), total_students integer) "
                       "ON COMMIT DROP")
        with cursor.cursor.copy("COPY filing_upsert FROM STDIN") as copy:
            for item, *_rest in (*new, *changed):
                copy.write_row((item.institution_id, item.certificate_id, item.year, item.contact_name,
                                item.contact_phone, item.total))
        cursor.execute(
            f"INSERT INTO {table} (institution_id, certificate_id, year, province_id, contact_name, contact_phone, "
            "total_students, filed_at, updated_at, withdrawn_at, withdrawal_reason, filed_by_id, updated_by_id) "
            "SELECT institution_id, certificate_id, year, %s, contact_name, contact_phone, total_students, %s, %s, "
            "NULL, '', %s, %s FROM filing_upsert "
            "ON CONFLICT (institution_id, certificate_id, year) DO UPDATE SET contact_name = EXCLUDED.contact_name, "
            "contact_phone = EXCLUDED.contact_phone, total_students = EXCLUDED.total_students, "
            "updated_at = EXCLUDED.updated_at, updated_by_id = EXCLUDED.updated_by_id, withdrawn_at = NULL, "
            "withdrawal_reason = '' RETURNING id, institution_id, certificate_id, year",
            [province.pk, now, now, user_id, user_id])
        pks = {(inst, cert, year): pk for pk, inst, cert, year in cursor.fetchall()}
        changed_pks = [old["pk"] for _item, old, _b, _a in changed]
        if changed_pks:
            cursor.execute(f"DELETE FROM {quote(FilingLevel._meta.db_table)} WHERE filing_id = ANY(%s)",
                           [changed_pks])
        cursor.execute("DROP TABLE IF EXISTS pg_temp.filing_upsert")
    _levels_insert(new, changed, pks)
    return pks


def _levels_insert(new, changed, pks) -> None:
    rows = ((pks[item.key], level, declared)
            for item, *_rest in (*new, *changed) for level, declared in item.levels.items())
    copy_rows(FilingLevel, ["filing_id", "level", "declared_students"], rows)


def _audit(actor, province, new, changed, pks, note) -> None:
    ids = {item.institution_id for item, *_ in (*new, *changed)}
    certs = {item.certificate_id for item, *_ in (*new, *changed)}
    institutions = dict(Institution.objects.filter(pk__in=ids).values_list("pk", "name")) if len(ids) < 5000 else \
        dict(Institution.objects.filter(province=province).values_list("pk", "name"))
    certificates = dict(Certificate.objects.filter(pk__in=certs).values_list("pk", "name"))
    label = Filing._meta.label_lower

    def entry(item, action, changes):
        return {"action": action, "object_type": label, "object_id": pks[item.key],
                "object_repr": f"{institutions.get(item.institution_id, '')} · "
                               f"{certificates.get(item.certificate_id, '')} · {item.year}",
                "province": province.pk, "changes": changes}

    entries = [entry(item, "filing.created", _changes(None, after)) for item, _b, after in new]
    entries += [entry(item, "filing.corrected", _changes(before, after)) for item, _old, before, after in changed]
    if len(entries) == 1:
        e = entries[0]
        audit_log(actor=actor, action=e["action"], object_type=e["object_type"], object_id=str(e["object_id"]),
                  object_repr=e["object_repr"], province=province, changes=e["changes"], note=note)
    else:
        audit_log_many(actor=actor, entries=entries, note=note)
