"""Form fields whose values go through ``core.normalize`` before Django checks them, so that a
code, ID number, phone or number typed in full width (４１４２８００００４, １２０, ｘ) is the value meant."""

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import normalize


class CodeField(forms.CharField):
    """A code: school, credit, certificate, site, course code; a certificate number."""

    def to_python(self, value):
        return normalize.code(super().to_python(value))


class IdNumberField(forms.CharField):
    def to_python(self, value):
        return normalize.id_number(super().to_python(value))


class PhoneField(forms.CharField):
    def to_python(self, value):
        return normalize.phone(super().to_python(value))


class MobileField(forms.CharField):
    """A mainland mobile number, stored as its 11 digits (``core.normalize.mobile``)."""

    default_error_messages = {"invalid": _("请填写 11 位中国大陆手机号码（以 1 开头，如 13812345678）。")}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return normalize.mobile(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class IntegerField(forms.IntegerField):
    def to_python(self, value):
        return super().to_python(normalize.number(value) if isinstance(value, str) else value)


class DecimalField(forms.DecimalField):
    def to_python(self, value):
        return super().to_python(normalize.number(value) if isinstance(value, str) else value)


def model_formfield(db_field, **kwargs):
    """A ModelForm's ``formfield_callback``: the form field Django would make for a model field,
    except that integer and decimal fields read their value through ``core.normalize`` (１２０, ０．５)
    like the fields above."""
    if isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", DecimalField)
    elif isinstance(db_field, models.IntegerField):
        kwargs.setdefault("form_class", IntegerField)
    return db_field.formfield(**kwargs)


class CodeFilter(django_filters.CharFilter):
    """A list filter on a code (a province, certificate or school code given as a query parameter),
    read through ``core.normalize`` like ``CodeField``: ?province=４２ is ?province=42."""

    field_class = CodeField
