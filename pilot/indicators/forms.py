"""Forms of the supervision board: the month to compute, the rule set, a yellow card's reason."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core import form_fields
from pilot.indicators.models import IndicatorRuleSet


class RunRequestForm(forms.Form):
    month = forms.DateField(label=_("计算月份"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            help_text=_("如 2020-10。已计算的月份再次计算即替换该月结果。"))


class RuleSetForm(forms.ModelForm):
    class Meta:
        model = IndicatorRuleSet
        formfield_callback = form_fields.model_formfield
        fields = ["training_rule_enabled", "training_deadline_month", "training_deadline_day", "plan_rule_enabled",
                  "plan_fulfilment_threshold", "complaints_rule_enabled", "complaints_threshold",
                  "anomaly_min_candidates", "anomaly_z_threshold"]
        help_texts = {
            "training_deadline_day": _("默认 9 月 10 日：截至该日未在全国或未在湖北启动师资培训（两者都须启动）即为候选。"),
            "plan_fulfilment_threshold": _("本年度计划月份至今的实考人数低于计划人数的该百分比即为候选。"),
            "complaints_threshold": _("本年度属实投诉达到该件数即为候选。"),
            "anomaly_min_candidates": _("实考人数少于该数的考点、省份或证书等级不参与通过率异常比较。下次计算时生效。"),
            "anomaly_z_threshold": _("通过率高出同类中位数的稳健 z 值达到该值即记为异常。下次计算时生效。"),
        }


class YellowCardForm(forms.Form):
    reason = forms.CharField(label=_("原因与依据"), widget=forms.Textarea(attrs={"rows": 5}),
                             help_text=_("已按行为评价指标预填，可修改。将通知该组织并记入其监管记录。"))
    month = forms.CharField(widget=forms.HiddenInput, required=False)
