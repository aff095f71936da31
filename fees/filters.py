"""List filters of the fees API (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.form_fields import CodeFilter
from fees.models import FeeThread


class FeeThreadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=FeeThread.Status.choices)
    province = CodeFilter(label=_("省份代码"), field_name="province_id")
    certificate = CodeFilter(label=_("证书代码"), field_name="certificate__code")

    class Meta:
        model = FeeThread
        fields = ["status", "province", "certificate"]
