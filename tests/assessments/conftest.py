import pytest

from accounts.scoping import actor_for
from tests.certificates.factories import certificate_with_levels


@pytest.fixture
def certificate(org_a):
    """A published certificate of org A offering 初级, 中级 and 高级."""
    return certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")


@pytest.fixture
def other_certificate(org_b):
    return certificate_with_levels(org=org_b, name="老年照护", code="X10002")


@pytest.fixture
def actor():
    """``actor(user)``: the user acting in their (first) role binding, as a view would see them."""
    return actor_for


@pytest.fixture
def run_tasks_inline(tasks_in_process):
    """Run queued import tasks in this process, whatever the broker: view tests check the page,
    the worker test checks the worker."""
