import pytest

from fees.caps import caps_ensure
from tests.certificates.factories import certificate_with_levels


@pytest.fixture(autouse=True)
def _caps(db):
    caps_ensure()  # a data migration fills them; transactional tests flush them


@pytest.fixture
def web_certificate(org_a):
    """初级/中级 computer-based (cap 300), 高级 general-equipment practical (cap 500)."""
    return certificate_with_levels(org=org_a, name="Web前端开发")


def items(**amounts):
    return {key: (str(value), f"{key} 测算") for key, value in amounts.items()}
