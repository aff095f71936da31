"""The credit bank's one access decision (credit_bank.selectors) and the personal-data policy as every
persona meets it: the ID number in full for the person and their institution, masked for the
alliance, the province and the ministry — on the pages, in the XLSX exports and over the API; outside
the scope a 404; a role that only reads gets 403 from the HTML form and the API endpoint alike."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.personal_data import Relation
from accounts.scoping import actor_for
from credit_bank import selectors
from credit_bank.models import Conversion, ConversionRule
from tests.credit_bank.factories import request_conversion

pytestmark = pytest.mark.django_db
API = "/api/v1/credit"
FULL = ["student_user", "hubei_institution_user"]
MASKED = ["hubei_alliance_user", "hubei_user", "hubei_agency_user", "ministry_user"]


@pytest.fixture
def conversion(outcome, rule, student_user):
    return request_conversion(student_user, outcome, rule)


def xlsx_cells(response) -> set:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return {cell for row in sheet.iter_rows(values_only=True) for cell in row}


@pytest.mark.parametrize("persona,may", [
    ("ministry_user", {"staff", "stats", "edit_catalog", "all_provinces"}),
    ("hubei_user", {"staff", "stats"}), ("hubei_agency_user", {"staff", "stats"}),
    ("hubei_institution_user", {"staff", "write"}), ("hubei_alliance_user", {"staff", "write"}),
    ("student_user", {"account"}), ("org_a_user", set())])
def test_what_each_role_may_open_and_start(request, persona, may):
    assert set(selectors.credit_bank_access(actor_for(request.getfixturevalue(persona))).may) == may


def test_each_row_carries_the_actors_relation_to_the_holder(conversion, student_user, hubei_institution_user,
                                                             hubei_alliance_user, hubei_user, ministry_user):
    expect = {student_user: Relation.SELF, hubei_institution_user: Relation.INSTITUTION,
              hubei_alliance_user: Relation.ALLIANCE, hubei_user: Relation.PROVINCE, ministry_user: Relation.MINISTRY}
    for user, relation in expect.items():
        actor = actor_for(user)
        [row] = selectors.outcome_accesses(actor, selectors.outcome_list(actor=actor))
        assert relation in row.relations, user.username
        access = selectors.conversion_get(actor=actor, pk=conversion.pk)
        assert relation in access.relations, user.username
        assert access.may.decide == (user in (hubei_institution_user, hubei_alliance_user))
        assert access.may.withdraw == (user == student_user)


@pytest.mark.parametrize("persona", FULL + MASKED)
def test_id_numbers_on_the_pages_in_the_exports_and_over_the_api(request, as_user, conversion, student_user, persona):
    number = student_user.person.id_number
    masked = f"{number[:3]}{'*' * 11}{number[-4:]}"
    expected = masked if persona in MASKED else number
    client = as_user(request.getfixturevalue(persona))
    api = client.get(f"{API}/outcomes").json()["results"]
    assert [r["id_number"] for r in api] == [expected]
    if persona == "student_user":
        return  # the staff pages are not the student's
    pages = [client.get(reverse("credit:outcomes")), client.get(reverse("credit:request_detail", args=[conversion.pk]))]
    for page in pages:
        html = page.content.decode()
        assert expected in html and (persona in FULL or number not in html)
    for url in (reverse("credit:outcomes"), reverse("credit:requests")):
        cells = xlsx_cells(client.get(url + "?export=xlsx"))
        assert expected in cells and (persona in FULL or number not in cells), url


def test_another_scope_is_not_found(as_user, conversion, rule, shandong_user, shandong_institution_user):
    for user in (shandong_user, shandong_institution_user):
        client = as_user(user)
        assert client.get(reverse("credit:request_detail", args=[conversion.pk])).status_code == 404
        assert client.get(reverse("credit:rule_detail", args=[rule.pk])).status_code == 404
        assert client.get(f"{API}/conversions/{conversion.pk}").status_code == 404
        assert client.get(f"{API}/rules/{rule.pk}").status_code == 404
        assert conversion.outcome.number not in client.get(reverse("credit:outcomes")).content.decode()


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_agency_user", "ministry_user"])
def test_a_role_that_reads_is_refused_writes_by_the_form_and_the_api_alike(request, as_user, conversion, rule,
                                                                          hubei_institution, persona):
    client = as_user(request.getfixturevalue(persona))
    page = reverse("credit:request_detail", args=[conversion.pk])
    assert client.post(page, {"action": "approve", "approve-credits": "2"}).status_code == 403
    assert client.post(f"{API}/conversions/{conversion.pk}/approve", {"credits": "2"},
                       content_type="application/json").status_code == 403
    rule_page = reverse("credit:rule_detail", args=[rule.pk])
    assert client.post(rule_page, {"action": "withdraw", "withdraw-reason": "x"}).status_code == 403
    assert client.post(f"{API}/rules/{rule.pk}/withdraw", {"reason": "x"},
                       content_type="application/json").status_code == 403
    assert client.post(reverse("credit:policy"), {"institution": hubei_institution.pk}).status_code == 403
    assert client.post(f"{API}/policies", {"institution_id": hubei_institution.pk, "max_certificates_per_course": 2,
                                           "max_credits_per_certificate": "6"},
                       content_type="application/json").status_code == 403
    # Neither page offers the forms, and nothing changed.
    assert 'value="approve"' not in client.get(page).content.decode()
    assert 'value="withdraw"' not in client.get(rule_page).content.decode()
    assert Conversion.objects.get().status == "requested" and ConversionRule.objects.get().status == "active"


def test_the_student_sees_their_account_number_and_may_withdraw_only_their_own(as_user, conversion, student_user,
                                                                                hubei_institution_user):
    account = conversion.outcome.account
    assert account.number in as_user(student_user).get(reverse("credit:account")).content.decode()
    assert as_user(student_user).get(f"{API}/account").json()["account_number"] == account.number
    # The institution decides the request; withdrawing it is the student's alone, by form and API.
    institution = as_user(hubei_institution_user)
    assert institution.post(reverse("credit:conversion_withdraw", args=[conversion.pk])).status_code == 403
    assert institution.post(f"{API}/conversions/{conversion.pk}/withdraw").status_code == 403
