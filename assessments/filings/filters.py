"""List filters (django-filter) shared by the pages and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from assessments.models import Filing
from certificates.catalog.models import Certificate, Level
from core import normalize
from core.ordering import OrderingFilter


class FilingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("院校"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("院校名称或学校标识码")}))
    certificate = django_filters.ModelChoiceFilter(label=_("证书"), queryset=Certificate.objects.order_by("name"),
                                                   empty_label=_("全部证书"))
    year = django_filters.NumberFilter(label=_("年度"), widget=forms.NumberInput(attrs={"min": 2019, "max": 2100}))
    level = django_filters.ChoiceFilter(label=_("等级"), choices=Level.choices, method="by_level",
                                        empty_label=_("全部等级"))
    province = django_filters.ModelChoiceFilter(label=_("省份"), queryset=Province.objects.all(),
                                                empty_label=_("全部省份"))
    institution = django_filters.NumberFilter(field_name="institution_id", widget=forms.HiddenInput)
    status = django_filters.ChoiceFilter(label=_("状态"), method="by_status", empty_label=_("有效备案"),
                                         choices=[("withdrawn", _("已撤回")), ("all", _("全部（含已撤回）"))])
    o = OrderingFilter(
        label=_("排序"),
        fields=(("institution__name", "institution"), ("certificate__name", "certificate"), ("year", "year"),
                ("total_students", "total"), ("updated_at", "updated"), ("province__sort_order", "province")),
        field_labels={"institution": _("院校"), "certificate": _("证书"), "year": _("年度"), "total": _("申报人数"),
                      "updated": _("最后更正"), "province": _("省份")})

    class Meta:
        model = Filing
        fields = ["q", "certificate", "year", "level", "province", "institution", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(institution__name__icontains=value)
                               | Q(institution__school_code__startswith=normalize.code(value)))

    def by_level(self, queryset, name, value):
        return queryset.filter(levels__level=value)

    def by_status(self, queryset, name, value):
        if value == "withdrawn":
            return queryset.filter(withdrawn_at__isnull=False)
        return queryset

    def filter_queryset(self, queryset):
        # Without a status, only filings that count (not withdrawn) are listed.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(withdrawn_at__isnull=True)
        return super().filter_queryset(queryset)
