from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import IdType
from assessments.filings.forms import CertificateChoiceField
from certificates.catalog.models import Certificate
from core import form_fields
from core.choices import searchable


class TrainerForm(forms.Form):
    name = forms.CharField(label=_("教师姓名"), max_length=64)
    id_type = forms.ChoiceField(label=_("证件类型"), initial=IdType.RESIDENT_ID,
                                choices=[(IdType.RESIDENT_ID, IdType.RESIDENT_ID.label),
                                         (IdType.HMT_RESIDENCE, IdType.HMT_RESIDENCE.label)])
    id_number = form_fields.IdNumberField(label=_("证件号码"), max_length=32,
                                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    subject = forms.CharField(label=_("任教学科/专业"), max_length=64)
    certificate = CertificateChoiceField(label=_("参加培训的证书"), queryset=Certificate.objects.none(),
                                         empty_label=_("请选择证书（由其培训评价组织确认）"))
    training_date = forms.DateField(label=_("培训日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reported_qualified = forms.BooleanField(label=_("已取得合格培训师资格"), required=False)

    def __init__(self, *args, certificates, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["certificate"].queryset = certificates
        searchable(self, "certificate")
        if editing:
            # The teacher's identity is fixed once recorded; only the training facts change.
            for name in ("name", "id_type", "id_number"):
                del self.fields[name]


class TrainerConfirmForm(forms.Form):
    attended = forms.TypedChoiceField(label=_("是否参加培训"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("已参加")), ("no", _("未参加"))], widget=forms.RadioSelect)
    qualified = forms.TypedChoiceField(label=_("是否为合格培训师"), coerce=lambda v: v == "yes",
                                       choices=[("yes", _("合格")), ("no", _("不合格"))], widget=forms.RadioSelect)
