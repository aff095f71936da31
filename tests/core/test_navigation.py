"""Navigation marks one entry as the current page: the most specific one."""

import pytest

from accounts.scoping import actor_for
from core.navigation import navigation_for

pytestmark = pytest.mark.django_db


def test_only_the_most_specific_entry_is_current(ministry_user):
    actor = actor_for(ministry_user)
    current = [i["url"] for i in navigation_for(actor, "/supervision/indicators/orgs/3/") if i["active"]]
    assert current == ["/supervision/indicators/"]
    assert [i["url"] for i in navigation_for(actor, "/supervision/orgs/3/") if i["active"]] == ["/supervision/"]
    assert [i["url"] for i in navigation_for(actor, "/") if i["active"]] == ["/"]
