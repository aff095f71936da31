"""What organizations tells the scope helper in accounts (which may not import it), its navigation
and workbench to-dos, and the hook through which higher layers add sections to an org's profile."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.scoping import register_alliance_members, register_scope_label
from core.choices import register_choice_search
from core.errors import NotInScope
from core.navigation import Todo, register_nav, register_todo_provider
from organizations import models
from organizations.complaints import selectors as complaints_selectors
from organizations.institutions.selectors import institutions_matching
from organizations.orgs import selectors as orgs_selectors
from organizations.orgs.selectors import orgs_matching
from organizations.seals import selectors as seals_selectors

# This module is imported from AppConfig.ready() (and by pages afterwards): the models are loaded.


def _alliance_members(alliance_id: int) -> list[int]:
    return list(models.Institution.objects.filter(alliance_id=alliance_id).values_list("pk", flat=True))


def _label(model_name: str):
    def resolve(pk: int) -> str:
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
    if actor.role == Role.ORG:
        try:
            org = orgs_selectors.org_own(actor)
        except NotInScope:  # a binding to an org that no longer exists: nothing to do here
            return []
        if seals_selectors.org_seal_current(org) is None:
            return [Todo(title=_("上传电子公章"), url=reverse("organizations:seal_upload", args=[org.pk]), urgent=True)]
    elif "read" in orgs_selectors.registry_access(actor):
        missing = seals_selectors.orgs_without_seal_count(actor)
        if missing:
            return [Todo(title=_("尚未上传电子公章的培训评价组织"),
                         url=reverse("organizations:org_list") + "?seal=no", count=missing)]
    return []


def _complaint_todos(actor) -> list[Todo]:
    pending = complaints_selectors.complaints_pending_count(actor)
    if not pending:
        return []
    return [Todo(title=_("待处理的投诉举报"), url=reverse("organizations:complaint_list"), count=pending)]


def register() -> None:
    # How the long selects of institutions and orgs are searched (core/choices.py).
    register_choice_search(models.Institution, institutions_matching)
    register_choice_search(models.Org, orgs_matching)
    register_alliance_members(_alliance_members)
    register_scope_label(Role.ORG, _label("Org"))
    register_scope_label(Role.INSTITUTION, _label("Institution"))
    register_scope_label(Role.ALLIANCE, _label("Alliance"))

    register_nav(gettext_lazy("投诉举报"), "organizations:complaint_list", (Role.MINISTRY, Role.ORG), order=60,
                 group="supervision")
    register_nav(gettext_lazy("我要投诉"), "organizations:complaint_new",
                 (Role.PROVINCE, Role.PROVINCE_AGENCY, Role.INSTITUTION, Role.ALLIANCE, Role.STUDENT), order=75,
                 group="supervision")
    register_todo_provider(_complaint_todos)
    register_nav(gettext_lazy("培训评价组织"), "organizations:org_list", (Role.MINISTRY,), order=20, group="supervision")
    register_nav(gettext_lazy("本组织"), "organizations:org_mine", (Role.ORG,), order=20, group="account")
    register_todo_provider(_org_todos)
