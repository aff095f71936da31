"""People and student accounts in bulk: ``person_find_or_create`` and ``person_account_create`` for
a registration file of many thousand rows, with the same rules (one person per identity, a name on
file is never changed by an upload, one account per person, only a hash of each activation code
kept) but a handful of queries instead of several per row.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import ActivationCode, Person, PersonName, Role, RoleBinding, User
from accounts.services import _CODE_ALPHABET
from core.bulk import copy_rows, insert_returning_ids
from core.errors import AppError

CHUNK = 5000


class PersonOnFile(NamedTuple):
    id: int
    name: str  # the name on file (never the uploaded one)
    user_id: int | None
    created: bool


def persons_find_or_create_many(*, actor, people: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], PersonOnFile]:
    """``{(id_type, id_number): PersonOnFile}`` for ``people`` given as (id_type, normalized id
    number, name): existing people as they are on file, the others created with the given name."""
    wanted: dict[tuple[str, str], str] = {}
    for id_type, number, name in people:
        wanted.setdefault((id_type, number), name)
    found = _existing_people(list(wanted))
    new = [(key, name) for key, name in wanted.items() if key not in found]
    if new:
        now = timezone.now()
        try:
            with transaction.atomic():
                ids = insert_returning_ids(Person, ["id_type", "id_number", "name", "created_at"],
                                           [(k[0], k[1], name, now) for k, name in new])
        except IntegrityError:
            # Someone else recorded one of these people at the same moment: nothing was kept.
            raise AppError(_("部分人员正被其他用户同时登记，本次未保存。请稍后重新提交。"), code="concurrent_people") from None
        recorder = getattr(getattr(actor, "user", actor), "pk", None)
        reason = _("首次登记")
        copy_rows(PersonName, ["person_id", "name", "valid_from", "reason", "recorded_by_id"],
                  ((pk, name, now, reason, recorder) for pk, (_key, name) in zip(ids, new, strict=True)))
        for pk, (key, name) in zip(ids, new, strict=True):
            found[key] = PersonOnFile(id=pk, name=name, user_id=None, created=True)
    return found


def _existing_people(keys: list[tuple[str, str]]) -> dict[tuple[str, str], PersonOnFile]:
    found = {}
    numbers = sorted({number for _type, number in keys})
    types = sorted({id_type for id_type, _number in keys})
    wanted = set(keys)
    for start in range(0, len(numbers), CHUNK):
        # Both columns, so that the (id_type, id_number) unique index answers.
        rows = Person.objects.filter(id_type__any_in=types, id_number__any_in=numbers[start:start + CHUNK]).values_list(
            "pk", "id_type", "id_number", "name", "user__id")
        for pk, id_type, number, name, user_id in rows:
            if (id_type, number) in wanted:
                found[(id_type, number)] = PersonOnFile(id=pk, name=name, user_id=user_id, created=False)
    return found


class NewAccount(NamedTuple):
    person_id: int
    user_id: int
    username: str
    code: str


def person_accounts_create_many(*, actor, people: list[tuple[int, str]], note: str = "") -> list[NewAccount]:
    """A student account for each (person id, name) that has none, each with a one-time activation
    code returned once (only its hash is stored). Usernames are ``xs`` and the person's number."""
    if not people:
        return []
    person_ids = [pk for pk, _name in people]
    taken = set()
    for start in range(0, len(person_ids), CHUNK):
        taken |= set(User.objects.filter(person__id__any_in=person_ids[start:start + CHUNK])
                     .values_list("person_id", flat=True))
    people = [(pk, name) for pk, name in people if pk not in taken]
    if not people:
        return []
    usernames = _usernames([pk for pk, _name in people])
    now = timezone.now()
    creator = getattr(getattr(actor, "user", actor), "pk", None)
    # Django's unusable password is "!" and random text; generated directly, 100,000 of them cost
    # milliseconds instead of seconds.
    passwords = _unusable_passwords(len(people))
    try:
        with transaction.atomic():
            user_ids = insert_returning_ids(User, [
                "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                "is_active", "date_joined", "full_name", "phone", "person_id", "created_by_id", "failed_logins",
                "locked_until"], [
                (password, None, False, usernames[pk], "", "", "", False, False, now, name, "", pk, creator, 0, None)
                for (pk, name), password in zip(people, passwords, strict=True)])
    except IntegrityError:
        raise AppError(_("部分学生账户正被同时创建，本次未保存。请稍后重新提交。"), code="concurrent_accounts") from None
    copy_rows(RoleBinding, ["user_id", "role", "province_id", "scope_id", "created_at", "created_by_id"],
              ((uid, Role.STUDENT, None, None, now, creator) for uid in user_ids))
    expires = now + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS)
    accounts = [NewAccount(pk, uid, usernames[pk], code)
                for (pk, _name), uid, code in zip(people, user_ids, _one_time_codes(len(people)), strict=True)]
    hash_code = code_hasher()
    copy_rows(ActivationCode, ["user_id", "purpose", "code_hash", "created_at", "expires_at", "used_at",
                               "created_by_id"],
              ((a.user_id, ActivationCode.Purpose.ACTIVATE, hash_code(a.code), now, expires, None, creator)
               for a in accounts))
    # One entry names every account the upload created (who created whom, with the new ids): the
    # registrations that caused them have an entry each; a row per account would double the audit
    # writes of a 100,000-row upload for no information the list does not carry.
    label = User._meta.label_lower
    if len(accounts) == 1:
        one = accounts[0]
        audit_log(actor=actor, action="account.created", object_type=label, object_id=str(one.user_id),
                  object_repr=one.username, note=note,
                  changes={"username": [None, one.username], "role": [None, Role.STUDENT],
                           "activation_code": [None, "issued"]})
    else:
        audit_log(actor=actor, action="account.created", object_type=label, note=note,
                  object_repr=_("%(n)d 个学生账户") % {"n": len(accounts)},
                  changes={"role": [None, Role.STUDENT], "activation_code": [None, "issued"],
                           "users": [None, [[a.user_id, a.username] for a in accounts]]})
    return accounts


def code_hasher():
    """``accounts.services._hash_code`` (an HMAC-SHA1 keyed from the secret key, as Django's
    ``salted_hmac``) with its key derived once instead of per code; the same hashes (tested)."""
    key = hashlib.sha1(b"pilot.activation-code" + force_bytes(settings.SECRET_KEY)).digest()
    base = hmac.new(key, digestmod=hashlib.sha1)

    def hash_code(code: str) -> str:
        digest = base.copy()
        digest.update(code.replace("-", "").replace(" ", "").upper().encode())
        return digest.hexdigest()

    return hash_code


# Each random byte's low five bits pick a letter of the 32-letter alphabet (32 divides 256, so every
# letter is equally likely), applied to all the bytes at once by ``bytes.translate``.
_CODE_LETTERS = bytes(ord(_CODE_ALPHABET[b & 31]) for b in range(256))


def _one_time_codes(count: int) -> list[str]:
    """``count`` codes of the kind ``accounts.services`` issues (12 characters of a 32-letter
    alphabet, 60 random bits, in groups of four), from one call to the system's random source."""
    raw = secrets.token_bytes(12 * count).translate(_CODE_LETTERS).decode("ascii")
    return [f"{raw[i:i + 4]}-{raw[i + 4:i + 8]}-{raw[i + 8:i + 12]}" for i in range(0, 12 * count, 12)]


def _one_time_code() -> str:
    return _one_time_codes(1)[0]


def _unusable_passwords(count: int) -> list[str]:
    """Django's unusable password ("!" and 40 random characters, as ``make_password(None)``), for
    ``count`` new accounts at once: 30 random bytes each, in URL-safe base64."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(30 * count)).decode("ascii")
    return ["!" + text[i:i + 40] for i in range(0, 40 * count, 40)]


def _usernames(person_ids: list[int]) -> dict[int, str]:
    """``xs`` and the person's number, unless that name is taken (usernames are unique whatever
    their case): then a suffix. Lower-case names are looked up exactly (the username index); the
    rare ones spelled with capitals are found by prefix, through the same index."""
    wanted = {pk: f"xs{pk}" for pk in person_ids}
    names = sorted(wanted.values())
    clashes = {u.lower() for u in User.objects.filter(
        Q(username__startswith="XS") | Q(username__startswith="Xs") | Q(username__startswith="xS"))
        .values_list("username", flat=True)}
    for start in range(0, len(names), CHUNK):
        clashes |= set(User.objects.filter(username__any_in=names[start:start + CHUNK]).values_list("username", flat=True))
    for pk, name in wanted.items():
        n = 2
        while name in clashes:
            name = f"xs{pk}-{n}"
            n += 1
        wanted[pk] = name
    if any("-" in name for name in wanted.values()):
        # A renamed clash could itself be taken: check the few of them one by one.
        for pk, name in list(wanted.items()):
            while "-" in name and User.objects.filter(username__iexact=name).exists():
                base, n = name.rsplit("-", 1)
                name = f"{base}-{int(n) + 1}"
            wanted[pk] = name
    return wanted
