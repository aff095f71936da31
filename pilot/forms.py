from django import forms
from django.utils.translation import gettext_lazy as _

from pilot.models import Notice


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.ofd,.doc,.docx,.xls,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ChoiceField(label=_("栏目"), choices=Notice.Category.choices)
    document_number = forms.CharField(label=_("文号"), max_length=64, required=False,
                                      help_text=_("如：教职成司函〔2020〕20号"))
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 12}))
    attachments = MultipleFileField(label=_("附件"), required=False,
                                    help_text=_("PDF、OFD、Word 或 Excel，每个不超过 20 MB，最多 10 个。"))


class NoticeEditForm(NoticeForm):
    """The same fields, and the attachments to remove."""

    remove_attachments = forms.ModelMultipleChoiceField(label=_("删除附件"), required=False, queryset=None,
                                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remove_attachments"].queryset = notice.attachments.all()
        self.fields["remove_attachments"].label_from_instance = lambda a: a.original_name
