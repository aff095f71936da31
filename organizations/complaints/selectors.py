"""Reads of complaints, always through the actor's scope, and the one place that decides what an
actor may do with complaints (``complaints_access`` for the pages, ``complaint_access`` for one).

The ministry sees everything and triages. An org sees the complaints against itself, but only
through ``OrgComplaint``: a plain record that has no complainant fields at all (no contact, no
submitter, no evidence file names, no internal notes), so no template or serializer can show them by
mistake; the complainant's name and contact are rendered through the personal-data policy
(``complainant``: the ministry only) as well. Every other role is refused: 403 on lists, 404 on
single complaints.
"""

from dataclasses import dataclass, field
from datetime import datetime

import django_filters
from django import forms
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Access, Permissions, decides_access
from accounts.models import Role
from accounts.personal_data import Field, Shown, relations_of
from accounts.scoping import Actor, get_in_scope, scoped
from core.errors import Forbidden, NotInScope
from organizations.complaints.models import Complaint, ComplaintEvidence
from organizations.orgs.models import Org

Status = Complaint.Status
# What an org may read of a complaint against it.
ORG_VISIBLE_FIELDS = ("pk", "org", "reference", "category", "text", "status", "created_at", "status_changed_at",
                      "closed_at")
# Orgs a complaint may name: a withdrawn org has left the pilot, everyone else can still be complained about.
TARGET_ORG_STATUSES = (Org.Status.ACTIVE, Org.Status.YELLOW_CARD, Org.Status.DELISTED)


# --- who may do what -----------------------------------------------------------------------------

def complaints_access(actor: Actor) -> Permissions:
    """The complaints pages: the ministry lists every complaint (filtering by org), triages them and
    reads the upheld statistics; an org lists the complaints against itself; anyone else has no
    complaints pages (403; filing is public)."""
    if actor.role == Role.MINISTRY:
        return Permissions({"list", "triage", "filter_by_org", "statistics"})
    if actor.role == Role.ORG:
        return Permissions({"list"})
    return Permissions()


def complaint_access_of(actor: Actor, complaint: Complaint, *, with_details: bool = False) -> Access:
    """What ``actor`` may do with ``complaint``, which the caller already holds in scope. Whoever
    triages gets the complaint itself; any other reader (the org complained about) gets its
    ``OrgComplaint``, the substance without the complainant."""
    may = {"triage"} & complaints_access(actor)
    record = complaint if may else org_complaint(complaint, with_details=with_details)
    return Access(record, relations_of(actor, org_id=complaint.org_id), Permissions(may))


def complaint_access(actor: Actor, pk: int) -> Access:
    """One complaint inside the actor's scope, with its notes and evidence: the ministry any, an
    org one against itself; 404 for anyone else."""
    page = complaints_access(actor)
    if "list" not in page:
        raise NotInScope()
    if page.triage:
        complaints = Complaint.objects.select_related("org", "submitted_by")
    else:
        complaints = Complaint.objects.select_related("org").only(*ORG_VISIBLE_FIELDS[1:], "org__name")
    return complaint_access_of(actor, get_in_scope(complaints, actor, pk=pk), with_details=True)


def complaint_rows(actor: Actor, complaints) -> list[Access]:
    """``complaint_access_of`` for each row of a list or export: no query of its own."""
    return [complaint_access_of(actor, c) for c in complaints]


def shows_original_evidence(access: Access) -> bool:
    """Whether evidence goes out as uploaded — its file name and metadata can name the
    complainant — to those the policy shows the complainant; everyone else gets a neutral copy."""
    return access.shown(Field.COMPLAINANT) == Shown.FULL


def complaint_target_orgs() -> QuerySet[Org]:
    """The orgs a complaint may name (public: the filing form lists them)."""
    return Org.objects.filter(status__in=TARGET_ORG_STATUSES).order_by("name")


class ComplaintFilter(django_filters.FilterSet):
    """List filters shared by the ministry's page, the org's page and the API."""

    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=Status.choices,
                                         empty_label=gettext_lazy("全部"))
    category = django_filters.ChoiceFilter(label=gettext_lazy("类别"), choices=Complaint.Category.choices,
                                           empty_label=gettext_lazy("全部"))
    org = django_filters.ModelChoiceFilter(label=gettext_lazy("被投诉组织"), queryset=Org.objects.order_by("name"),
                                           empty_label=gettext_lazy("全部"))
    date_from = django_filters.DateFilter(label=gettext_lazy("提交日期起"), field_name="created_at",
                                          lookup_expr="date__gte", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = django_filters.DateFilter(label=gettext_lazy("提交日期止"), field_name="created_at",
                                        lookup_expr="date__lte", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Complaint
        fields = ["status", "category", "org", "date_from", "date_to"]


def complaints_visible(actor: Actor) -> QuerySet[Complaint]:
    """Complaints the actor may list: the ministry all, an org its own; others 403."""
    if "list" not in complaints_access(actor):
        raise Forbidden()
    return scoped(Complaint.objects.select_related("org"), actor)


def complaints_filtered(actor: Actor, params) -> tuple[ComplaintFilter, QuerySet[Complaint]]:
    """The actor's complaints narrowed by ``params`` (a GET query); invalid filters are ignored and
    reported on the filter's form."""
    qs = complaints_visible(actor)
    page = complaints_access(actor)
    if page.triage:
        qs = qs.select_related("submitted_by").prefetch_related("evidence")
    else:
        qs = qs.only(*(f for f in ORG_VISIBLE_FIELDS if f != "pk"), "org__name")
    filterset = ComplaintFilter(params or {}, queryset=qs)
    if not page.filter_by_org:
        filterset.filters.pop("org")  # an org sees only itself; the list of all orgs is not its business
    return filterset, filterset.qs


def complaint_status_counts(qs: QuerySet[Complaint]) -> dict[str, int]:
    """``{status: n}`` for every status, zeros included, plus ``"total"``."""
    rows = dict(qs.order_by().values_list("status").annotate(n=Count("*")))
    counts = {value: rows.get(value, 0) for value in Status.values}
    counts["total"] = sum(counts.values())
    return counts


def complaint_get_for_triage(actor: Actor, pk: int) -> Complaint:
    """The complaint a triage action names: the ministry gets it; the org whose complaint it is may
    read but not triage it (403); anyone else does not see it (404)."""
    return complaint_access(actor, pk).require("triage")


def complaints_pending_count(actor: Actor) -> int:
    """Complaints still waiting for a decision (the to-do of those who triage)."""
    if "triage" not in complaints_access(actor):
        return 0
    return Complaint.objects.filter(status__in=(Status.RECEIVED, Status.INVESTIGATING)).count()


# --- the org's view: substance without the complainant -----------------------------------------

@dataclass(frozen=True)
class OrgComplaintNote:
    at: datetime
    status_before: str
    status_after: str
    text: str

    @property
    def status_before_label(self) -> str:
        return str(Status(self.status_before).label)

    @property
    def status_after_label(self) -> str:
        return str(Status(self.status_after).label)

    @property
    def changed_status(self) -> bool:
        return self.status_before != self.status_after


@dataclass(frozen=True)
class OrgComplaintEvidence:
    pk: int
    label: str  # a neutral name: an original file name can name its author
    content_type: str
    size: int


@dataclass(frozen=True)
class OrgComplaint:
    pk: int
    reference: str
    org_name: str
    category: str
    text: str
    status: str
    created_at: datetime
    status_changed_at: datetime | None
    closed_at: datetime | None
    notes: list[OrgComplaintNote] = field(default_factory=list)
    evidence: list[OrgComplaintEvidence] = field(default_factory=list)

    @property
    def category_label(self) -> str:
        return str(Complaint.Category(self.category).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


def _evidence_label(index: int, content_type: str) -> str:
    kind = _("图片") if content_type.startswith("image/") else _("文档")
    return _("证据%(n)d（%(kind)s）") % {"n": index, "kind": kind}


def evidence_download_name(evidence: ComplaintEvidence, index: int) -> str:
    extension = ".pdf" if evidence.content_type == "application/pdf" else (
        ".png" if evidence.content_type == "image/png" else ".jpg")
    return _("证据%(n)d") % {"n": index} + extension


def org_complaint(complaint: Complaint, *, with_details: bool = False) -> OrgComplaint:
    """The org's record of ``complaint``: only ORG_VISIBLE_FIELDS, notes not marked internal."""
    notes, evidence = [], []
    if with_details:
        notes = [OrgComplaintNote(at=n.at, status_before=n.status_before, status_after=n.status_after, text=n.text)
                 for n in complaint.notes.filter(internal=False).only("at", "status_before", "status_after", "text")]
        files = complaint.evidence.order_by("pk").only("pk", "content_type", "size")
        evidence = [OrgComplaintEvidence(pk=e.pk, label=_evidence_label(i, e.content_type), content_type=e.content_type,
                                         size=e.size) for i, e in enumerate(files, start=1)]
    return OrgComplaint(pk=complaint.pk, reference=complaint.reference, org_name=complaint.org.name,
                        category=complaint.category, text=complaint.text, status=complaint.status,
                        created_at=complaint.created_at, status_changed_at=complaint.status_changed_at,
                        closed_at=complaint.closed_at, notes=notes, evidence=evidence)


# --- evidence downloads --------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceDownload:
    filename: str
    content_type: str
    evidence: ComplaintEvidence
    # True: hand out a copy without the metadata that can name the author (complaints.scrub)
    scrubbed: bool


def complaint_evidence_download(actor: Actor, pk: int) -> EvidenceDownload:
    """An evidence file: the ministry gets it as uploaded; the org a copy under a neutral name with
    the metadata that can name the author (EXIF, PNG text, PDF author and XMP) removed."""
    if "list" not in complaints_access(actor):
        raise NotInScope()
    evidence = (ComplaintEvidence.objects.filter(pk=pk, complaint__in=scoped(Complaint, actor))
                .select_related("complaint__org").first())
    if evidence is None:
        raise NotInScope()
    if shows_original_evidence(complaint_access_of(actor, evidence.complaint)):
        return EvidenceDownload(filename=evidence.original_name, content_type=evidence.content_type,
                                evidence=evidence, scrubbed=False)
    index = list(ComplaintEvidence.objects.filter(complaint_id=evidence.complaint_id).order_by("pk")
                 .values_list("pk", flat=True)).index(evidence.pk) + 1
    return EvidenceDownload(filename=evidence_download_name(evidence, index), content_type=evidence.content_type,
                            evidence=evidence, scrubbed=True)


# --- upheld complaints: what counts against an org --------------------------------------------

def complaints_upheld_counts(org: Org | int) -> dict[str, int]:
    """Upheld complaints against one org per category (every category, zeros included), plus
    ``"total"``. The supervision board weighs these; the caller must be allowed to see the org."""
    org_id = getattr(org, "pk", org)
    rows = dict(Complaint.objects.filter(org_id=org_id, status=Status.UPHELD).order_by()
                .values_list("category").annotate(n=Count("*")))
    counts = {value: rows.get(value, 0) for value in Complaint.Category.values}
    counts["total"] = sum(counts.values())
    return counts


def complaints_upheld_table(actor: Actor) -> list[dict]:
    """For the ministry: each org with upheld complaints, its counts per category and in total,
    most first."""
    if "statistics" not in complaints_access(actor):
        raise Forbidden()
    table: dict[int, dict] = {}
    rows = (Complaint.objects.filter(status=Status.UPHELD).order_by()
            .values_list("org_id", "org__name", "org__status", "category").annotate(n=Count("*")))
    for org_id, name, org_status, category, n in rows:
        row = table.setdefault(org_id, {"org_id": org_id, "org_name": name, "org_status": str(Org.Status(org_status).label),
                                        "counts": dict.fromkeys(Complaint.Category.values, 0), "total": 0})
        row["counts"][category] += n
        row["total"] += n
    result = sorted(table.values(), key=lambda r: (-r["total"], r["org_name"]))
    for row in result:
        row["cells"] = [row["counts"][c] for c in Complaint.Category.values]
    return result


# The one decision per object, as the access matrix test asks it (accounts.access).
decides_access(Complaint)(lambda actor, obj: complaint_access(actor, obj.pk))
