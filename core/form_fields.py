"""Form fields whose values go through ``core.normalize`` before Django checks them, so that a
code, ID number, phone or number typed in full width (４１４２８００００４, １２０, ｘ) is the value meant."""

from django import forms

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


class MobileField(forms.RegexField):
    """An 11-digit mobile number, checked after normalization."""

    def __init__(self, **kwargs):
        super().__init__(regex=r"^1[0-9]{10}$", **kwargs)

    def to_python(self, value):
        return normalize.phone(super().to_python(value))


class IntegerField(forms.IntegerField):
    def to_python(self, value):
        return super().to_python(normalize.number(value) if isinstance(value, str) else value)


class DecimalField(forms.DecimalField):
    def to_python(self, value):
        return super().to_python(normalize.number(value) if isinstance(value, str) else value)
