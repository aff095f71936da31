"""Long selects (about 450 certificates, thousands of institutions) with search as you type.

A form marks a select as searchable (``searchable(form, "certificate")``); it stays a plain
``<select>`` with every choice, so it works without JavaScript. ``static/js/choices.js`` adds a search
box that asks the page itself, ``?choices=<field>&q=<text>``; the view answers with
``choices_answer(request, form)`` from the very form it would render. The matches therefore come from
that field's own choices, which the view already scoped to what this user may choose: the search can
offer nothing the form would refuse. Each app registers how its model is searched (the catalog's
selector for certificates, the registries' for institutions and orgs).
"""

from collections.abc import Callable

from django import forms
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _

SEARCH_PARAMETER = "choices"
RESULT_LIMIT = 20
QUERY_MAX_LENGTH = 50

_searches: dict[type, Callable[[QuerySet, str], QuerySet]] = {}


def register_choice_search(model: type, search: Callable[[QuerySet, str], QuerySet]) -> None:
    """``search(queryset, text)`` narrows a field's queryset of ``model`` to the matches of ``text``."""
    _searches[model] = search


def searchable(form: forms.Form, *names: str) -> None:
    """Mark the named select fields of ``form`` for search as you type."""
    for name in names:
        if name in form.fields:
            form.fields[name].widget.attrs.update({
                "data-choices": name, "data-choices-hint": _("输入名称或代码搜索"),
                "data-choices-none": _("没有匹配的选项"), "data-choices-count": _("找到 %(n)s 项，可用上下方向键选择")})


def _model_matches(field: forms.ModelChoiceField, text: str) -> list[dict]:
    qs = field.queryset
    if text:
        search = _searches.get(qs.model)
        if search is None:
            raise LookupError(f"no choice search registered for {qs.model.__name__}")
        qs = search(qs, text)
    return [{"value": str(field.prepare_value(obj)), "label": str(field.label_from_instance(obj))}
            for obj in qs[:RESULT_LIMIT]]


def _plain_matches(field: forms.ChoiceField, text: str) -> list[dict]:
    text = text.casefold()
    matches = ({"value": str(value), "label": str(label)} for value, label in field.choices
               if value not in ("", None) and text in str(label).casefold())
    return [match for match, _index in zip(matches, range(RESULT_LIMIT), strict=False)]


def choices_answer(request, form: forms.Form) -> JsonResponse | None:
    """The matches of a searchable select of ``form`` as JSON, or None when the page itself is asked for."""
    name = request.GET.get(SEARCH_PARAMETER)
    if request.method != "GET" or not name:
        return None
    field = form.fields.get(name)
    if field is None or "data-choices" not in field.widget.attrs:
        raise Http404
    text = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    if isinstance(field, forms.ModelChoiceField):
        results = _model_matches(field, text)
    else:
        results = _plain_matches(field, text)
    return JsonResponse({"results": results})


def filter_choices_answer(request, filterset, *names: str) -> JsonResponse | None:
    """A list page's filter (django-filter) with long selects (every certificate, every org): marks
    ``names`` searchable on the filter's form, the one it renders, and answers their search, or None
    when the page itself is asked for. Call it before reading ``filterset.qs``."""
    searchable(filterset.form, *names)
    return choices_answer(request, filterset.form)
