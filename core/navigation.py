"""Role-aware navigation and the workbench's to-do list.

Higher layers add their menu entries and to-do providers here from their AppConfig.ready(); this
module knows no app above accounts.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: tuple[str, ...] | None  # None: every signed-in role
    order: int = 100
    group: str = ""  # the area (NavGroup key) the side menu lists it under


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    order: int = 100


@dataclass(frozen=True)
class Todo:
    title: str
    url: str
    count: int | None = None
    urgent: bool = False


_nav: list[NavEntry] = []
_groups: dict[str, NavGroup] = {}
_todo_providers: list[Callable] = []

# A role with this many entries or more gets the side menu grouped by area; fewer fit one top bar.
SIDE_MENU_FROM = 13


def register_nav(label, url_name: str, roles: tuple[str, ...] | None = None, order: int = 100,
                 group: str = "") -> None:
    if not any(e.url_name == url_name for e in _nav):
        _nav.append(NavEntry(label=label, url_name=url_name, roles=roles, order=order, group=group))


def register_nav_group(key: str, label, order: int = 100) -> None:
    """An area of the side menu (the top layer names them in the domain's words)."""
    _groups.setdefault(key, NavGroup(key=key, label=label, order=order))


def register_todo_provider(provider: Callable) -> None:
    """``provider(actor) -> list[Todo]``: the actor's pending work from one app."""
    if provider not in _todo_providers:
        _todo_providers.append(provider)


def navigation_for(actor, current_path: str = "") -> list[dict]:
    role = getattr(actor, "role", None)
    items = []
    for entry in sorted(_nav, key=lambda e: e.order):
        if entry.roles is not None and role not in entry.roles:
            continue
        url = reverse(entry.url_name)
        items.append({"label": entry.label, "url": url, "group": entry.group,
                      "active": current_path == url if url == "/" else current_path.startswith(url)})
    # Only the most specific entry is current (/supervision/indicators/ is not also /supervision/).
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    return items


def navigation_groups(items: list[dict]) -> list[dict]:
    """The entries by area, areas in their order; an entry of no known area goes last, under 其他."""
    by_key: dict[str, dict] = {}
    for item in items:
        group = _groups.get(item["group"]) or NavGroup(key="other", label=gettext_lazy("其他"), order=10_000)
        entry = by_key.setdefault(group.key, {"key": group.key, "label": group.label, "order": group.order,
                                              "items": [], "active": False})
        entry["items"].append(item)
        entry["active"] = entry["active"] or item["active"]
    return sorted(by_key.values(), key=lambda g: g["order"])


def todos_for(actor) -> list[Todo]:
    return [todo for provider in _todo_providers for todo in provider(actor)]
