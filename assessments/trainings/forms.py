"""Forms of the training pages: they parse input; the rules live in services/trainings.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from assessments.filings.forms import CertificateChoiceField
from assessments.models import TrainingMode
from certificates.catalog.models import Certificate, Level
from core import form_fields
from core.choices import searchable


def _level_field(label=_("等级")):
    return forms.ChoiceField(label=label, choices=[("", _("请选择等级"))] + list(Level.choices))


def _count_field(label, **kwargs):
    return form_fields.IntegerField(label=label, widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
                              **kwargs)


class OwnCertificateForm(forms.Form):
    """A form whose certificate list is the org's own published certificates."""

    def __init__(self, *args, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
        searchable(self, "certificate")


class TeacherTrainingForm(OwnCertificateForm):
    certificate = CertificateChoiceField(label=_("证书"), queryset=Certificate.objects.none(),
                                         empty_label=_("请选择本组织的证书"))
    level = _level_field()
    start_date = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    province = forms.ModelChoiceField(label=_("参训教师所在省份"), queryset=Province.objects.all(),
                                      empty_label=_("请选择省份"))
    mode = forms.ChoiceField(label=_("培训形式"), choices=TrainingMode.choices, widget=forms.RadioSelect,
                             initial=TrainingMode.OFFLINE)
    teachers_trained = _count_field(_("培训教师人数"))
    hubei_special = forms.BooleanField(label=_("计入湖北专项行动"), required=False,
                                       help_text=_("仅湖北省教师的培训可以计入。"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class CertificateTrainingForm(OwnCertificateForm):
    certificate = CertificateChoiceField(label=_("证书"), queryset=Certificate.objects.none(),
                                         empty_label=_("请选择本组织的证书"))
    level = _level_field()
    province = forms.ModelChoiceField(label=_("省份"), queryset=Province.objects.all(), empty_label=_("请选择省份"))
    month = forms.DateField(label=_("月份"), input_formats=["%Y-%m"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            help_text=_("如 2020-09。同一证书、等级、省份和月份再次登记即为更正。"))
    students = _count_field(_("培训学生人数"), initial=0)
    social_learners = _count_field(_("培训社会学习者人数"), initial=0)


class HubeiCommitmentForm(forms.Form):
    teachers_to_train = _count_field(_("承诺培训教师人数"))
    candidates_to_assess = _count_field(_("承诺考核人数"))
