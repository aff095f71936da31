"""What organizations tells the scope helper in accounts (which may not import it), its navigation
and workbench to-dos, and the hook through which higher layers add sections to an org's profile."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.scoping import register_alliance_members, register_scope_label
from core.navigation import Todo, register_nav, register_todo_provider


def _alliance_members(alliance_id: int) -> list[int]:
    from organizations.institutions.models import Institution

    return list(Institution.objects.filter(alliance_id=alliance_id).values_list("pk", flat=True))


def _label(model_name: str):
    def resolve(pk: int) -> str:
        from organizations import models

        obj = getattr(models, model_name).objects.filter(pk=pk).only("name").first()
        return obj.name if obj else ""

    return resolve


# --- sections of the org profile that higher layers contribute ----------------------------------
# organizations may not import the layers above it (certificates, assessments, ...), so they add
# their part of an org's profile page here: a template and a function giving its context.

@dataclass(frozen=True)
class ProfileSection:
    template: str
    context: Callable  # (actor, org) -> dict, or None to leave the section out for this actor
    order: int = 100


_profile_sections: list[ProfileSection] = []


def register_org_profile_section(template: str, context: Callable, order: int = 100) -> None:
    """Add a section to every org's profile page: ``template`` is included with ``section`` set to
    the dict that ``context(actor, org)`` returns (plus ``org``), or skipped when it returns None."""
    if not any(s.template == template for s in _profile_sections):
        _profile_sections.append(ProfileSection(template=template, context=context, order=order))


def org_profile_sections(actor, org) -> list[tuple[str, dict]]:
    sections = []
    for section in sorted(_profile_sections, key=lambda s: s.order):
        context = section.context(actor, org)
        if context is not None:
            sections.append((section.template, {"org": org, **context}))
    return sections


# --- workbench ----------------------------------------------------------------------------------

def _org_todos(actor) -> list[Todo]:
    from core.errors import NotInScope
    from organizations.orgs import selectors as orgs_selectors
    from organizations.seals import selectors as seals_selectors

    if actor.role == Role.ORG:
        try:
            org = orgs_selectors.org_own(actor)
        except NotInScope:  # a binding to an org that no longer exists: nothing to do here
            return []
        if seals_selectors.org_seal_current(org) is None:
            return [Todo(title=_("上传电子公章"), url=reverse("organizations:seal_upload", args=[org.pk]), urgent=True)]
    elif actor.role == Role.MINISTRY:
        missing = seals_selectors.orgs_without_seal_count(actor)
        if missing:
            return [Todo(title=_("尚未上传电子公章的培训评价组织"),
                         url=reverse("organizations:org_list") + "?seal=no", count=missing)]
    return []


def register() -> None:
    register_alliance_members(_alliance_members)
    register_scope_label(Role.ORG, _label("Org"))
    register_scope_label(Role.INSTITUTION, _label("Institution"))
    register_scope_label(Role.ALLIANCE, _label("Alliance"))

    from organizations.complaints import views as complaints

    complaints.register()
    register_nav(gettext_lazy("培训评价组织"), "organizations:org_list", (Role.MINISTRY,), order=20)
    register_nav(gettext_lazy("本组织"), "organizations:org_mine", (Role.ORG,), order=20)
    register_todo_provider(_org_todos)
