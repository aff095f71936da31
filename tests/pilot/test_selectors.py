"""The pilot-wide pages' one access decision (pilot.selectors): the flags each persona gets, the
workbench panel they choose, and the form and the service of one operation refusing alike."""

import pytest

from accounts.scoping import actor_for, anonymous_actor
from core.errors import Forbidden, NotInScope
from organizations.orgs.models import Org
from pilot import selectors, services
from pilot.models import Notice
from pilot.orchestration import org_delist_with_replacement

pytestmark = pytest.mark.django_db
MINISTRY_ONLY = {"provinces", "publish_notice", "withdraw_notice", "supervise", "see_withdrawn_notices"}


@pytest.mark.parametrize("persona,may", [
    ("ministry_user", MINISTRY_ONLY), ("hubei_user", set()), ("hubei_agency_user", set()),
    ("hubei_institution_user", set()), ("hubei_alliance_user", set()), ("org_a_user", set()), ("student_user", set())])
def test_what_each_role_may_do_on_the_pilot_pages(request, persona, may):
    assert set(selectors.pilot_access(actor_for(request.getfixturevalue(persona))).may) == may


def test_an_anonymous_visitor_may_only_read_published_notices():
    assert not selectors.pilot_access(None).may and not selectors.pilot_access(anonymous_actor()).may


@pytest.mark.parametrize("persona,duty,links,absent", [
    ("ministry_user", "national", ["/provinces/", "/account/users/", "/notices/new/", "/account/audit/"], []),
    ("hubei_user", "province", ["/provinces/42/", "/account/users/"], ["/notices/new/", "/account/audit/"]),
    # The pilot agency reads its province but administers no accounts.
    ("hubei_agency_user", "province", ["/provinces/42/"], ["/account/users/", "/notices/new/"]),
    ("hubei_institution_user", "institution", [], ["/provinces/", "/account/users/"]),
    ("org_a_user", "org", [], ["/provinces/", "/account/users/"]),
    ("student_user", "student", [], ["/provinces/", "/account/users/"])])
def test_the_workbench_panel_and_its_links_follow_the_flags(request, as_user, persona, duty, links, absent):
    user = request.getfixturevalue(persona)
    assert selectors.workbench(actor_for(user))["duty"] == duty
    panel = as_user(user).get("/").content.decode().split('id="role-h"')[1].split("</section>")[0]
    for link in links:
        assert f'href="{link}"' in panel, link
    for link in absent:
        assert f'href="{link}"' not in panel, link


def test_withdrawing_a_notice_is_the_ministrys_by_the_form_and_the_service_alike(as_user, ministry_user, hubei_user):
    notice = services.notice_create(actor=actor_for(ministry_user), title="通知", body="正文", category="notice")
    page = as_user(hubei_user).get(f"/notices/{notice.pk}/").content.decode()
    assert f"/notices/{notice.pk}/withdraw/" not in page
    assert as_user(hubei_user).post(f"/notices/{notice.pk}/withdraw/").status_code == 403
    with pytest.raises(Forbidden):
        services.notice_withdraw(actor=actor_for(hubei_user), notice=notice)
    assert Notice.objects.get().is_public
    assert f"/notices/{notice.pk}/withdraw/" in as_user(ministry_user).get(f"/notices/{notice.pk}/").content.decode()
    services.notice_withdraw(actor=actor_for(ministry_user), notice=notice)
    # Withdrawn: still listed for the ministry, not found for anyone else.
    assert selectors.notice_get(actor_for(ministry_user), notice.pk).obj == notice
    with pytest.raises(NotInScope):
        selectors.notice_get(actor_for(hubei_user), notice.pk)


def test_an_orgs_supervision_record(ministry_user, org_a_user, org_b_user, hubei_user, org_a):
    ministry = selectors.supervision_org_get(actor_for(ministry_user), org_a.pk)
    assert set(ministry.may) == {"act", "certificates", "delist"}
    assert not selectors.supervision_org_get(actor_for(org_a_user), org_a.pk).may  # its own record, read only
    for user in (org_b_user, hubei_user):
        with pytest.raises(NotInScope):
            selectors.supervision_org_get(actor_for(user), org_a.pk)
    Org.objects.filter(pk=org_a.pk).update(status=Org.Status.DELISTED)
    assert "delist" not in selectors.supervision_org_get(actor_for(ministry_user), org_a.pk).may


def test_delisting_is_refused_to_others_by_the_page_and_the_service_alike(as_user, org_a_user, hubei_user, org_a):
    for user in (org_a_user, hubei_user):
        assert as_user(user).get(f"/supervision/orgs/{org_a.pk}/delist/").status_code == 403
        with pytest.raises(Forbidden):
            org_delist_with_replacement(actor=actor_for(user), org=org_a, reason="推进不力", replacements={})
    assert Org.objects.get(pk=org_a.pk).status == Org.Status.ACTIVE


def test_the_supervision_to_do_is_the_carded_orgs_own(ministry_user, org_a_user, org_b_user, org_a):
    Org.objects.filter(pk=org_a.pk).update(status=Org.Status.YELLOW_CARD)
    assert [t.urgent for t in selectors.supervision_todos(actor_for(org_a_user))] == [True]
    assert selectors.supervision_todos(actor_for(org_b_user)) == []
    assert selectors.supervision_todos(actor_for(ministry_user)) == []
