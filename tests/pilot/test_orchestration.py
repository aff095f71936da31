import pytest

from accounts.scoping import actor_for
from certificates.catalog.models import Certificate
from core.errors import AppError
from organizations.orgs.models import Org
from pilot.orchestration import org_delist_with_replacement
from tests.certificates.factories import CertificateFactory, SelectionBatchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificates(org_a, org_b):
    old = CertificateFactory(org=org_a, name="物联网工程实施", field="信息技术")
    other = CertificateFactory(org=org_a, name="某旧证书", field="信息技术")
    later = CertificateFactory(org=org_b, name="物联网智能家居系统集成", field="信息技术",
                               batch=SelectionBatchFactory(number=4))
    return old, other, later


def test_delisting_replaces_or_withdraws_every_live_certificate(ministry_user, org_a, org_a_user, certificates):
    old, other, later = certificates
    org_delist_with_replacement(actor=actor_for(ministry_user), org=org_a, reason="推进不力，整改不到位",
                                replacements={old.pk: later.pk, other.pk: None})
    org_a.refresh_from_db()
    old.refresh_from_db()
    other.refresh_from_db()
    assert org_a.status == Org.Status.DELISTED
    assert old.status == Certificate.Status.REPLACED and old.replaced_by == later
    assert other.status == Certificate.Status.WITHDRAWN
    assert any("摘牌" in n.title_text for n in org_a_user.notifications.all())


def test_a_replacement_must_be_a_later_batch_and_nothing_changes_otherwise(ministry_user, org_a, certificates):
    old, other, _later = certificates
    with pytest.raises(AppError):
        org_delist_with_replacement(actor=actor_for(ministry_user), org=org_a, reason="推进不力，整改不到位",
                                    replacements={old.pk: other.pk, other.pk: None})
    org_a.refresh_from_db()
    old.refresh_from_db()
    assert org_a.status == Org.Status.ACTIVE and old.status == Certificate.Status.PUBLISHED


def test_every_live_certificate_must_be_settled(ministry_user, org_a, certificates):
    old, _other, later = certificates
    with pytest.raises(AppError, match="某旧证书"):
        org_delist_with_replacement(actor=actor_for(ministry_user), org=org_a, reason="推进不力，整改不到位",
                                    replacements={old.pk: later.pk})


def test_delist_page(as_user, ministry_user, org_a, certificates):
    old, other, later = certificates
    client = as_user(ministry_user)
    page = client.get(f"/supervision/orgs/{org_a.pk}/delist/").content.decode()
    assert "物联网智能家居系统集成" in page
    choices = {"reason": "考核放水，查实", f"cert_{old.pk}": str(later.pk), f"cert_{other.pk}": "withdraw"}
    assert "此操作不可撤销" in page
    # Without the acknowledgement of what delisting does, nothing happens.
    refused = client.post(f"/supervision/orgs/{org_a.pk}/delist/", choices)
    assert refused.status_code == 200 and "请先勾选确认" in refused.content.decode()
    org_a.refresh_from_db()
    assert org_a.status != "delisted"
    response = client.post(f"/supervision/orgs/{org_a.pk}/delist/", {**choices, "acknowledged": "on"})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.status == "delisted"


@pytest.mark.parametrize("persona", ["org_a_user", "hubei_user"])
def test_delist_page_is_ministry_only(request, as_user, persona, org_a):
    assert as_user(request.getfixturevalue(persona)).get(f"/supervision/orgs/{org_a.pk}/delist/").status_code == 403


def test_suspend_and_lift_a_certificate(as_user, ministry_user, org_a_user, certificates):
    old, _other, _later = certificates
    client = as_user(ministry_user)
    client.post(f"/supervision/certificates/{old.pk}/", {"status": "suspended", "reason": "考核放水调查期间"})
    old.refresh_from_db()
    assert old.status == "suspended"
    client.post(f"/supervision/certificates/{old.pk}/", {"status": "published", "reason": "调查结束"})
    old.refresh_from_db()
    assert old.status == "published"
    assert as_user(org_a_user).post(f"/supervision/certificates/{old.pk}/",
                                    {"status": "suspended", "reason": "x"}).status_code == 403


def test_org_profile_lists_its_certificates(as_user, org_a_user, org_a, certificates):
    page = as_user(org_a_user).get(f"/orgs/{org_a.pk}/").content.decode()
    assert "物联网工程实施" in page and "某旧证书" in page and "物联网智能家居系统集成" not in page
