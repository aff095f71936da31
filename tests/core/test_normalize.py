"""One normalization for every field kind: full-width digits and letters, ideographic and no-break
spaces, invisible characters, a lower-case x — the same value from a form, the API or a spreadsheet."""

import decimal

import pytest
from django import forms
from rest_framework import serializers

from accounts.identity import normalize_other_id, normalize_resident_id
from core import api_fields, form_fields, normalize
from core.errors import AppError
from core.tabular.validation import int_in_range, parse_phone, parse_positive_int
from organizations.orgs.validators import credit_code_check_char, normalize_credit_code, normalize_school_code


@pytest.mark.parametrize(("typed", "meant"), [
    ("４１４２８００００４", "4142800004"),
    ("　4142800004\u00a0", "4142800004"),
    ("\u200b4142800004\ufeff", "4142800004"),
    ("ｘ１０００１", "X10001"),
    (" x10 001 ", "X10001"),
    (None, ""),
])
def test_a_code_is_half_width_trimmed_upper_case_and_without_spaces(typed, meant):
    assert normalize.code(typed) == meant


@pytest.mark.parametrize(("typed", "meant"), [
    ("４２０１０６２００３０５１５１２３ｘ", "42010620030515123X"),
    ("420106 2003 0515 123x", "42010620030515123X"),
    ("　42010620030515123X　", "42010620030515123X"),
])
def test_an_id_number_is_half_width_without_spaces_with_an_upper_case_x(typed, meant):
    assert normalize.id_number(typed) == meant


@pytest.mark.parametrize(("typed", "meant"), [
    ("１３８００００００００", "13800000000"),
    ("（０２７）－８７６５４３２１", "(027)-87654321"),
    ("138 0000 0000", "13800000000"),
])
def test_a_phone_is_half_width_without_spaces(typed, meant):
    assert normalize.phone(typed) == meant


@pytest.mark.parametrize(("typed", "meant"), [
    ("１２０", 120), ("1,200", 1200), ("１，２００", 1200), ("120.0", 120), (" 7 ", 7), (42, 42),
])
def test_a_whole_number_is_read_as_typed(typed, meant):
    assert normalize.integer(typed) == meant


@pytest.mark.parametrize("typed", ["", "abc", "12.5", "2,5", "1,2,3", "１２ｘ", "٣"])
def test_what_is_not_a_whole_number_is_refused(typed):
    with pytest.raises(ValueError):
        normalize.integer(typed)


@pytest.mark.parametrize(("typed", "meant"), [
    ("１２．５", decimal.Decimal("12.5")), ("1,200.00", decimal.Decimal("1200.00")), ("３００", decimal.Decimal(300)),
])
def test_a_decimal_is_read_as_typed(typed, meant):
    assert normalize.decimal(typed) == meant


@pytest.mark.parametrize("typed", ["2,5", "NaN", "Infinity", "1e5", "１２．５元"])
def test_what_is_not_a_decimal_is_refused(typed):
    with pytest.raises(ValueError):
        normalize.decimal(typed)


def test_plain_text_is_trimmed_but_keeps_its_own_characters():
    assert normalize.text("　武汉职业技术学院（本部）\u00a0") == "武汉职业技术学院（本部）"


# --- the validators of each kind go through it ------------------------------------------------------

def test_the_validators_accept_full_width_input_and_return_the_canonical_value():
    assert normalize_school_code("４１４２８００００４") == "4142800004"
    credit = "91110108MA00A1B23" + credit_code_check_char("91110108MA00A1B23")
    assert normalize_credit_code(" " + _full_width(credit.lower()) + "　") == credit
    assert normalize_resident_id("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"
    assert normalize_other_id("ｅ１２３ ４５６７８") == "E12345678"
    assert parse_phone("（０２７）８７６５４３２１") == "02787654321"
    assert parse_phone("１３８００００００００") == "13800000000"
    assert parse_positive_int("１２０") == 120
    assert int_in_range(2019, 2027)("２０２０") == 2020


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_digits_of_other_scripts_are_not_taken_for_a_school_code():
    with pytest.raises(AppError):
        normalize_school_code("٤١٤٢٨٠٠٠٠٤")  # Arabic-Indic digits: \d would have let them through


# --- form and serializer fields ---------------------------------------------------------------------

class _Form(forms.Form):
    code = form_fields.CodeField()
    id_number = form_fields.IdNumberField()
    phone = form_fields.PhoneField()
    mobile = form_fields.MobileField()
    count = form_fields.IntegerField(min_value=1)
    amount = form_fields.DecimalField(decimal_places=2)


def test_form_fields_normalize_every_kind():
    form = _Form({"code": "４１４２８００００４", "id_number": "４２０１０６２００３０５１５１２３ｘ",
                  "phone": "（０２７）８７６５４３２１", "mobile": "１３８００００００００", "count": "１２０",
                  "amount": "１２．５０"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"code": "4142800004", "id_number": "42010620030515123X", "phone": "(027)87654321",
                                 "mobile": "13800000000", "count": 120, "amount": decimal.Decimal("12.50")}


def test_a_form_field_still_refuses_what_is_wrong_after_normalization():
    form = _Form({"code": "x", "id_number": "x", "phone": "x", "mobile": "１２３", "count": "０", "amount": "x"})
    assert not form.is_valid()
    assert set(form.errors) == {"mobile", "count", "amount"}


class _Input(serializers.Serializer):
    code = api_fields.CodeField()
    id_number = api_fields.IdNumberField()
    phone = api_fields.PhoneField()
    amount = api_fields.NumberTextField()
    count = api_fields.IntegerField()
    credits = api_fields.DecimalField(max_digits=4, decimal_places=1)


def test_serializer_fields_normalize_every_kind():
    data = _Input(data={"code": "ｘ１０００１", "id_number": "４２０１０６２００３０５１５１２３ｘ",
                        "phone": "１３８ ００００ ００００", "amount": "１，２００．００", "count": "１２０",
                        "credits": "２．５"})
    assert data.is_valid(), data.errors
    assert data.validated_data == {"code": "X10001", "id_number": "42010620030515123X", "phone": "13800000000",
                                   "amount": "1200.00", "count": 120, "credits": decimal.Decimal("2.5")}


def test_one_mobile_rule_for_sign_up_forms_and_complaints():
    from accounts.signup.services import phone_normalize
    from organizations.complaints.services import contact_normalize

    for typed in ("１３８ ００１３ ８０００", "+86 138-0013-8000", "0086(138)00138000", "13800138000"):
        assert normalize.mobile(typed) == "13800138000"
        assert phone_normalize(typed) == "13800138000"
        assert contact_normalize(contact=typed) == "13800138000"
        assert _Form({"code": "1", "id_number": "1", "phone": "1", "mobile": typed, "count": "1",
                      "amount": "1"}).is_valid()
    for typed in ("12800138000", "1380013800", "138001380001", "+1 13800138000"):
        with pytest.raises(ValueError):
            normalize.mobile(typed)
        with pytest.raises(AppError):
            phone_normalize(typed)
        form = _Form({"code": "1", "id_number": "1", "phone": "1", "mobile": typed, "count": "1", "amount": "1"})
        assert not form.is_valid() and "11 位中国大陆手机号码" in str(form.errors["mobile"])
    assert contact_normalize(contact="010-66096114") == "010-66096114"


# --- every form and API input reads numbers through core.normalize ---------------------------------

def _project_classes(base):
    """Every subclass of ``base`` defined in the portal's own apps (all their modules imported)."""
    import importlib
    import pkgutil

    from django.apps import apps
    from django.conf import settings

    root = str(settings.BASE_DIR)
    packages = [c for c in apps.get_app_configs() if c.path.startswith(root) and "/.venv/" not in c.path]
    for config in packages:
        for info in pkgutil.walk_packages([config.path], config.name + "."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)
    names = tuple(c.name + "." for c in packages) + tuple(c.name for c in packages)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return sorted({c for c in below(base) if c.__module__.startswith(names)}, key=lambda c: c.__qualname__)


def test_every_form_reads_its_numbers_through_core_normalize():
    """Issue 16: 'every number field in every form' — a count, amount, score, threshold or year typed
    in full width (１２０) is the number meant, in any form of the portal, model forms included."""
    plain = [f"{form.__module__}.{form.__qualname__}.{name}"
             for form in _project_classes(forms.BaseForm)
             for name, field in getattr(form, "base_fields", {}).items()
             if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField)
             and type(field).__module__ != "core.form_fields"]
    assert plain == []


def test_every_api_input_reads_its_numbers_through_core_normalize():
    inputs = [s for s in _project_classes(serializers.Serializer) if s.__name__.endswith("Input")]
    assert len(inputs) > 10
    plain = [f"{s.__module__}.{s.__qualname__}.{name}"
             for s in inputs for name, field in s().fields.items()
             if not field.read_only
             and isinstance(field, serializers.IntegerField | serializers.DecimalField | serializers.FloatField)
             and type(field).__module__ != "core.api_fields"]
    assert plain == []


@pytest.mark.django_db
def test_a_model_forms_numbers_are_read_as_typed():
    from pilot.indicators.forms import RuleSetForm

    form = RuleSetForm(data={"training_deadline_month": "９", "training_deadline_day": "１０",
                             "plan_fulfilment_threshold": "６０", "complaints_threshold": "３",
                             "anomaly_min_candidates": "１，２００", "anomaly_z_threshold": "２．５"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["training_deadline_month"] == 9 and form.cleaned_data["anomaly_min_candidates"] == 1200
    assert form.cleaned_data["anomaly_z_threshold"] == decimal.Decimal("2.5")


def test_every_list_filter_on_a_code_reads_it_through_core_normalize():
    import django_filters

    plain = [f"{fs.__module__}.{fs.__qualname__}.{name}"
             for fs in _project_classes(django_filters.FilterSet)
             for name, flt in fs.base_filters.items()
             if type(flt) is django_filters.CharFilter and flt.method is None
             and (flt.field_name or "").endswith(("code", "province_id", "id_number", "number"))]
    assert plain == []
