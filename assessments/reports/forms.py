"""The ministry's form to generate a month's progress report."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportRequestForm(forms.Form):
    month = forms.DateField(label=_("报告月份"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            help_text=_("如 2020-10。已生成的月份再次生成即替换原报告。"))
