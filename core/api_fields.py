"""Serializer fields whose input goes through ``core.normalize``, the API's side of the same
normalization the forms (``core.form_fields``) and spreadsheets (``core.tabular``) apply."""

from rest_framework import serializers

from core import normalize


class CodeField(serializers.CharField):
    def to_internal_value(self, data):
        return normalize.code(super().to_internal_value(data))


class IdNumberField(serializers.CharField):
    def to_internal_value(self, data):
        return normalize.id_number(super().to_internal_value(data))


class PhoneField(serializers.CharField):
    def to_internal_value(self, data):
        return normalize.phone(super().to_internal_value(data))


class NumberTextField(serializers.CharField):
    """A number the service parses itself (an amount, credits, a score), sent as text."""

    def to_internal_value(self, data):
        return normalize.number(super().to_internal_value(data))


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        return super().to_internal_value(normalize.number(data) if isinstance(data, str) else data)


class DecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        return super().to_internal_value(normalize.number(data) if isinstance(data, str) else data)
