import django_filters
from django.utils.translation import gettext_lazy as _

from assessments.models import TrainerQualification
from certificates.catalog.models import Certificate


class TrainerFilter(django_filters.FilterSet):
    certificate = django_filters.ModelChoiceFilter(label=_("证书"), queryset=Certificate.objects.order_by("name"),
                                                   empty_label=_("全部证书"))
    status = django_filters.ChoiceFilter(label=_("确认状态"), method="by_status", empty_label=_("全部"),
                                         choices=[("pending", _("待确认")), ("qualified", _("合格培训师")),
                                                  ("not_qualified", _("已确认·未合格")),
                                                  ("absent", _("未参训"))])

    class Meta:
        model = TrainerQualification
        fields = ["certificate", "status"]

    def by_status(self, queryset, name, value):
        return {
            "pending": queryset.filter(confirmed_at__isnull=True),
            "qualified": queryset.filter(qualified=True),
            "not_qualified": queryset.filter(attendance_confirmed=True, qualified=False),
            "absent": queryset.filter(attendance_confirmed=False),
        }.get(value, queryset)
