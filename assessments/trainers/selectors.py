from django.db.models import QuerySet

from accounts.identity import mask_id_number
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.filings.selectors import FILING_READERS
from assessments.models import TrainerQualification
from core.errors import Forbidden


def trainer_records_visible(actor: Actor) -> QuerySet[TrainerQualification]:
    """An institution its own teachers, an alliance its members', an org the trainings of its own
    certificates, a province those of its institutions, the ministry all."""
    if actor.role not in FILING_READERS:
        raise Forbidden()
    return scoped(TrainerQualification.objects.select_related("person", "institution", "certificate__org"), actor)


def trainer_record_get(actor: Actor, pk: int, *, for_write: bool = False) -> TrainerQualification:
    return get_in_scope(trainer_records_visible(actor), actor, for_write=for_write, pk=pk)


def shows_full_id(actor: Actor, record: TrainerQualification) -> bool:
    """ID numbers in full only to the teacher's own institution and to the org that trained them."""
    if actor.role == Role.INSTITUTION:
        return record.institution_id == actor.binding.scope_id
    if actor.role == Role.ORG:
        return record.certificate.org_id == actor.scope.org_id
    return False


def trainer_id_display(actor: Actor, record: TrainerQualification) -> str:
    number = record.person.id_number
    return number if shows_full_id(actor, record) else mask_id_number(number)


def trainers_pending_count(actor: Actor) -> int:
    if actor.role != Role.ORG:
        return 0
    return trainer_records_visible(actor).filter(confirmed_at__isnull=True).count()
