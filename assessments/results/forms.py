import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import ScoreReview


class ResultForm(forms.Form):
    score = forms.CharField(label=_("成绩"), max_length=10, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    absent = forms.BooleanField(label=_("缺考"), required=False)


class AmendForm(forms.Form):
    score = forms.CharField(label=_("更正后的成绩"), max_length=10, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    reason = forms.CharField(label=_("更正原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewAnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("复核结论"), widget=forms.RadioSelect, choices=[
        ("maintained", ScoreReview.Status.MAINTAINED.label), ("amended", _("更正成绩"))])
    score = forms.CharField(label=_("更正后的成绩"), max_length=10, required=False,
                            help_text=_("选择“更正成绩”时填写。"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    answer = forms.CharField(label=_("复核结果说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ScoreReview.Status.choices, empty_label=_("全部"))

    class Meta:
        model = ScoreReview
        fields = ["status"]
