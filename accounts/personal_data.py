"""The one personal-data policy (design rule 7): how every personal field is shown to an actor.

A field is shown in full, masked or not at all, decided only by the actor's *relations* to the
person the record is about — never by a role comparison in a view, serializer, template or export.
Those ask ``relations_of(actor, …)`` once per record (or take it from the object's ``Access``) and
render each field with ``render(field, relations, value)``.

The README's "who sees what" table is generated from ``POLICY`` (``policy_markdown()``); a test fails
when they differ.
"""

from collections.abc import Callable
from enum import StrEnum

from accounts.identity import mask_id_number, mask_name, mask_phone
from accounts.models import Role


class Relation(StrEnum):
    """How the actor stands to the person a record is about (or, for org data, to the org)."""

    SELF = "self"                # the person themself
    INSTITUTION = "institution"  # the institution that registered / enrolled / employs the person
    ALLIANCE = "alliance"        # the alliance of that institution
    ORG = "org"                  # the org assessing, training or certifying the person; for org data, the org itself
    PROVINCE = "province"        # the provincial department or pilot agency of the record's province
    MINISTRY = "ministry"
    CREATOR = "creator"          # the staff member who created the person's account
    OTHER = "other"              # signed in, no relation to this record
    PUBLIC = "public"            # anyone: public pages, anonymous visitors


class Field(StrEnum):
    ID_NUMBER = "id_number"
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    COMPLAINANT = "complainant"
    ORG_CONTACT = "org_contact"
    SEAL = "seal"
    TRAINER_ID_NUMBER = "trainer_id_number"
    SCORE = "score"
    ADMISSION_TICKET = "admission_ticket"
    LEARNING_ACCOUNT = "learning_account"


class Shown(StrEnum):
    FULL = "full"
    MASKED = "masked"
    HIDDEN = "hidden"
    # Full once the org has finalized the session (scores), hidden before.
    RELEASED = "released"


R, S = Relation, Shown
# Every field, every relation. A relation missing from a field's row is HIDDEN.
POLICY: dict[Field, dict[Relation, Shown]] = {
    Field.ID_NUMBER: {R.SELF: S.FULL, R.INSTITUTION: S.FULL, R.ORG: S.FULL,
                      R.ALLIANCE: S.MASKED, R.PROVINCE: S.MASKED, R.MINISTRY: S.MASKED},
    Field.NAME: {R.SELF: S.FULL, R.INSTITUTION: S.FULL, R.ALLIANCE: S.FULL, R.ORG: S.FULL, R.PROVINCE: S.FULL,
                 R.MINISTRY: S.FULL, R.CREATOR: S.FULL, R.OTHER: S.MASKED, R.PUBLIC: S.MASKED},
    Field.PHONE: {R.SELF: S.FULL, R.CREATOR: S.FULL},
    Field.EMAIL: {R.SELF: S.FULL, R.CREATOR: S.FULL},
    # A paper copy's mailing address: the holder, and the org that prints and mails it.
    Field.ADDRESS: {R.SELF: S.FULL, R.ORG: S.FULL},
    # Complainant's name and contact: the ministry only; the org complained about sees the substance.
    Field.COMPLAINANT: {R.MINISTRY: S.FULL},
    Field.ORG_CONTACT: {R.ORG: S.FULL, R.MINISTRY: S.FULL},
    Field.SEAL: {R.ORG: S.FULL, R.MINISTRY: S.FULL},
    Field.TRAINER_ID_NUMBER: {R.INSTITUTION: S.FULL, R.ORG: S.FULL,
                              R.ALLIANCE: S.MASKED, R.PROVINCE: S.MASKED, R.MINISTRY: S.MASKED},
    Field.SCORE: {R.ORG: S.FULL, R.SELF: S.RELEASED, R.INSTITUTION: S.RELEASED, R.ALLIANCE: S.RELEASED,
                  R.PROVINCE: S.RELEASED, R.MINISTRY: S.RELEASED},
    # The admission ticket carries the full ID number: the person and the registering institution.
    Field.ADMISSION_TICKET: {R.SELF: S.FULL, R.INSTITUTION: S.FULL},
    # Outcomes and conversions; the ministry and provinces see statistics, records masked.
    Field.LEARNING_ACCOUNT: {R.SELF: S.FULL, R.INSTITUTION: S.FULL, R.ALLIANCE: S.FULL,
                             R.PROVINCE: S.MASKED, R.MINISTRY: S.MASKED},
}
del R, S

_MASKS: dict[Field, Callable[[str], str]] = {
    Field.ID_NUMBER: mask_id_number,
    Field.TRAINER_ID_NUMBER: mask_id_number,
    Field.NAME: mask_name,
    Field.PHONE: mask_phone,
}


def relations_of(actor, *, person_id: int | None = None, institution_id: int | None = None,
                 org_id: int | None = None, creator_id: int | None = None) -> frozenset[Relation]:
    """How the actor stands to a record about ``person_id`` handled by ``institution_id`` and
    ``org_id`` (and whose account ``creator_id`` created). The caller has already established that
    the record is in the actor's scope; this only says how close the actor stands to the person."""
    role = actor.role
    if role is None:
        return frozenset({Relation.PUBLIC})
    scope = actor.scope
    found = set()
    if person_id is not None and role == Role.STUDENT and scope.person_id == person_id:
        found.add(Relation.SELF)
    if institution_id is not None and institution_id in scope.institution_ids:
        found.add(Relation.ALLIANCE if role == Role.ALLIANCE else Relation.INSTITUTION)
    if role == Role.ORG and org_id is not None and org_id == scope.org_id:
        found.add(Relation.ORG)
    if role == Role.MINISTRY:
        found.add(Relation.MINISTRY)
    if role in (Role.PROVINCE, Role.PROVINCE_AGENCY):
        found.add(Relation.PROVINCE)
    if creator_id is not None and actor.user.pk == creator_id:
        found.add(Relation.CREATOR)
    return frozenset(found or {Relation.OTHER})


_RANK = {Shown.HIDDEN: 0, Shown.MASKED: 1, Shown.RELEASED: 2, Shown.FULL: 3}


def shown(field: Field, relations: frozenset[Relation], *, released: bool = True) -> Shown:
    """How ``field`` is shown to an actor standing in ``relations``: the most open of them."""
    decision = max((POLICY[field].get(r, Shown.HIDDEN) for r in relations), key=_RANK.__getitem__,
                   default=Shown.HIDDEN)
    if decision == Shown.RELEASED:
        return Shown.FULL if released else Shown.HIDDEN
    return decision


def masked(field: Field, value):
    """``value`` in the field's masked form whoever reads it (None for a field without a mask): for
    documents the person hands on to others (a credit-bank transcript) and for supervision lists that
    are not casework (the dashboard's rows)."""
    if value in (None, ""):
        return value
    mask = _MASKS.get(Field(field))
    return mask(str(value)) if mask else None


def render(field: Field, relations: frozenset[Relation], value, *, released: bool = True):
    """``value`` as the actor may see it: itself, masked, or None when hidden."""
    decision = shown(field, relations, released=released)
    if decision == Shown.HIDDEN:
        return None
    if decision == Shown.FULL or value in (None, ""):
        return value
    mask = _MASKS.get(field)
    return mask(str(value)) if mask else None


# --- the README's table ---------------------------------------------------------------------------

_FIELD_LABELS = {
    Field.ID_NUMBER: "ID-card number (registrations, certificates, outcomes)",
    Field.NAME: "name",
    Field.PHONE: "phone",
    Field.EMAIL: "e-mail",
    Field.ADDRESS: "mailing address (paper copies)",
    Field.COMPLAINANT: "complainant's name and contact",
    Field.ORG_CONTACT: "org contacts",
    Field.SEAL: "seal images",
    Field.TRAINER_ID_NUMBER: "trainer ID numbers",
    Field.SCORE: "score (成绩)",
    Field.ADMISSION_TICKET: "admission ticket (准考证, PDF with the full ID number)",
    Field.LEARNING_ACCOUNT: "learning account, conversions",
}
_RELATION_LABELS = {
    Relation.SELF: "the person",
    Relation.INSTITUTION: "their institution",
    Relation.ALLIANCE: "its alliance",
    Relation.ORG: "the org",
    Relation.PROVINCE: "the province",
    Relation.MINISTRY: "the ministry",
    Relation.CREATOR: "the account's creator",
    Relation.OTHER: "other signed-in users",
    Relation.PUBLIC: "public pages",
}


def policy_markdown() -> str:
    """The README's "who sees what" table, generated from POLICY."""
    lines = ["| personal data | in full | masked | once the session is finalized | not shown |",
             "| --- | --- | --- | --- | --- |"]
    for field, row in POLICY.items():
        def who(decision, row=row):
            return ", ".join(_RELATION_LABELS[r] for r in Relation if row.get(r, Shown.HIDDEN) == decision) or "—"
        lines.append(f"| {_FIELD_LABELS[field]} | {who(Shown.FULL)} | {who(Shown.MASKED)} | {who(Shown.RELEASED)} "
                     f"| {who(Shown.HIDDEN)} |")
    return "\n".join(lines)
