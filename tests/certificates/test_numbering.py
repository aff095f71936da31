"""Certificate numbers: one capital letter and 21 digits, gap-free per sequence scope."""

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from certificates.catalog.models import Level
from certificates.issuance import numbering
from certificates.issuance.models import NumberSequence
from core.errors import AppError
from tests.organizations.factories import OrgFactory


@given(org=st.integers(1, 9999), province=st.sampled_from(["11", "42", "65", "66"]),
       site=st.one_of(st.just(""), st.integers(0, 99999).map(str)), year=st.integers(2019, 2099),
       level=st.sampled_from(list(Level)), serial=st.integers(1, 999999))
def test_every_number_is_one_letter_and_21_digits(org, province, site, year, level, serial):
    prefix = numbering.number_prefix(org_code=f"{org:04d}", province_code=province, site_code=site,
                                     certificate_id=12345, year=year, level=level)
    number = numbering.number_format(prefix, serial)
    assert len(number) == 22 and number[0] == "X" and number[1:].isdigit()
    assert numbering.number_is_wellformed(number)
    assert number[1:5] == f"{org:04d}" and number[5:7] == province
    assert number[7] == ("0" if site else "1")
    assert number[13:15] == f"{year % 100:02d}" and number[15] == numbering.LEVEL_DIGITS[level]
    assert number[16:] == f"{serial:06d}"


def test_the_documented_example():
    prefix = numbering.number_prefix(org_code="0001", province_code="42", site_code="12", certificate_id=7,
                                     year=2026, level=Level.INTERMEDIATE)
    assert numbering.number_format(prefix, 1) == "X000142000012262000001"
    # no site: "1" and the certificate's portal id
    assert numbering.number_prefix(org_code="0001", province_code="66", site_code="", certificate_id=7, year=2026,
                                   level=Level.SENIOR) == "X0001661000072630"[:16]


def test_bad_parts_are_refused():
    with pytest.raises(AppError):
        numbering.number_prefix(org_code="12", province_code="42", site_code="", certificate_id=1, year=2026,
                                level="junior")
    with pytest.raises(AppError):
        numbering.number_prefix(org_code="0001", province_code="42", site_code="ABC", certificate_id=1, year=2026,
                                level="junior")
    with pytest.raises(AppError):
        numbering.number_format("X000142000012262", 1_000_000)


@pytest.mark.django_db
def test_blocks_are_consecutive_and_a_rollback_returns_them():
    with transaction.atomic():
        assert numbering.numbers_allocate(prefix="X000142000012261", count=3)[-1].endswith("000003")
    with pytest.raises(RuntimeError), transaction.atomic():
        numbering.numbers_allocate(prefix="X000142000012261", count=5)
        raise RuntimeError("the worker died before storing its certificates")
    with transaction.atomic():
        assert numbering.numbers_allocate(prefix="X000142000012261", count=1) == ["X000142000012261000004"]
    assert NumberSequence.objects.get().last_value == 4


@pytest.mark.django_db
def test_allocation_outside_a_transaction_is_refused(django_db_blocker):
    from django.db import connection

    connection.in_atomic_block, was = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            numbering.numbers_allocate(prefix="X000142000012261", count=1)
    finally:
        connection.in_atomic_block = was


@pytest.mark.django_db
def test_org_codes_are_allocated_once_and_unique():
    a, b = OrgFactory(code="0001"), OrgFactory()
    assert numbering.org_code_ensure(b) == "0002"
    assert numbering.org_code_ensure(b) == "0002"
    assert numbering.org_code_ensure(a) == "0001"
    c = OrgFactory()
    assert numbering.org_code_ensure(c) == "0003"


def test_a_level_is_read_in_either_language_and_as_its_code():
    from certificates.catalog.models import level_lookup

    lookup = level_lookup()
    assert lookup["初级"] == lookup["Junior"] == lookup["junior"] == lookup["JUNIOR".lower()] == "junior"
    assert lookup["高级"] == lookup["Senior"] == "senior" and "专家" not in lookup
