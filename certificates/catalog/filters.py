"""Filters of the public catalog, shared by the page and the API (django-filter)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import AssessmentType, CertificateLevel, Level, SelectionBatch
from certificates.catalog.selectors import RETIRED_STATUSES, catalog_fields, catalog_orgs
from core import normalize
from core.ordering import OrderingFilter


def _field_choices():
    return [(f, f) for f in catalog_fields()]


def _batch_choices():
    return [(b.number, b.name) for b in SelectionBatch.objects.exclude(status=SelectionBatch.Status.OPEN)]


class CertificateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或代码"), method="filter_q")
    org = django_filters.ModelChoiceFilter(label=_("培训评价组织"), queryset=lambda request: catalog_orgs(),
                                           empty_label=_("全部"))
    field = django_filters.ChoiceFilter(label=_("领域"), choices=_field_choices, empty_label=_("全部"))
    level = django_filters.ChoiceFilter(label=_("等级"), choices=Level.choices, method="filter_level",
                                        empty_label=_("全部"))
    batch = django_filters.ChoiceFilter(label=_("遴选批次"), field_name="batch__number", choices=_batch_choices,
                                        empty_label=_("全部"))
    assessment_type = django_filters.ChoiceFilter(label=_("考核方式"), choices=AssessmentType.choices,
                                                  method="filter_assessment_type", empty_label=_("全部"))
    include_retired = django_filters.BooleanFilter(label=_("含已退出"), method="filter_noop",
                                                   widget=forms.CheckboxInput)
    ordering = OrderingFilter(
        label=_("排序"), empty_label=_("默认（批次、代码）"),
        fields=(("code", "code"), ("name", "name"), ("batch__number", "batch"), ("org__name", "org"),
                ("field", "field")),
        field_labels={"code": _("证书代码"), "name": _("证书名称"), "batch__number": _("遴选批次"),
                      "org__name": _("培训评价组织"), "field": _("领域")})

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=normalize.code(value))) if value else queryset

    def _with_level(self, queryset, **lookup):
        return queryset.filter(Exists(CertificateLevel.objects.filter(certificate=OuterRef("pk"), **lookup)))

    def filter_level(self, queryset, name, value):
        return self._with_level(queryset, level=value)

    def filter_assessment_type(self, queryset, name, value):
        # Together with a level, the type must be that level's; alone, any level's.
        level = self.form.cleaned_data.get("level")
        return self._with_level(queryset, assessment_type=value, **({"level": level} if level else {}))

    def filter_noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_retired"):
            queryset = queryset.exclude(status__in=RETIRED_STATUSES)
        return queryset
