"""Search as you type for long selects: the matches come from the form's own, scoped choices."""

import json

import pytest
from django import forms
from django.test import RequestFactory

from certificates.catalog.models import Certificate
from core.choices import choices_answer, searchable
from tests.certificates.factories import certificate_with_levels
from tests.organizations.factories import InstitutionFactory, OrgFactory

pytestmark = pytest.mark.django_db

FILING_FORM = "/assessments/filings/new/"


def _search(client, url, field, text):
    response = client.get(url, {"choices": field, "q": text})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return [r["label"] for r in response.json()["results"]]


def test_a_province_finds_only_institutions_it_may_file_for(as_user, hubei_user, hubei, shandong):
    InstitutionFactory(province=hubei, name="武汉软件职业技术学院")
    InstitutionFactory(province=shandong, name="山东软件职业技术学院")
    client = as_user(hubei_user)
    assert _search(client, FILING_FORM, "institution", "软件职业") == ["武汉软件职业技术学院"]
    assert _search(client, FILING_FORM, "institution", "山东") == []  # another province's: not leaked


def test_certificates_are_searched_by_name_or_code_among_those_that_may_be_chosen(as_user, hubei_user, org_a):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    certificate_with_levels(org=org_a, name="前端性能优化", code="X10002", status=Certificate.Status.APPLIED)
    client = as_user(hubei_user)
    assert _search(client, FILING_FORM, "certificate", "前端") == ["Web前端开发（X10001，甲培训评价组织）"]
    assert _search(client, FILING_FORM, "certificate", "x1000") == ["Web前端开发（X10001，甲培训评价组织）"]
    values = client.get(FILING_FORM, {"choices": "certificate", "q": "前端"}).json()["results"]
    assert values[0]["value"] == str(Certificate.objects.get(code="X10001").pk)


@pytest.mark.parametrize("persona", ["student_user", "org_a_user"])
def test_a_role_without_the_form_is_refused_the_search(request, as_user, persona, hubei):
    InstitutionFactory(province=hubei, name="武汉软件职业技术学院")
    response = as_user(request.getfixturevalue(persona)).get(FILING_FORM, {"choices": "institution", "q": "武汉"})
    assert response.status_code in (403, 404)
    assert "武汉软件职业技术学院" not in response.content.decode()


def test_anonymous_visitors_are_asked_to_sign_in(client):
    response = client.get(FILING_FORM, {"choices": "institution", "q": "武汉"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_only_fields_marked_searchable_answer(as_user, hubei_user):
    client = as_user(hubei_user)
    assert client.get(FILING_FORM, {"choices": "contact_name", "q": "张"}).status_code == 404
    assert client.get(FILING_FORM, {"choices": "nonexistent", "q": "张"}).status_code == 404


def test_the_plain_select_still_lists_every_choice(as_user, hubei_user, org_a):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    page = as_user(hubei_user).get(FILING_FORM).content.decode()
    assert 'data-choices="certificate"' in page and "Web前端开发（X10001" in page
    assert 'data-choices-hint="输入名称或代码搜索"' in page


def test_the_public_complaint_form_searches_orgs(client):
    OrgFactory(name="丙数字科技培训评价组织")
    assert _search(client, "/orgs/complaints/new/", "org", "数字科技") == ["丙数字科技培训评价组织"]


class _PlainForm(forms.Form):
    certificate = forms.ChoiceField(choices=[("", "—"), ("X1", "Web前端开发"), ("X2", "老年照护")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        searchable(self, "certificate")


def test_a_plain_choice_field_is_searched_by_its_labels():
    request = RequestFactory().get("/", {"choices": "certificate", "q": "前端"})
    assert json.loads(choices_answer(request, _PlainForm()).content) == {"results": [
        {"value": "X1", "label": "Web前端开发"}]}
    assert choices_answer(RequestFactory().get("/"), _PlainForm()) is None


# The list pages' filters hold every certificate (about 450) or every org (over 300): searched too.
LIST_FILTERS = [("/assessments/filings/", "certificate"), ("/assessments/registrations/", "certificate"),
                ("/assessments/sessions/", "certificate"), ("/assessments/trainers/", "certificate"),
                ("/catalog/", "org"), ("/orgs/complaints/", "org")]


@pytest.mark.parametrize(("url", "field"), LIST_FILTERS)
def test_the_list_filters_search_their_long_selects(as_user, ministry_user, org_a, url, field):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    # The catalog offers the orgs of its certificates.
    certificate_with_levels(org=OrgFactory(name="丙数字科技培训评价组织"), name="数据标注", code="X30001")
    client = as_user(ministry_user)
    page = client.get(url).content.decode()
    assert f'data-choices="{field}"' in page  # still a plain select with every choice, marked for the search
    text, expected = ("前端", "Web前端开发") if field == "certificate" else ("数字科技", "丙数字科技培训评价组织")
    found = _search(client, url, field, text)
    assert found and all(expected in label for label in found)


def test_a_list_filter_search_answers_only_its_long_selects(as_user, ministry_user):
    assert as_user(ministry_user).get("/assessments/sessions/", {"choices": "status", "q": "已"}).status_code == 404


def test_the_dashboards_certificate_filter_is_searched_within_its_scope(as_user, ministry_user, org_a_user, org_a,
                                                                          org_b):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    certificate_with_levels(org=org_b, name="前端设计", code="X20001")
    client = as_user(ministry_user)
    assert 'data-choices="certificate"' in client.get("/dashboard/").content.decode()
    assert sorted(_search(client, "/dashboard/", "certificate", "前端")) == ["Web前端开发", "前端设计"]
    org_client = as_user(org_a_user)
    assert _search(org_client, f"/dashboard/orgs/{org_a.pk}/", "certificate", "前端") == ["Web前端开发"]
