"""The one access decision of the fees app (fees.selectors): the pages' flags per persona, a
negotiation's flags per persona and state, who records which payment — and the pages that follow them."""

import datetime

import pytest

from accounts.scoping import actor_for
from core.errors import NotInScope
from fees import selectors, services
from fees.models import FeeThread, FeeVersion
from tests.fees.conftest import finalized_session, items
from tests.personas import make_persona

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def thread(org_a_user, web_certificate, hubei):
    return services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                        province=hubei, items=items(question_bank="150", exam_system="100")).thread


@pytest.mark.parametrize(("persona", "flags"), [
    ("ministry_user", {"read_negotiation", "set_cap", "filter_by_province", "waiting_by_province", "summary_by_org",
                       "read_payments"}),
    ("hubei_user", {"read_negotiation", "read_payments", "verify"}),
    ("hubei_agency_user", {"read_negotiation", "read_payments"}),
    ("hubei_alliance_user", {"read_negotiation", "read_payments", "record_payment"}),
    ("org_a_user", {"read_negotiation", "propose", "read_payments", "record_payment"}),
    ("hubei_institution_user", {"read_payments", "record_payment"}),
    ("student_user", set())])
def test_the_pages_flags_per_persona(request, persona, flags):
    assert selectors.fees_access(actor_for(request.getfixturevalue(persona))) == flags


@pytest.mark.parametrize(("persona", "flags"), [
    ("org_a_user", {"propose"}), ("hubei_agency_user", {"counter_propose"}), ("hubei_alliance_user", {"counter_propose"}),
    ("hubei_user", {"verify"}), ("ministry_user", set())])
def test_a_negotiations_flags_per_persona_while_open_and_none_once_verified(request, thread, persona, flags):
    actor = actor_for(request.getfixturevalue(persona))
    assert selectors.thread_access(actor, thread.pk).may == flags
    FeeThread.objects.filter(pk=thread.pk).update(status=FeeThread.Status.VERIFIED)
    assert selectors.thread_access(actor, thread.pk).may == set()


def test_another_provinces_agency_and_another_org_are_outside_the_negotiation(thread, shandong, org_b_user):
    shandong_agency = make_persona("province_agency", province=shandong, username="sd_agency")
    for user in (shandong_agency, org_b_user):
        with pytest.raises(NotInScope):
            selectors.thread_access(actor_for(user), thread.pk)
        assert selectors.thread_access_of(actor_for(user), thread).may == set()


def test_who_records_which_payment(web_certificate, org_a, org_b_user, org_a_user, hubei_institution,
                                   hubei_institution_user, hubei_alliance_user, shandong_institution_user, hubei_user):
    institution_payer = {"institution_id": hubei_institution.pk, "person_id": None, "org_id": org_a.pk}
    learner = {"institution_id": None, "person_id": 7, "org_id": org_a.pk}
    for user, may_institution, may_learner in [
            (hubei_institution_user, True, False), (hubei_alliance_user, True, False), (org_a_user, False, True),
            (org_b_user, False, False), (shandong_institution_user, False, False), (hubei_user, False, False)]:
        actor = actor_for(user)
        assert selectors.payment_permissions(actor, **institution_payer).record_payment is may_institution, user.username
        assert selectors.payment_permissions(actor, **learner).record_payment is may_learner, user.username


def test_the_thread_page_offers_each_persona_its_own_form(as_user, thread, org_a_user, hubei_alliance_user, hubei_user,
                                                         ministry_user):
    url = f"/fees/threads/{thread.pk}/"
    org_page = as_user(org_a_user).get(url).content.decode()
    assert "修改提议" in org_page and 'value="verify"' not in org_page
    alliance_page = as_user(hubei_alliance_user).get(url).content.decode()
    assert "提出反提议" in alliance_page and 'value="verify"' not in alliance_page
    province_page = as_user(hubei_user).get(url).content.decode()
    assert 'value="verify"' in province_page and 'value="answer"' not in province_page
    ministry_page = as_user(ministry_user).get(url).content.decode()
    assert 'value="verify"' not in ministry_page and 'value="answer"' not in ministry_page


def test_a_read_only_role_gets_403_on_a_counter_proposal_in_the_page_and_the_api(as_user, thread, hubei_user,
                                                                                  ministry_user):
    for user in (hubei_user, ministry_user):
        client = as_user(user)
        page = client.post(f"/fees/threads/{thread.pk}/", {"form": "answer", "answer-amount_question_bank": "100"})
        api = client.post(f"/api/v1/fees/threads/{thread.pk}/counter-proposals",
                          {"items": {"question_bank": {"amount": "100"}}}, content_type="application/json")
        assert (page.status_code, api.status_code) == (403, 403), user.username
    assert FeeVersion.objects.count() == 1


def test_the_payments_page_offers_the_payment_form_only_on_rows_the_actor_records(
        as_user, org_a_user, hubei_user, web_certificate, hubei, hubei_institution, hubei_institution_user):
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="100"))
    services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2020, 9, 1))
    finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution, candidates=2,
                      social_learners=1)

    def forms(user):
        return as_user(user).get("/fees/payments/").content.decode().count('class="pay-form"')

    # The org records the social learner's payment, not the institution's; the institution its own;
    # the province reads only.
    assert (forms(org_a_user), forms(hubei_institution_user), forms(hubei_user)) == (1, 1, 0)
