import pytest

from organizations.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_ministry_yellow_cards_an_org_from_its_supervision_page(as_user, ministry_user, org_a):
    client = as_user(ministry_user)
    page = client.get(f"/supervision/orgs/{org_a.pk}/")
    assert page.status_code == 200 and "采取监管措施" in page.content.decode()
    action = {"kind": "yellow_card", "reason": "未按期启动师资培训"}
    assert "该措施将记入该组织的监管记录" in page.content.decode()
    refused = client.post(f"/supervision/orgs/{org_a.pk}/", action)  # the consequence not acknowledged
    assert refused.status_code == 200 and "请先勾选确认" in refused.content.decode()
    org_a.refresh_from_db()
    assert org_a.status == "active"
    response = client.post(f"/supervision/orgs/{org_a.pk}/", {**action, "acknowledged": "on"})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.status == "yellow_card"
    listing = client.get("/supervision/?status=yellow_card").content.decode()
    assert org_a.name in listing


def test_an_action_not_allowed_in_the_current_state_is_not_offered(as_user, ministry_user, org_a):
    Org.objects.filter(pk=org_a.pk).update(status="delisted")
    client = as_user(ministry_user)
    response = client.post(f"/supervision/orgs/{org_a.pk}/", {"kind": "yellow_card", "reason": "已摘牌还想黄牌",
                                                                   "acknowledged": "on"})
    assert response.status_code == 200 and "没有可采取的措施" in response.content.decode()


def test_org_sees_its_own_timeline_and_warning_but_cannot_act(as_user, ministry_user, org_a, org_a_user, org_b):
    as_user(ministry_user).post(f"/supervision/orgs/{org_a.pk}/", {"kind": "yellow_card", "reason": "推进不力，考核进度滞后",
                                                                    "acknowledged": "on"})
    client = as_user(org_a_user)
    page = client.get(f"/supervision/orgs/{org_a.pk}/").content.decode()
    assert "黄牌警告" in page and "推进不力" in page and "采取监管措施" not in page
    assert "黄牌警告" in client.get("/").content.decode()  # on its workbench
    assert client.post(f"/supervision/orgs/{org_a.pk}/", {"kind": "lift_yellow_card", "reason": "自行撤销"}).status_code == 403
    assert client.get(f"/supervision/orgs/{org_b.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_institution_user", "student_user", "org_a_user"])
def test_supervision_list_is_ministry_only(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get("/supervision/").status_code == 404


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_institution_user", "student_user"])
def test_other_roles_cannot_see_an_orgs_supervision_page(request, as_user, persona, org_a):
    assert as_user(request.getfixturevalue(persona)).get(f"/supervision/orgs/{org_a.pk}/").status_code == 404


def test_export(as_user, ministry_user, org_a):
    response = as_user(ministry_user).get("/supervision/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_supervision_evidence_missing_on_disk_is_a_clear_410(as_user, ministry_user, org_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.scoping import actor_for
    from organizations.supervision.models import OrgActionEvidence
    from organizations.supervision.services import org_action_record

    org_action_record(actor=actor_for(ministry_user), org=org_a, kind="yellow_card", reason="未按期启动师资培训",
                      evidence=[SimpleUploadedFile("核查报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")])
    evidence = OrgActionEvidence.objects.get()
    client = as_user(ministry_user)
    assert client.get(f"/supervision/evidence/{evidence.pk}/").status_code == 200
    evidence.file.storage.delete(evidence.file.name)
    response = client.get(f"/supervision/evidence/{evidence.pk}/")
    assert response.status_code == 410 and "文件在服务器上缺失" in response.content.decode()
