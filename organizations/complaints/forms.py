"""Forms of the complaints pages. They parse input; the rules (contact format, evidence safety,
transitions) are the service's."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from core.choices import searchable
from organizations.complaints.models import Complaint
from organizations.complaints.selectors import complaint_target_orgs
from organizations.complaints.services import MAX_EVIDENCE_FILES, NOTE_MAX_CHARS, TEXT_MAX_CHARS, TRANSITIONS
from organizations.orgs.models import Org


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class TargetOrgField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Org) -> str:
        if obj.status == Org.Status.ACTIVE:
            return obj.name
        return f"{obj.name}（{obj.get_status_display()}）"


class ComplaintForm(forms.Form):
    org = TargetOrgField(label=_("被投诉的培训评价组织"), queryset=Org.objects.none(), empty_label=_("请选择"))
    category = forms.ChoiceField(label=_("投诉类别"), choices=[("", _("请选择"))] + list(Complaint.Category.choices))
    text = forms.CharField(label=_("投诉内容"), max_length=TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("请写明时间、地点、涉及的证书和具体情况。投诉内容和证据会交被投诉组织核实，"
                                       "请不要在正文中写您的姓名或联系方式。"))
    evidence = MultipleFileField(label=_("证据材料"), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=64, required=False,
                                   help_text=_("可选，仅教育部可见，不会告知被投诉组织。"))
    contact = forms.CharField(label=_("联系方式"), max_length=100, required=False,
                              help_text=_("可选：手机号码、固定电话或电子邮箱，仅教育部可见。填写后凭受理编号和联系方式查询进度。"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = complaint_target_orgs()
        searchable(self, "org")
        self.fields["evidence"].help_text = _("可选。PNG、JPEG 图片或 PDF 文档，最多 %(n)d 个，每个不超过 %(size)s。") % {
            "n": MAX_EVIDENCE_FILES, "size": filesizeformat(settings.COMPLAINT_EVIDENCE_MAX_BYTES)}


class ComplaintLookupForm(forms.Form):
    reference = forms.CharField(label=_("受理编号"), max_length=24, help_text=_("形如 TS2026-K7QM-4XPD，见提交后的回执。"))
    contact = forms.CharField(label=_("联系方式"), max_length=100, required=False,
                              help_text=_("提交时填写的手机号码、固定电话或电子邮箱；未填写的请留空。"))


class ComplaintTransitionForm(forms.Form):
    status = forms.ChoiceField(label=_("处理结果"))
    note = forms.CharField(label=_("处理意见"), max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4}))
    internal = forms.BooleanField(label=_("仅教育部可见（不向被投诉组织显示此意见）"), required=False)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        # Any status parses, so that a stale page gets the service's precise refusal; the menu offers
        # only the moves that exist from here.
        self.fields["status"].choices = Complaint.Status.choices
        self.fields["status"].widget.choices = [(s, Complaint.Status(s).label)
                                                for s in TRANSITIONS.get(complaint.status, ())]


class ComplaintNoteForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}))
    internal = forms.BooleanField(label=_("仅教育部可见"), required=False, initial=True)
