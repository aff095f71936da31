"""Supervision of orgs (动态调整): yellow card, lifting it, delisting, voluntary withdrawal.

Status changes happen only here, by the ministry, with a reason and optional evidence; each is a
conditional update (act only when the org is still in a state the action applies to), recorded on
the org's timeline (OrgAction), audited, and notified to the org's staff. Delisting together with the
replacement of the org's certificates is orchestrated in the layer above (pilot.supervision).
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Role
from accounts.scoping import Actor
from accounts.services import notify_scope
from core.errors import AppError
from core.uploads import check_document, check_image, stored_file_save
from organizations.orgs.models import Org
from organizations.orgs.selectors import org_access_of
from organizations.supervision.models import TRANSITIONS, OrgAction, OrgActionEvidence
from organizations.supervision.selectors import OPERATING_STATES, org_standing

Kind = OrgAction.Kind
Status = Org.Status

MAX_EVIDENCE_FILES = 5
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
__all__ = ["OPERATING_STATES", "org_action_record", "org_check_may_operate"]


def _check_evidence(files) -> list:
    if len(files) > MAX_EVIDENCE_FILES:
        raise AppError(_("证据材料最多 %(n)d 个。") % {"n": MAX_EVIDENCE_FILES}, field="evidence")
    checked = []
    for upload in files:
        head = upload.read(8)
        upload.seek(0)
        try:
            if head.startswith((b"\x89PNG", b"\xff\xd8\xff")):
                info = check_image(upload, max_bytes=EVIDENCE_MAX_BYTES)
            else:
                info = check_document(upload, max_bytes=EVIDENCE_MAX_BYTES)
        except AppError as error:
            raise AppError(error.message, field="evidence", code=error.code) from None
        checked.append((upload, info))
    return checked


@transaction.atomic
def org_action_record(*, actor: Actor, org: Org, kind: str, reason: str, evidence=()) -> OrgAction:
    """Apply one supervision action to ``org``. Refused (nothing saved) when the org is not in a
    state the action applies to, without a reason, or with unacceptable evidence files."""
    org_access_of(actor, org).require("supervise")
    if kind not in TRANSITIONS:
        raise AppError(_("未知的监管措施。"), field="kind")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise AppError(_("请写明采取该措施的原因（至少 4 个字）。"), field="reason")
    checked = _check_evidence(list(evidence))
    from_states, to_state = TRANSITIONS[kind]
    current = Org.objects.select_for_update().get(pk=org.pk)
    if current.status not in from_states:
        raise AppError(_("“%(org)s”当前状态为“%(status)s”，不能执行“%(action)s”。") % {
            "org": current.name, "status": current.get_status_display(), "action": Kind(kind).label},
            code="invalid_transition")
    now = timezone.now()
    Org.objects.filter(pk=org.pk).update(status=to_state, status_changed_at=now)
    action = OrgAction.objects.create(org=current, kind=kind, status_before=current.status, status_after=to_state,
                                      reason=reason, actor=actor.user)
    for upload, info in checked:
        stored_file_save(OrgActionEvidence(action=action), upload, original_name=upload.name,
                         content_type=info.content_type, extension=info.extension)
    audit_log(actor=actor, action=f"org.{kind}", obj=current, note=reason,
              changes={"status": [current.status, to_state], "evidence": [None, len(checked)]})
    org.status, org.status_changed_at = to_state, now
    notify_scope(role=Role.ORG, scope_id=org.pk, category="supervision", kind="org.supervision_action",
                 params={"action": Kind(kind).label, "reason": reason},
                 link=reverse("pilot:supervision_org", args=[org.pk]))
    return action


def org_check_may_operate(org: Org) -> None:
    """Refuse new work (plans, sessions) under a delisted or withdrawn org, naming the delisting
    (``org_standing`` decides). Work done before the change stays valid: callers check this only
    when something new starts."""
    org_standing(org).check("schedule")
