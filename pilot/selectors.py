from django.db.models import QuerySet

from accounts.models import Province, Role
from accounts.scoping import Actor, get_in_scope, scoped
from pilot.models import Notice


def notices_visible(actor: Actor | None) -> QuerySet[Notice]:
    """Published notices for everyone; the ministry also sees withdrawn ones."""
    qs = Notice.objects.prefetch_related("attachments")
    if actor is not None and actor.role == Role.MINISTRY:
        return qs.filter(published_at__isnull=False)
    return qs.filter(published_at__isnull=False, withdrawn_at__isnull=True)


def province_for(actor: Actor, code: str) -> Province:
    """A province page: the ministry sees every province, a provincial user only its own."""
    return get_in_scope(Province, actor, pk=code)


def province_summary(actor: Actor, province: Province) -> dict:
    from accounts.models import RoleBinding
    from organizations.institutions.models import Alliance, Institution

    return {
        "institutions": scoped(Institution, actor).filter(province=province).count(),
        "alliances": scoped(Alliance, actor).filter(province=province).count(),
        "accounts": RoleBinding.objects.filter(province=province).values("user").distinct().count(),
    }
