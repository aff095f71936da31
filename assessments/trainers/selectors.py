"""Reads of trainer qualifications (培训师资格), through the actor's scope, and the one place that
decides what an actor may do with them and see of them (``trainers_page_access``,
``trainer_access``): the teacher's ID number goes through the personal-data policy
(``trainer_id_number``: in full to the teacher's institution and the org that trained them)."""

from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.personal_data import relations_of
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.filings.selectors import filings_page_access
from assessments.models import TrainerQualification
from core.errors import Forbidden


def trainers_page_access(actor: Actor) -> Permissions:
    """What the actor may do on the trainer pages: "read" them (whoever reads filings), "record"
    its own teachers (an institution), "confirm" the trainings of its certificates (an org)."""
    may = {"read"} if filings_page_access(actor).read else set()
    if actor.role == Role.INSTITUTION:
        may.add("record")
    if actor.role == Role.ORG:
        may.add("confirm")
    return Permissions(may)


def trainer_records_visible(actor: Actor) -> QuerySet[TrainerQualification]:
    """An institution its own teachers, an alliance its members', an org the trainings of its own
    certificates, a province those of its institutions, the ministry all."""
    if not trainers_page_access(actor).read:
        raise Forbidden()
    return scoped(TrainerQualification.objects.select_related("person", "institution", "certificate__org"), actor)


def trainer_access_of(actor: Actor, record: TrainerQualification) -> Access[TrainerQualification]:
    """The decision for a record already in scope; no query: the relations come from its ids. The recording institution
    "edit"s and "delete"s it (until the org confirms it), the org owning the certificate "confirm"s it."""
    org_id = record.certificate.org_id
    may = set()
    if actor.role == Role.INSTITUTION and record.institution_id == actor.binding.scope_id:
        may.update({"edit", "delete"})
    if actor.role == Role.ORG and org_id == actor.scope.org_id:
        may.add("confirm")
    relations = relations_of(actor, institution_id=record.institution_id, org_id=org_id)
    return Access(record, relations=relations, may=Permissions(may))


def trainer_access(actor: Actor, pk: int) -> Access[TrainerQualification]:
    """One record in the actor's scope (404 outside it) and what the actor may do with it."""
    return trainer_access_of(actor, get_in_scope(trainer_records_visible(actor), actor, pk=pk))


def trainer_accesses(actor: Actor, records: Iterable[TrainerQualification]) -> Iterator[Access[TrainerQualification]]:
    """The same decision for each record of a list or an export (records already in scope)."""
    for record in records:
        yield trainer_access_of(actor, record)


def trainers_pending_count(actor: Actor) -> int:
    if not trainers_page_access(actor).confirm:
        return 0
    return trainer_records_visible(actor).filter(confirmed_at__isnull=True).count()


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(TrainerQualification)(lambda actor, obj: trainer_access(actor, obj.pk))
