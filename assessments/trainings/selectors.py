"""Reads of teacher trainings, certificate trainings and Hubei commitments, through the actor's
scope: an org its own, a province those held for its province, the ministry all; and the one place
that decides what an actor may do with them (``trainings_page_access``, ``teacher_training_access``,
``certificate_training_access``).

The Hubei special action measures commitments against candidates assessed, so this feature sits
above results (``assessments.results.selectors.assessed_by``)."""

from django.db.models import Count, QuerySet, Sum

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from assessments.filings.selectors import certificates_of_org
from assessments.models import CertificateTraining, HubeiCommitment, TeacherTraining
from assessments.results.selectors import assessed_by
from assessments.trainings.models import HUBEI
from certificates.catalog.models import Certificate
from core.errors import Forbidden
from organizations.orgs.models import Org

_READERS = (Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG)


def trainings_page_access(actor: Actor) -> Permissions:
    """What the actor may do on the training pages:

    - "read": teacher and certificate trainings (the ministry, provinces and their agencies, orgs);
    - "record": record, correct and delete its own trainings (an org);
    - "commit": state its commitment to the Hubei special action (an org);
    - "hubei": read the Hubei special action (the ministry, orgs, Hubei's department and agency);
    - "compare_orgs": the lists span orgs, so they show the org (everyone but an org).
    """
    role = actor.role
    may = set()
    if role in _READERS:
        may.add("read")
    if role == Role.ORG:
        may.update({"record", "commit", "hubei"})
    else:
        may.add("compare_orgs")
    if role == Role.MINISTRY or (role in (Role.PROVINCE, Role.PROVINCE_AGENCY) and actor.province_code == HUBEI):
        may.add("hubei")
    return Permissions(may)


def _require_reader(actor: Actor) -> None:
    if not trainings_page_access(actor).read:
        raise Forbidden()


def _own(actor: Actor, org_id: int) -> bool:
    return actor.role == Role.ORG and org_id == actor.scope.org_id


def teacher_trainings_visible(actor: Actor) -> QuerySet[TeacherTraining]:
    _require_reader(actor)
    return scoped(TeacherTraining.objects.select_related("org", "certificate", "province"), actor)


def teacher_training_access(actor: Actor, pk: int) -> Access[TeacherTraining]:
    """One teacher training in scope (404 outside it); the org that held it "edit"s and "delete"s it."""
    training = get_in_scope(teacher_trainings_visible(actor), actor, pk=pk)
    return Access(training, may=Permissions({"edit", "delete"} if _own(actor, training.org_id) else ()))


def teacher_training_totals(trainings: QuerySet[TeacherTraining]) -> dict:
    totals = trainings.order_by().aggregate(sessions=Count("*"), teachers=Sum("teachers_trained"))
    hubei = trainings.order_by().filter(hubei_special=True).aggregate(teachers=Sum("teachers_trained"))
    return {"sessions": totals["sessions"] or 0, "teachers": totals["teachers"] or 0,
            "hubei_teachers": hubei["teachers"] or 0}


def certificate_trainings_visible(actor: Actor) -> QuerySet[CertificateTraining]:
    _require_reader(actor)
    return scoped(CertificateTraining.objects.select_related("org", "certificate", "province"), actor)


def certificate_training_access(actor: Actor, pk: int) -> Access[CertificateTraining]:
    """One certificate training in scope (404 outside it); the org that held it "delete"s it."""
    record = get_in_scope(certificate_trainings_visible(actor), actor, pk=pk)
    return Access(record, may=Permissions({"delete"} if _own(actor, record.org_id) else ()))


def certificate_training_totals(records: QuerySet[CertificateTraining]) -> dict:
    totals = records.order_by().aggregate(students=Sum("students"), learners=Sum("social_learners"))
    students, learners = totals["students"] or 0, totals["learners"] or 0
    return {"students": students, "social_learners": learners, "total": students + learners}


def trainable_certificates(actor: Actor) -> QuerySet[Certificate]:
    """The org's published certificates: what it may record trainings for."""
    if not trainings_page_access(actor).record:
        return Certificate.objects.none()
    return certificates_of_org(actor.scope.org_id)


# --- the Hubei special action --------------------------------------------------------------------

def own_hubei_commitment(actor: Actor) -> HubeiCommitment | None:
    if not trainings_page_access(actor).commit:
        raise Forbidden()
    return scoped(HubeiCommitment.objects.all(), actor).first()


def hubei_progress(actor: Actor) -> list[dict]:
    """Each org's commitment to the Hubei special action against what it did: teachers trained
    in trainings counted toward the action, candidates assessed in Hubei. The ministry and
    Hubei's provincial bodies see every org; an org sees itself; other provinces may not look."""
    if not trainings_page_access(actor).hubei:
        raise Forbidden()
    # Hubei's bodies see every org's part in the action, not only what was held in their province.
    commitments = HubeiCommitment.objects.select_related("org")
    special = TeacherTraining.objects.filter(hubei_special=True)
    if actor.scope.org_id is not None:
        commitments = scoped(commitments, actor)
        special = special.filter(org_id=actor.scope.org_id)
    trained = dict(special.order_by().values("org_id").annotate(n=Sum("teachers_trained")).values_list("org_id", "n"))
    org_ids = set(trained) | {c.org_id for c in commitments}
    assessed = assessed_by(("org_id",), province_id=HUBEI, org_id__in=sorted(org_ids))
    by_org = {c.org_id: c for c in commitments}
    names = dict(Org.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    rows = []
    for org_id in org_ids:
        commitment = by_org.get(org_id)
        done_teachers = trained.get(org_id, 0)
        done_candidates = assessed.get((org_id,), 0)
        rows.append({
            "org_id": org_id, "org_name": names.get(org_id, ""), "commitment": commitment,
            "teachers_to_train": commitment.teachers_to_train if commitment else None,
            "candidates_to_assess": commitment.candidates_to_assess if commitment else None,
            "teachers_trained": done_teachers, "candidates_assessed": done_candidates,
            "teachers_percent": _percent(done_teachers, commitment.teachers_to_train if commitment else 0),
            "candidates_percent": _percent(done_candidates, commitment.candidates_to_assess if commitment else 0),
        })
    return sorted(rows, key=lambda r: r["org_name"])


def _percent(done: int, target: int) -> int | None:
    return round(done * 100 / target) if target else None


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(TeacherTraining)(lambda actor, obj: teacher_training_access(actor, obj.pk))
decides_access(CertificateTraining)(lambda actor, obj: certificate_training_access(actor, obj.pk))
