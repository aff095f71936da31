"""Forms of the plan pages: they parse input; every rule is checked by the plan row validator
(imports_plans.py) through services/plans.py, the same for the form, a file and the API."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Province
from certificates.catalog.models import Level
from core import form_fields
from core.choices import searchable

# Lazy: the choices are built at import, the label is read in each reader's language.
_month_label = lazy(lambda m: gettext("%(m)d月") % {"m": m}, str)
MONTH_CHOICES = [(m, _month_label(m)) for m in range(1, 13)]


class PlanYearForm(forms.Form):
    year = form_fields.IntegerField(label=_("计划年度"), widget=forms.NumberInput(attrs={"min": 2019, "inputmode": "numeric"}))


class PlanUploadForm(PlanYearForm):
    file = forms.FileField(label=_("考核计划文件"),
                           help_text=_("Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码），请使用本页提供的模板，不超过 5 MB。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class PlanRowForm(forms.Form):
    """One row of the online plan form. Blank rows are skipped; what is filled is checked by the
    validator, so the form accepts any number here (a negative one gets the validator's message)."""

    month = forms.TypedChoiceField(label=_("月份"), required=False, coerce=int, empty_value=None)
    province = forms.ChoiceField(label=_("省份"), required=False)
    certificate = forms.ChoiceField(label=_("证书"), required=False)
    level = forms.ChoiceField(label=_("等级"), required=False, choices=[("", "—")] + list(Level.choices))
    planned_candidates = form_fields.IntegerField(label=_("计划考核人数"), required=False,
                                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))
    planned_sessions = form_fields.IntegerField(label=_("计划考核批次"), required=False,
                                                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}))

    def __init__(self, *args, months, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [("", "—")] + [(m, label) for m, label in MONTH_CHOICES if m in months]
        self.fields["province"].choices = [("", "—")] + list(Province.objects.values_list("code", "name"))
        self.fields["certificate"].choices = [("", "—")] + [(c.code, c.name) for c in certificates]
        searchable(self, "certificate")

    def record(self) -> dict | None:
        """The row as the validator reads it (texts keyed like the template's columns), or None if blank."""
        data = self.cleaned_data
        if not any(data.get(k) not in (None, "") for k in self.fields):
            return None
        return {"month": data.get("month"), "province": data.get("province"), "certificate": data.get("certificate"),
                "level": data.get("level"), "planned_candidates": data.get("planned_candidates"),
                "planned_sessions": data.get("planned_sessions")}


class BasePlanRowFormSet(forms.BaseFormSet):
    def __init__(self, *args, months, certificates, **kwargs):
        self.months, self.certificates = months, certificates
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "months": self.months, "certificates": self.certificates}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
                         use_required_attribute=False, months=self.months, certificates=self.certificates)
        self.add_fields(form, None)
        return form

    def numbered_records(self) -> list[tuple[int, dict]]:
        """The filled rows with their row number on the page (as the errors will name them)."""
        return [(index, record) for index, record in enumerate((form.record() for form in self.forms), start=1)
                if record is not None]


PlanRowFormSet = forms.formset_factory(PlanRowForm, formset=BasePlanRowFormSet, extra=8, max_num=2000,
                                       absolute_max=2000, validate_max=True)


class PlanningWindowForm(forms.Form):
    year = form_fields.IntegerField(label=_("年度"), widget=forms.NumberInput(attrs={"min": 2019}))
    first_month = forms.TypedChoiceField(label=_("起始月份"), choices=MONTH_CHOICES, coerce=int, initial=9)
    last_month = forms.TypedChoiceField(label=_("截止月份"), choices=MONTH_CHOICES, coerce=int, initial=12)
