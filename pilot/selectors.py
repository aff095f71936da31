"""Reads of the pilot-wide pages — the workbench, provinces, notices, the supervision board — and the one
place that decides what an actor may do there (design rule 2): ``pilot_access`` for the pages,
``notice_get`` and ``supervision_org_get`` for one object, each an ``accounts.access.Access``. Views
and templates read ``access.may``; the services that publish, withdraw and delist ask the same
selectors."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import Access, Permissions, decides_access
from accounts.models import Province, Role, RoleBinding
from accounts.scoping import Actor, get_in_scope, scoped
from accounts.selectors import account_admin_access
from certificates.catalog.models import Certificate, CertificateStatusChange
from certificates.catalog.selectors import certificates_of_org
from core.errors import NotInScope
from core.navigation import Todo
from organizations.institutions.models import Alliance, Institution
from organizations.orgs.models import Org
from organizations.supervision.models import TRANSITIONS, OrgAction, OrgActionEvidence
from pilot.models import Notice, NoticeAttachment

# --- what the actor may do (the only role comparisons of these pages) --------------------------------

# The workbench's "my duties" panel for each role (which text and links it shows).
DUTIES = {Role.MINISTRY: "national", Role.PROVINCE: "province", Role.PROVINCE_AGENCY: "province",
          Role.INSTITUTION: "institution", Role.ALLIANCE: "institution", Role.ORG: "org", Role.STUDENT: "student"}


def pilot_access(actor: Actor | None) -> Access[None]:
    """What ``actor`` (None: an anonymous visitor) may open and do on the pilot-wide pages:

    - ``provinces``: the list of provinces (the ministry; a province opens its own page);
    - ``publish_notice``, ``withdraw_notice``: the public notices (the ministry);
    - ``supervise``: the supervision board — the national list, actions on an org, delisting,
      suspending certificates (the ministry; an org reads its own record);
    - ``see_withdrawn_notices``: drafts and withdrawn notices stay listed for the ministry.
    """
    may = set()
    if actor is not None and actor.role == Role.MINISTRY:
        may |= {"provinces", "publish_notice", "withdraw_notice", "supervise", "see_withdrawn_notices"}
    return Access(obj=None, may=Permissions(may))


# --- the workbench ------------------------------------------------------------------------------------

def workbench(actor: Actor) -> dict:
    """The role panel of the workbench: which duties it describes, and the figures it shows."""
    duty = DUTIES.get(actor.role)
    panel = {"duty": duty, "access": pilot_access(actor), "account_admin": account_admin_access(actor)}
    if duty == "province":
        province = actor.binding.province
        panel.update(province=province, summary=province_summary(actor, province))
    if duty == "national":
        panel["province_count"] = Province.objects.count()
    return panel


def province_for(actor: Actor, code: str) -> Province:
    """A province page: the ministry sees every province, a provincial user only its own."""
    return get_in_scope(Province, actor, pk=code)


def provinces(actor: Actor) -> QuerySet[Province]:
    """The list of provinces (the ministry's; 403 for others)."""
    pilot_access(actor).require("provinces")
    return scoped(Province, actor)


def province_summary(actor: Actor, province: Province) -> dict:
    return {
        "institutions": scoped(Institution, actor).filter(province=province).count(),
        "alliances": scoped(Alliance, actor).filter(province=province).count(),
        "accounts": RoleBinding.objects.filter(province=province).values("user").distinct().count(),
    }


# --- notices ------------------------------------------------------------------------------------------

def notices_visible(actor: Actor | None) -> QuerySet[Notice]:
    """Published notices for everyone; the ministry also sees its drafts and withdrawn ones."""
    qs = Notice.objects.prefetch_related("attachments")
    if pilot_access(actor).may.see_withdrawn_notices:
        return qs
    return qs.filter(published_at__isnull=False, withdrawn_at__isnull=True)


def notice_get(actor: Actor | None, pk: int) -> Access[Notice]:
    """A notice the actor may read (404 otherwise) and what the actor may do with it: the ministry
    may "edit" it, "publish" it while it is a draft and "withdraw" it once published; no one else
    may do anything."""
    notice = notices_visible(actor).filter(pk=pk).first()
    if notice is None:
        raise NotInScope()
    may = set()
    if pilot_access(actor).may.withdraw_notice:
        may.add("edit")
        may.add("publish" if notice.published_at is None else "withdraw")
    return Access(obj=notice, may=Permissions(may))


def notice_attachment_get(actor: Actor | None, pk: int) -> NoticeAttachment:
    return get_object_or_404(NoticeAttachment, pk=pk, notice__in=notices_visible(actor))


# --- the supervision board -------------------------------------------------------------------------

def supervision_orgs(actor: Actor, *, status: str = "", query: str = "") -> QuerySet[Org]:
    """Every org with its supervision counts: national data, not found (404) outside the ministry."""
    if not pilot_access(actor).may.supervise:
        raise NotInScope()
    orgs = Org.objects.annotate(action_count=Count("actions"),
                                yellow_cards=Count("actions", filter=Q(actions__kind=OrgAction.Kind.YELLOW_CARD)))
    if status in Org.Status.values:
        orgs = orgs.filter(status=status)
    if query:
        orgs = orgs.filter(name__icontains=query)
    return orgs.order_by("name")


def org_status_counts() -> dict[str, int]:
    return dict(Org.objects.values_list("status").annotate(n=Count("pk")))


def supervision_org_get(actor: Actor, pk: int) -> Access[Org]:
    """An org's supervision record: the ministry's (``act``: record an action, ``delist`` while the org
    may still be delisted, ``certificates``: suspend or lift its certificates), or the org's own (read);
    404 for anyone else."""
    org = get_in_scope(Org, actor, pk=pk)
    may = set()
    if pilot_access(actor).may.supervise:
        may |= {"act", "certificates"}
        if org.status in TRANSITIONS[OrgAction.Kind.DELIST][0]:
            may.add("delist")
    return Access(obj=org, may=Permissions(may))


def org_for_delisting(actor: Actor, pk: int) -> Org:
    """The org the ministry delists: 403 for others, 404 outside the scope (whether its status still
    allows delisting is the service's rule, refused with a message). The page and the orchestration
    service ask here."""
    pilot_access(actor).require("supervise")
    return supervision_org_get(actor, pk).require("act")


# Certificates still in the catalog when their org is delisted; the others are already settled.
LIVE_STATUSES = (Certificate.Status.PUBLISHED, Certificate.Status.SUSPENDED, Certificate.Status.APPLIED)


def certificates_to_settle(org: Org) -> list[Certificate]:
    """The certificates delisting ``org`` must replace or withdraw."""
    return [c for c in certificates_of_org(org) if c.status in LIVE_STATUSES]


def certificate_for_supervision(actor: Actor, pk: int) -> Certificate:
    """A certificate the ministry suspends or lifts (403 for others)."""
    pilot_access(actor).require("supervise")
    return get_object_or_404(Certificate, pk=pk)


def org_timeline(actor: Actor, org: Org) -> list[dict]:
    """The org's supervision history: its own status changes and its certificates', newest first."""
    events = [{"at": a.at, "kind": a.get_kind_display(), "subject": org.name, "reason": a.reason,
               "status": a.get_status_after_display(), "evidence": list(a.evidence.all()), "action": a}
              for a in scoped(OrgAction, actor).filter(org=org).prefetch_related("evidence")]
    events += [{"at": c.at, "kind": _("证书状态变更"), "subject": c.certificate.name, "reason": c.reason,
                "status": c.get_status_after_display(), "evidence": [], "action": None}
               for c in scoped(CertificateStatusChange, actor).filter(certificate__org=org).select_related("certificate")]
    return sorted(events, key=lambda e: e["at"], reverse=True)


def evidence_get(actor: Actor, pk: int) -> OrgActionEvidence:
    """An evidence file of a supervision action: the ministry's, or the org's own (404 otherwise)."""
    evidence = get_object_or_404(OrgActionEvidence.objects.select_related("action"), pk=pk)
    get_in_scope(Org, actor, pk=evidence.action.org_id)
    return evidence


def supervision_todos(actor: Actor) -> list[Todo]:
    """An org under a yellow card (or delisted) sees it first on its workbench."""
    if actor.scope.org_id is None:
        return []
    org = scoped(Org, actor).filter(pk=actor.scope.org_id).first()
    if org is None or org.status == Org.Status.ACTIVE:
        return []
    return [Todo(title=_("贵组织处于“%(status)s”状态，请查看监管记录并整改") % {"status": org.get_status_display()},
                 url=reverse("pilot:supervision_org", args=[org.pk]), urgent=True)]


# The one decision per notice, as the access matrix test asks it (accounts.access).
decides_access(Notice)(lambda actor, obj: notice_get(actor, obj.pk))
