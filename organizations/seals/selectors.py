from django.db.models import QuerySet

from accounts.access import Access
from accounts.personal_data import Field, Shown
from accounts.scoping import Actor
from core.errors import Forbidden, NotInScope
from organizations.orgs.models import Org
from organizations.orgs.selectors import org_access, registry_access
from organizations.seals.models import OrgSeal
from organizations.supervision.selectors import OPERATING_STATES, org_standing, org_standings


def orgs_without_seal_count(actor: Actor) -> int:
    """Orgs still in the pilot that have no seal to issue certificates with (the registry's to-do)."""
    if "read" not in registry_access(actor):
        raise Forbidden()
    return Org.objects.filter(status__in=[Org.Status.ACTIVE, Org.Status.YELLOW_CARD], seals__isnull=True).count()


def org_seal_current(org: Org) -> OrgSeal | None:
    """The seal certificates issued now carry: the highest version, or None before any upload;
    for an org out of the pilot, the highest version uploaded before it left (a seal uploaded after
    a delisting never reaches a certificate). Issuance records the returned version on each certificate."""
    return org_seals_current_many([org.pk]).get(org.pk)


def org_seals_current_many(org_ids) -> dict[int, OrgSeal]:
    """``org_seal_current`` for many orgs in few queries (issuance works in chunks across orgs);
    ``None`` means every org."""
    seals = OrgSeal.objects.order_by("org_id", "-version")
    left = Org.objects.exclude(status__in=OPERATING_STATES)
    if org_ids is not None:
        org_ids = list(org_ids)
        seals, left = seals.filter(org_id__in=org_ids), left.filter(pk__in=org_ids)
    ended = {pk: s.ended_at for pk, s in org_standings(left.values_list("pk", flat=True)).items() if s.ended_at}
    current: dict[int, OrgSeal] = {}
    for seal in seals:
        if seal.org_id in ended and seal.uploaded_at >= ended[seal.org_id]:
            continue
        current.setdefault(seal.org_id, seal)
    return current


def seal_upload_refusal(org: Org) -> str | None:
    """Why the org may not upload a seal now (its delisting, named), or None."""
    standing = org_standing(org)
    return None if standing.allows_now() else standing.refusal("upload_seal")


def org_seal_get(org: Org, version: int) -> OrgSeal:
    """One version of the org's seal: the one a certificate was issued with (raises
    OrgSeal.DoesNotExist for a version the org never had)."""
    return OrgSeal.objects.get(org=org, version=version)


def org_seals(access: Access[Org]) -> QuerySet[OrgSeal] | None:
    """Every version of the org's seal, newest first, or None where the personal-data policy does
    not show this actor the org's seal images (only the org itself and the ministry see them)."""
    if access.shown(Field.SEAL) != Shown.FULL:
        return None
    return OrgSeal.objects.filter(org=access.obj).select_related("uploaded_by", "org").order_by("-version")


def org_seal_for_file(actor: Actor, org_pk: int, version: int | None = None) -> OrgSeal:
    """A seal file for those who see the org's seal images; 404 for anyone else and for no seal."""
    seals = org_seals(org_access(actor, org_pk))
    if seals is None:
        raise NotInScope()
    seal = seals.first() if version is None else seals.filter(version=version).first()
    if seal is None:
        raise NotInScope()
    return seal
