"""Forms of issued certificates, paper copies and verification: input parsing only, no rules."""

from django import forms
from django.utils.translation import gettext_lazy as _


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500,
                             help_text=_("将在公开查验结果中显示，并记入审计日志。"))


class ReissueForm(forms.Form):
    holder_name = forms.CharField(label=_("更正后的姓名"), max_length=64)
    reason = forms.CharField(label=_("更正原因"), max_length=200,
                             help_text=_("同一编号换发新版本，旧版本显示为“已被新版本取代”。"))


class ImportForm(forms.Form):
    xlsx = forms.FileField(label=_("证书数据（XLSX）"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
                           help_text=_("第一行为表头：证书编号、姓名、证件类型、证件号码、证书代码、等级、省份代码、发证日期。"))
