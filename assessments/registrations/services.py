"""Registration (报名): an institution registers its students for a session, one by one or from a file
(all or nothing); a social learner (社会学习者) registers themself, and their account is the one that
later holds the certificate.

A candidate is the foundation's person record, found by ID type and number or created; a name that
differs from the one on file is flagged (``name_mismatch``) for the institution to confirm, never a
second person. A person is registered at most once per session (a unique constraint), and the
capacity is counted under a row lock on the session, so concurrent registrations never exceed it.
A candidate without an account gets one, with a one-time activation code shown once to the
institution (which may issue a new one later while the account is not yet activated).

Who may do what is decided by the selectors: registering by ``sessions_page_access`` ("register",
"self_register"), the operations on one registration by ``registration_access``.

Audited: ``registration.created``, ``registration.cancelled``, ``registration.name_confirmed``,
``registration.code_reissued`` (and ``account.created`` for the new accounts).
"""

from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, audit_log_many
from accounts.bulk_people import person_accounts_create_many, persons_find_or_create_many
from accounts.models import ActivationCode, User
from accounts.scoping import Actor
from accounts.services import activation_code_issue, id_number_normalize, person_rename
from assessments.models import AssessmentSession, Registration, Result
from assessments.registrations.imports import REGISTRATION_SCHEMA, RegistrationRow, RegistrationRowValidator
from assessments.registrations.selectors import is_institution_student, registration_access
from assessments.sessions.selectors import is_open_for_registration, sessions_page_access
from assessments.sessions.services import lock_session
from core import normalize
from core.bulk import insert_returning_ids
from core.errors import AppError, Forbidden
from core.tabular.reading import read_table
from core.tabular.validation import ValidationResult, no_data_error, validate_rows
from organizations.institutions.models import Institution
from organizations.supervision.selectors import org_standing

Status = Registration.Status
Channel = Registration.Channel


class IssuedCode(NamedTuple):
    """A new student account's one-time activation code, shown once to the institution."""

    row: int
    name: str
    username: str
    code: str


@dataclass
class RegistrationOutcome:
    created: int = 0
    reactivated: int = 0
    name_mismatches: int = 0
    codes: list[IssuedCode] = field(default_factory=list)
    registration_ids: list[int] = field(default_factory=list)

    @property
    def registered(self) -> int:
        return self.created + self.reactivated


class RowErrors(AppError):
    """A file (or API batch) with errors in some rows: nothing was saved. ``details`` lists every
    error by row and column, ``errors`` keeps them as CellErrors for the error report."""

    def __init__(self, result: ValidationResult):
        super().__init__(_("共 %(rows)d 行，其中 %(bad)d 行有错误，全部未保存。请改正后重新提交。") % {
            "rows": result.rows_read, "bad": len(result.error_rows)}, code="invalid_rows",
            details=[{"row": e.row, "field": e.key, "column": e.column, "message": e.message} for e in result.errors])
        self.errors = result.errors
        self.error_count = result.error_count


def own_institution(actor: Actor) -> Institution:
    """The institution the actor works for, when it may register students (403 otherwise)."""
    if not sessions_page_access(actor).register:
        raise Forbidden()
    return Institution.objects.get(pk=actor.binding.scope_id)


def _check_open(session: AssessmentSession) -> None:
    if not is_open_for_registration(session):
        if session.status == AssessmentSession.Status.SCHEDULED:
            raise AppError(_("考核日期已过，该考核批次已停止报名。"), code="registration_closed")
        raise AppError(_("该考核批次%(status)s，不能报名。") % {"status": session.get_status_display()},
                       code="registration_closed")
    # A session scheduled before its org's delisting but held on or after it could never be scored.
    org_standing(session.org).check("register", on=session.date)


def _check_capacity(session: AssessmentSession, adding: int) -> None:
    taken = session.registrations.filter(status=Status.REGISTERED).count()
    if taken + adding > session.capacity:
        left = max(session.capacity - taken, 0)
        raise AppError(_("考核批次容量 %(cap)d 人，已报名 %(taken)d 人，剩余 %(left)d 个名额；本次报名 %(n)d 人，"
                         "超出 %(over)d 人，全部未保存。") % {
            "cap": session.capacity, "taken": taken, "left": left, "n": adding, "over": taken + adding - session.capacity},
            code="capacity")


def registered_identities(session: AssessmentSession) -> set[tuple[str, str]]:
    """(id_type, id_number) of everyone actively registered for the session."""
    return set(session.registrations.filter(status=Status.REGISTERED).values_list("person__id_type",
                                                                                    "person__id_number"))


# --- the institution's registrations -------------------------------------------------------------

def registration_file_validate(*, session: AssessmentSession, upload) -> ValidationResult:
    """Read an uploaded registration file and check every row (nothing is saved here)."""
    table = read_table(upload, REGISTRATION_SCHEMA)
    validator = RegistrationRowValidator(registered=registered_identities(session))
    result = validate_rows(table, REGISTRATION_SCHEMA, validator)
    if result.rows_read == 0:
        raise no_data_error(table.name)
    return result


def registrations_import(*, actor: Actor, session: AssessmentSession, upload) -> RegistrationOutcome:
    """An institution's registration file for one session: every row checked, then all saved or
    none (``RowErrors`` lists what is wrong)."""
    institution = own_institution(actor)
    _check_open(session)
    result = registration_file_validate(session=session, upload=upload)
    if not result.ok:
        raise RowErrors(result)
    name = getattr(upload, "name", "") or ""
    return registrations_bulk_save(actor=actor, session=session, rows=result.rows, institution=institution,
                                   note=_("批量报名：%(file)s") % {"file": name})


def registrations_rows_save(*, actor: Actor, session: AssessmentSession, rows) -> RegistrationOutcome:
    """The API's bulk registration: rows keyed like the file's columns, the same checks."""
    institution = own_institution(actor)
    _check_open(session)
    validator = RegistrationRowValidator(registered=registered_identities(session))
    result = validate_rows(rows, REGISTRATION_SCHEMA, validator)
    if not result.ok:
        raise RowErrors(result)
    return registrations_bulk_save(actor=actor, session=session, rows=result.rows, institution=institution,
                                   note=_("API 批量报名"))


@transaction.atomic
def registration_create(*, actor: Actor, session: AssessmentSession, id_type: str, id_number: str, name: str,
                        major_name: str, major_code: str = "") -> tuple[Registration, IssuedCode | None]:
    """An institution registers one student. Returns the registration and, when the student had
    no account, the new account's activation code."""
    institution = own_institution(actor)
    number = id_number_normalize(id_type=id_type, id_number=id_number)
    name, major_name, major_code = normalize.text(name), normalize.text(major_name), normalize.code(major_code)
    if not name or len(name) > 64:
        raise AppError(_("请填写姓名（不超过 64 个字）。"), field="name")
    if not major_name or len(major_name) > 64:
        raise AppError(_("请填写专业名称（不超过 64 个字）。"), field="major_name")
    if len(major_code) > 16:
        raise AppError(_("专业代码不能超过 16 个字符。"), field="major_code")
    row = RegistrationRow(row=1, id_type=id_type, id_number=number, name=name, major_code=major_code,
                          major_name=major_name)
    outcome = registrations_bulk_save(actor=actor, session=session, rows=[row], institution=institution)
    registration = Registration.objects.select_related("person", "session").get(pk=outcome.registration_ids[0])
    return registration, (outcome.codes[0] if outcome.codes else None)


@transaction.atomic
def registrations_bulk_save(*, actor: Actor, session: AssessmentSession, rows: list[RegistrationRow],
                            institution: Institution, note: str = "") -> RegistrationOutcome:
    """Save validated rows for ``institution`` under the session's lock: re-check that nobody is
    registered twice and that the capacity holds, find or create the people and their accounts,
    record the registrations (each with the student's major, as the file gave it)."""
    if institution.pk != own_institution(actor).pk:
        raise Forbidden()
    session = lock_session(session)
    _check_open(session)
    if not rows:
        raise AppError(_("没有要报名的考生。"))
    taken = registered_identities(session)
    twice = [r for r in rows if r.key in taken]
    if twice:
        raise AppError(_("第 %(rows)s 行的考生已报名本考核批次，不能重复报名；全部未保存。") % {
            "rows": "、".join(str(r.row) for r in twice[:20])}, code="already_registered", field="id_number")
    _check_capacity(session, len(rows))
    keys = [(r.id_type, r.id_number) for r in rows]
    found = persons_find_or_create_many(actor=actor, people=[(*key, r.name) for key, r in zip(keys, rows, strict=True)])
    people = [found[key] for key in keys]  # row by row
    mismatches = [person.name != r.name for person, r in zip(people, rows, strict=True)]
    outcome = RegistrationOutcome(name_mismatches=sum(mismatches))
    now = timezone.now()
    user = actor.user
    # A person whose earlier registration was cancelled is registered again on the same row.
    cancelled = dict(session.registrations.filter(status=Status.CANCELLED).values_list("person_id", "pk"))
    new_rows = [i for i, person in enumerate(people) if person.id not in cancelled]
    revived = [i for i, person in enumerate(people) if person.id in cancelled] if cancelled else []
    # The values every registration of this upload shares, then each row's own.
    shared_before = (session.pk,)
    shared_between = (institution.pk, Channel.INSTITUTION, None)
    shared_after = (None, False, Status.REGISTERED, session.org_id, session.certificate_id, session.level,
                    session.province_id, session.date, now, user.pk)
    ids = insert_returning_ids(Registration, [
        "session_id", "person_id", "institution_id", "channel", "account_id", "major_code", "major_name", "name_given",
        "name_mismatch", "name_confirmed_at", "absent", "status", "org_id", "certificate_id", "level", "province_id",
        "session_date", "created_at", "created_by_id"], [
        (*shared_before, people[i].id, *shared_between, rows[i].major_code, rows[i].major_name, rows[i].name,
         mismatches[i], *shared_after) for i in new_rows])
    for i in revived:
        r = rows[i]
        Registration.objects.filter(pk=cancelled[people[i].id]).update(
            status=Status.REGISTERED, institution=institution, channel=Channel.INSTITUTION, account=None,
            major_code=r.major_code, major_name=r.major_name, name_given=r.name, name_mismatch=mismatches[i],
            name_confirmed_at=None, absent=False, created_by=user)
    outcome.created, outcome.reactivated = len(new_rows), len(revived)
    registration_ids = [0] * len(rows)
    for i, pk in zip(new_rows, ids, strict=True):
        registration_ids[i] = pk
    for i in revived:
        registration_ids[i] = cancelled[people[i].id]
    outcome.registration_ids = registration_ids
    without_account = [i for i, person in enumerate(people) if person.user_id is None]
    if without_account:
        row_of = {people[i].id: rows[i].row for i in without_account}
        accounts = person_accounts_create_many(actor=actor, people=[(people[i].id, people[i].name) for i in without_account],
                                               note=note)
        names = {people[i].id: people[i].name for i in without_account}
        outcome.codes = sorted((IssuedCode(row_of[a.person_id], names[a.person_id], a.username, a.code) for a in accounts),
                               key=attrgetter("row"))
    label = Registration._meta.label_lower
    where = f"{session.certificate.name}（{session.get_level_display()}）{session.date:%Y-%m-%d}"
    if len(rows) == 1:
        person = people[0]
        audit_log(actor=actor, action="registration.created", object_type=label, object_id=str(registration_ids[0]),
                  object_repr=f"{rows[0].name} · {where}", province=session.province_id, note=note,
                  changes={"session": [None, session.pk], "person": [None, person.id],
                           "institution": [None, institution.pk], "name_mismatch": [None, mismatches[0]]})
    else:
        audit_log_many(actor=actor, note=note, entries=(
            {"action": "registration.created", "object_type": label, "object_id": pk, "object_repr": f"{r.name} · {where}",
             "province": session.province_id,
             "changes": {"session": [None, session.pk], "person": [None, person.id],
                         "institution": [None, institution.pk], "name_mismatch": [None, mismatch]}}
            for r, person, pk, mismatch in zip(rows, people, registration_ids, mismatches, strict=True)))
    return outcome


# --- a social learner registers themself ---------------------------------------------------------

@transaction.atomic
def registration_self_create(*, actor: Actor, session: AssessmentSession) -> Registration:
    """A social learner (a student-role account not enrolled at an institution) registers for a
    session; the account is stored on the registration and later holds the certificate."""
    if not sessions_page_access(actor).self_register:
        raise Forbidden()
    person = actor.user.person
    if person is None:
        raise Forbidden(_("该账户没有对应的人员信息，不能报名。"))
    if is_institution_student(person.pk):
        raise AppError(_("您是院校在籍学生，请通过所在院校报名。"), code="enrolled_student")
    session = lock_session(session)
    _check_open(session)
    existing = session.registrations.filter(person=person).first()
    if existing is not None and existing.status == Status.REGISTERED:
        raise AppError(_("您已报名该考核批次，不能重复报名。"), code="already_registered")
    _check_capacity(session, 1)
    values = {"institution": None, "channel": Channel.SELF, "account": actor.user, "major_code": "", "major_name": "",
              "name_given": person.name, "name_mismatch": False, "name_confirmed_at": None, "absent": False,
              "status": Status.REGISTERED, "created_by": actor.user}
    if existing is not None:
        for key, value in values.items():
            setattr(existing, key, value)
        existing.save()
        registration = existing
    else:
        registration = Registration.objects.create(
            session=session, person=person, org_id=session.org_id, certificate_id=session.certificate_id,
            level=session.level, province_id=session.province_id, session_date=session.date, **values)
    audit_log(actor=actor, action="registration.created", obj=registration, province=session.province_id,
              changes={"session": [None, session.pk], "person": [None, person.pk], "channel": [None, Channel.SELF]})
    return registration


# --- after registering ---------------------------------------------------------------------------

@transaction.atomic
def registration_cancel(*, actor: Actor, registration: Registration) -> Registration:
    """Withdraw a registration before the session's date; the seat becomes free again."""
    registration_access(actor, registration.pk).require("cancel")
    session = lock_session(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Status.REGISTERED:
        raise AppError(_("该报名已取消。"))
    if session.status not in (AssessmentSession.Status.SCHEDULED, AssessmentSession.Status.CLOSED) \
            or session.date < timezone.localdate():
        raise AppError(_("考核已举行或已结束，不能取消报名。"))
    if Result.objects.filter(registration=registration).exists():
        raise AppError(_("已有成绩的报名不能取消。"))
    registration.status = Status.CANCELLED
    registration.save(update_fields=["status"])
    audit_log(actor=actor, action="registration.cancelled", obj=registration, province=session.province_id,
              changes={"status": [Status.REGISTERED, Status.CANCELLED]})
    return registration


@transaction.atomic
def registration_name_confirm(*, actor: Actor, registration: Registration, use_given: bool,
                              reason: str = "") -> Registration:
    """The institution settles a flagged name: the name on file stands, or the person's name is
    corrected to the one the registration gave (recorded in the person's name history)."""
    registration_access(actor, registration.pk).require("confirm_name")
    registration = Registration.objects.select_for_update().select_related("person").get(pk=registration.pk)
    if not registration.name_mismatch:
        raise AppError(_("该报名的姓名无需确认。"))
    person = registration.person
    before = person.name
    if use_given:
        if not (reason or "").strip():
            raise AppError(_("更正姓名必须说明原因（如：已核对身份证）。"), field="reason")
        person_rename(actor=actor, person=person, name=registration.name_given, reason=reason)
    registration.name_mismatch = False
    registration.name_confirmed_at = timezone.now()
    registration.save(update_fields=["name_mismatch", "name_confirmed_at"])
    # Other registrations of the same person that gave the name now on file are settled too.
    Registration.objects.filter(person=person, name_mismatch=True, name_given=person.name).update(
        name_mismatch=False, name_confirmed_at=registration.name_confirmed_at)
    audit_log(actor=actor, action="registration.name_confirmed", obj=registration,
              province=registration.province_id, note=(reason or "").strip()[:500],
              changes={"name_mismatch": [True, False], "person_name": [before, person.name],
                       "name_given": [registration.name_given, registration.name_given]})
    return registration


@transaction.atomic
def registration_code_reissue(*, actor: Actor, registration: Registration) -> IssuedCode:
    """A new activation code for a student the institution registered whose account is not yet
    activated (earlier codes stop working). An activated account resets its own password."""
    registration_access(actor, registration.pk).require("reissue_code")
    user = User.objects.filter(person_id=registration.person_id).first()
    if user is None:
        raise AppError(_("该考生还没有账户。"))
    if user.is_active or user.has_usable_password():
        raise AppError(_("该考生已激活账户；忘记密码请由本人通过“找回密码”重置。"), code="already_active")
    code = activation_code_issue(actor=None, user=user, purpose=ActivationCode.Purpose.ACTIVATE)
    audit_log(actor=actor, action="registration.code_reissued", obj=registration, province=registration.province_id,
              changes={"account": [user.username, user.username]})
    return IssuedCode(row=0, name=registration.person.name, username=user.username, code=code)
