"""What organizations tells the scope helper in accounts (which may not import it)."""

from accounts.models import Role
from accounts.scoping import register_alliance_members, register_scope_label


def _alliance_members(alliance_id: int) -> list[int]:
    from organizations.models import Institution

    return list(Institution.objects.filter(alliance_id=alliance_id).values_list("pk", flat=True))


def _label(model_name: str):
    def resolve(pk: int) -> str:
        from organizations import models

        obj = getattr(models, model_name).objects.filter(pk=pk).only("name").first()
        return obj.name if obj else ""

    return resolve


def register() -> None:
    register_alliance_members(_alliance_members)
    register_scope_label(Role.ORG, _label("Org"))
    register_scope_label(Role.INSTITUTION, _label("Institution"))
    register_scope_label(Role.ALLIANCE, _label("Alliance"))

    from organizations.views import complaints

    complaints.register()
