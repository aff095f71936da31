"""Role-aware navigation and the workbench's to-do list.

Higher layers add their menu entries and to-do providers here from their AppConfig.ready(); this
module knows no app above accounts.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: tuple[str, ...] | None  # None: every signed-in role
    order: int = 100


@dataclass(frozen=True)
class Todo:
    title: str
    url: str
    count: int | None = None
    urgent: bool = False


_nav: list[NavEntry] = []
_todo_providers: list[Callable] = []


def register_nav(label, url_name: str, roles: tuple[str, ...] | None = None, order: int = 100) -> None:
    if not any(e.url_name == url_name for e in _nav):
        _nav.append(NavEntry(label=label, url_name=url_name, roles=roles, order=order))


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
        items.append({"label": entry.label, "url": url,
                      "active": current_path == url if url == "/" else current_path.startswith(url)})
    # Only the most specific entry is current (/supervision/indicators/ is not also /supervision/).
    longest = max((len(i["url"]) for i in items if i["active"]), default=0)
    for item in items:
        item["active"] = item["active"] and len(item["url"]) == longest
    return items


def todos_for(actor) -> list[Todo]:
    return [todo for provider in _todo_providers for todo in provider(actor)]
