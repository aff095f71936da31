"""Demo supervision (动态调整): a few yellow cards, one delisting with replacement.

The speech's yellow-card rule: an org that had not started teacher training nationally and in Hubei
by early September is warned. The delisted org's certificates are replaced by batch-4 certificates
of the same field, as the speech says. Idempotent: done only when no org has been carded yet.
"""

from accounts.models import RoleBinding, User
from accounts.scoping import Actor
from certificates.catalog.models import Certificate
from certificates.catalog.selectors import replacement_candidates
from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction
from organizations.supervision.services import org_action_record
from pilot.orchestration import org_delist_with_replacement
from pilot.selectors import certificates_to_settle

YELLOW_CARD_REASON = "截至2020年9月10日，未在全国和湖北启动师资培训，考核推进不力。"
DELIST_REASON = "黄牌警告后仍未跟进整改，师资培训和考核均未启动，予以摘牌，证书由第四批相关领域证书替换。"


def seed_supervision(out) -> None:
    if OrgAction.objects.exists():
        return
    officer = User.objects.get(username="moe_officer")
    actor = Actor(user=officer, binding=RoleBinding.objects.get(user=officer, role="ministry"))
    # Two orgs of batch 3 without progress get a yellow card; a third, already carded, is delisted.
    candidates = list(Org.objects.filter(batch_number=3, status=Org.Status.ACTIVE)
                      .exclude(name__in=["北京新奥时代科技有限责任公司", "北京中福长者文化科技有限公司"]).order_by("name")[:3])
    for org in candidates:
        org_action_record(actor=actor, org=org, kind=OrgAction.Kind.YELLOW_CARD, reason=YELLOW_CARD_REASON)
    delisted = candidates[-1]
    replacements = {}
    for certificate in certificates_to_settle(delisted):
        target = replacement_candidates(certificate).first()
        replacements[certificate.pk] = target.pk if target and certificate.status != Certificate.Status.APPLIED else None
    org_delist_with_replacement(actor=actor, org=delisted, reason=DELIST_REASON, replacements=replacements)
