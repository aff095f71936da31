import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.identity import gb11643_check_char, mask_id_number, mask_name, normalize_resident_id
from core.errors import AppError


def test_known_check_character():
    # The worked example of GB 11643-1999.
    assert gb11643_check_char("11010519491231002") == "X"
    assert normalize_resident_id("11010519491231002X") == "11010519491231002X"


def test_lowercase_x_is_accepted_and_normalized():
    assert normalize_resident_id(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(("raw", "code"), [
    ("", "id_empty"),
    ("1101051949123100", "id_length"),
    ("11010519491231002X1", "id_length"),
    ("1101051949123100AX", "id_chars"),
    ("99010519491231002X", "id_region"),
    ("110105194913310021", "id_birth"),
    ("110105194912310021", "id_check"),
])
def test_invalid_numbers_are_refused_with_the_reason(raw, code):
    with pytest.raises(AppError) as err:
        normalize_resident_id(raw)
    assert err.value.code == code
    assert "身份证" in str(err.value.message)


@given(birth=st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2015, 12, 31)),
       seq=st.integers(min_value=0, max_value=999), region=st.sampled_from(["420106", "370102", "110105", "650102"]))
def test_any_number_with_its_check_character_is_valid_and_any_other_is_not(birth, seq, region):
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    good = body + gb11643_check_char(body)
    assert normalize_resident_id(good) == good
    for wrong in "0123456789X":
        if wrong != good[-1]:
            with pytest.raises(AppError):
                normalize_resident_id(body + wrong)


def test_masking():
    assert mask_id_number("11010519491231002X") == "110***********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"


@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_the_check_character_is_the_weighted_sum_of_the_digits_modulo_11(body):
    # The fast path over ASCII bytes gives what the standard's formula gives.
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    assert gb11643_check_char(body) == "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def test_the_check_character_needs_17_digits():
    for wrong in ("1101051949123100", "110105194912310021", "1101051949123100A"):
        with pytest.raises(ValueError):
            gb11643_check_char(wrong)
