"""Writes that span orgs and certificates, so they live above both (design.md, Layers)."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.scoping import Actor
from certificates.catalog.models import Certificate
from certificates.catalog.selectors import replacement_candidates
from certificates.catalog.services import certificate_status_set
from core.errors import AppError
from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction
from organizations.supervision.services import org_action_record
from pilot import selectors


@transaction.atomic
def org_delist_with_replacement(*, actor: Actor, org: Org, reason: str, replacements: dict[int, int | None],
                                evidence=()) -> OrgAction:
    """Delist (摘牌) an org and settle each of its live certificates: replaced by a published
    certificate of a later batch (of a related field), or withdrawn. All or nothing.

    Certificates already issued under the org stay valid; assessments held before the delisting
    still lead to certificates (their issuance requests exist already and do not look at status).
    """
    org = selectors.org_for_delisting(actor, org.pk)
    live = selectors.certificates_to_settle(org)
    missing = [c.name for c in live if c.pk not in replacements]
    if missing:
        raise AppError(_("请为以下证书选择替换证书或退出：%(names)s") % {"names": "、".join(missing)},
                       field="replacements")
    action = org_action_record(actor=actor, org=org, kind=OrgAction.Kind.DELIST, reason=reason, evidence=evidence)
    note = _("培训评价组织“%(org)s”摘牌：%(reason)s") % {"org": org.name, "reason": reason}
    for certificate in live:
        target_id = replacements[certificate.pk]
        if certificate.status == Certificate.Status.APPLIED:
            continue  # never published: nothing to replace; it simply will not be published
        if target_id is None:
            certificate_status_set(actor=actor, certificate=certificate, status=Certificate.Status.WITHDRAWN,
                                   reason=note)
            continue
        target = replacement_candidates(certificate).filter(pk=target_id).first()
        if target is None:
            raise AppError(_("“%(c)s”只能由后续批次已公布的证书替换。") % {"c": certificate.name},
                           field="replacements")
        certificate_status_set(actor=actor, certificate=certificate, status=Certificate.Status.REPLACED,
                               reason=note, replaced_by=target)
    return action
