from django import forms
from django.utils.translation import gettext_lazy as _

from core import form_fields
from organizations.seals.services import DEFAULT_PRINTED_MM, PRINTED_MM_RANGE


class SealUploadForm(forms.Form):
    file = forms.FileField(
        label=_("印章图片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
        help_text=_("PNG 或 JPEG 图片，不超过 2 MB，至少 100×100 像素、至多 4000×4000 像素；白色或透明背景，"
                    "图片中只含印章本身。上传后系统会自动裁边、去除白色背景并按打印尺寸压缩。"))
    printed_mm = form_fields.IntegerField(label=_("印面直径（毫米）"), initial=DEFAULT_PRINTED_MM,
                                          min_value=PRINTED_MM_RANGE[0], max_value=PRINTED_MM_RANGE[1],
                                          help_text=_("电子证书上印章的打印尺寸，单位公章通常为 40 毫米。"))
