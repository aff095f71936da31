"""Input forms of the catalog and the selection batches. They parse; the services decide."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.catalog.models import AssessmentType, Level, SelectionBatch
from certificates.catalog.services import LEVEL_ORDER
from core import form_fields
from core.choices import searchable
from organizations.orgs.models import Org

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


_MAJOR_CODE = re.compile(r"^(\d{4,6}[A-Z]?)\s+(.+)$")


def parse_majors(text: str) -> list[tuple[str, str]]:
    """One major a line, optionally led by its code: “510203 软件技术” or “软件技术”."""
    majors = []
    for line in (text or "").splitlines():
        line = line.strip().replace("\u3000", " ")
        if not line:
            continue
        match = _MAJOR_CODE.match(line)
        majors.append((match.group(1), match.group(2).strip()) if match else ("", line))
    return majors


class CertificateForm(forms.Form):
    code = form_fields.CodeField(
        label=_("证书代码"), max_length=16,
        help_text=_("大写字母、数字或连字符；门户自动编码的格式为 X + 两位批次号 + 三位序号，如 X04017。"))
    name = forms.CharField(label=_("证书名称"), max_length=100)
    org = forms.ModelChoiceField(label=_("培训评价组织"), queryset=Org.objects.all())
    batch = forms.ModelChoiceField(label=_("遴选批次"), queryset=SelectionBatch.objects.all())
    field = forms.CharField(label=_("领域"), max_length=32, help_text=_("如：信息技术、先进制造、现代服务。"))
    majors = forms.CharField(label=_("相关专业"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("每行一个专业，可在前面写专业代码，如“510203 软件技术”。"))
    description = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, certificate=None, **kwargs):
        super().__init__(*args, **kwargs)
        searchable(self, "org")
        for level in LEVEL_ORDER:
            label = Level(level).label
            self.fields[f"{level}_types"] = forms.MultipleChoiceField(
                label=_("考核方式"), required=False, choices=AssessmentType.choices, widget=forms.CheckboxSelectMultiple,
                help_text=_("不选表示不设此等级；由多个部分组成时全部勾选，按其中成本最高的方式确定收费上限。"))
            self.fields[f"{level}_full_mark"] = form_fields.DecimalField(label=_("满分"), required=False, initial=100)
            self.fields[f"{level}_pass_mark"] = form_fields.DecimalField(label=_("合格分数"), required=False, initial=60)
            self.fields[f"{level}_types"].level_label = label
        if certificate is not None:
            self._fill(certificate)

    def _fill(self, certificate) -> None:
        self.initial.update(code=certificate.code, name=certificate.name, org=certificate.org_id,
                            batch=certificate.batch_id, field=certificate.field, description=certificate.description,
                            majors="\n".join(f"{m.major_code} {m.major_name}".strip() for m in certificate.majors.all()))
        for lv in certificate.levels.all():
            self.initial.update({f"{lv.level}_types": [lv.assessment_type], f"{lv.level}_full_mark": lv.full_mark,
                                 f"{lv.level}_pass_mark": lv.pass_mark})
        if certificate.status != certificate.Status.APPLIED:
            for name in ("code", "org", "batch"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("证书已公布，此项不能修改。")

    def level_rows(self):
        return [{"label": Level(level).label, "types": self[f"{level}_types"], "full_mark": self[f"{level}_full_mark"],
                 "pass_mark": self[f"{level}_pass_mark"]} for level in LEVEL_ORDER]

    def general_fields(self):
        return [self[name] for name in ("code", "name", "org", "batch", "field", "majors", "description")]

    def levels(self) -> list[dict]:
        data = self.cleaned_data
        return [{"level": level, "assessment_types": data[f"{level}_types"], "full_mark": data[f"{level}_full_mark"],
                 "pass_mark": data[f"{level}_pass_mark"]} for level in LEVEL_ORDER if data.get(f"{level}_types")]

    def majors_list(self) -> list[tuple[str, str]]:
        return parse_majors(self.cleaned_data.get("majors", ""))


class StandardUploadForm(forms.Form):
    file = forms.FileField(label=_("标准文件（PDF）"), help_text=_("仅限 PDF，不超过 20 MB；上传后成为当前版本，旧版本保留。"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))


class SkillsForm(forms.Form):
    """One textarea per level the certificate has: its 职业技能要求, one skill a line."""

    def __init__(self, *args, certificate, **kwargs):
        super().__init__(*args, **kwargs)
        self.level_codes = []
        for lv in sorted(certificate.levels.all(), key=lambda lv: LEVEL_ORDER.index(lv.level)):
            self.level_codes.append(lv.level)
            self.fields[lv.level] = forms.CharField(
                label=Level(lv.level).label, required=False, initial=lv.skills, strip=False,
                widget=forms.Textarea(attrs={"rows": 6}),
                help_text=_("每行一条技能，如“能使用 HTML5 和 CSS3 完成静态网页制作”；最多 20 条，每条不超过 200 字。"))

    def skills(self) -> dict[str, str]:
        return {level: self.cleaned_data.get(level, "") for level in self.level_codes}
