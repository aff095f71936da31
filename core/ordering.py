"""Sort choices for list filters, in the reader's language."""

import django_filters
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

DESCENDING = _("{label}（降序）")


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering, labelled by us: its own "%s (descending)" has no Chinese translation.
    Every label stays lazy (the filter is built at import), so each reader sees their language."""

    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            label = labels.get(field, param)
            choices.append((param, label))
            choices.append((f"-{param}", labels.get(f"-{param}", format_lazy(DESCENDING, label=label))))
        return choices
