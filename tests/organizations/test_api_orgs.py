"""/api/v1/orgs: the registry over the API and the e-seal endpoints, tried by every persona."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from organizations.orgs.models import Org
from organizations.seals.models import OrgSeal
from organizations.seals.services import org_seal_upload
from tests.organizations.factories import OrgFactory, seal_upload, valid_credit_code
from tests.personas import sign_in

pytestmark = pytest.mark.django_db

PUBLIC = {"id", "code", "name", "org_type", "org_type_label", "batch_number", "status", "status_label"}
PRIVATE = {"credit_code", "contact_name", "contact_phone", "contact_email", "address", "website"}
OTHER_ROLES = ["hubei_user", "hubei_agency_user", "hubei_institution_user", "hubei_alliance_user", "student_user"]
VALID = "91110108MA01XA2B3M"


@pytest.fixture
def api():
    def _client(user=None):
        client = APIClient()
        if user is not None:
            sign_in(client, user)
        return client

    return _client


@pytest.fixture
def contacts(org_a, org_b):
    for org in (org_a, org_b):
        org.contact_name, org.contact_phone = "联系人", "010-12345678"
        org.save()


def test_anyone_signed_in_lists_public_facts_and_contacts_go_to_the_ministry_and_the_org_itself(
        api, request, contacts, org_a, org_b, ministry_user, org_b_user):
    for persona in OTHER_ROLES:
        response = api(request.getfixturevalue(persona)).get("/api/v1/orgs")
        assert response.status_code == 200, persona
        assert response.json()["count"] == 2
        assert all(set(row) == PUBLIC for row in response.json()["results"]), persona
    rows = {row["id"]: row for row in api(org_b_user).get("/api/v1/orgs").json()["results"]}
    assert set(rows[org_a.pk]) == PUBLIC
    assert PUBLIC | PRIVATE <= set(rows[org_b.pk]) and rows[org_b.pk]["contact_phone"] == "010-12345678"
    rows = api(ministry_user).get("/api/v1/orgs").json()["results"]
    assert all(PUBLIC | PRIVATE <= set(row) and row["contact_phone"] == "010-12345678" for row in rows)


def test_the_list_filters(api, hubei_user):
    OrgFactory(name="北京学会", org_type=Org.OrgType.ASSOCIATION, batch_number=2, code="7315")
    OrgFactory(name="上海企业", status=Org.Status.YELLOW_CARD, batch_number=3, code="7316")
    client = api(hubei_user)

    def names(query):
        return [r["name"] for r in client.get(f"/api/v1/orgs?{query}").json()["results"]]

    assert names("q=学会") == ["北京学会"]
    assert names("q=7316") == ["上海企业"]
    assert names("org_type=association") == ["北京学会"]
    assert names("status=yellow_card") == ["上海企业"]
    assert names("batch_number=2") == ["北京学会"]
    assert client.get("/api/v1/orgs?status=nonsense").status_code == 400


def test_anonymous_callers_are_refused(api, org_a):
    client = api()
    for method, url in [("get", "/api/v1/orgs"), ("post", "/api/v1/orgs"), ("get", f"/api/v1/orgs/{org_a.pk}"),
                        ("patch", f"/api/v1/orgs/{org_a.pk}"), ("post", f"/api/v1/orgs/{org_a.pk}/seals"),
                        ("get", f"/api/v1/orgs/{org_a.pk}/seals/current")]:
        # DRF answers 403 rather than 401 while session authentication is listed first.
        assert getattr(client, method)(url).status_code in (401, 403), url


def test_detail_shows_contacts_to_the_ministry_and_the_org_itself(api, request, contacts, org_a, ministry_user,
                                                                  org_a_user):
    for user in (ministry_user, org_a_user):
        body = api(user).get(f"/api/v1/orgs/{org_a.pk}").json()
        assert PUBLIC | PRIVATE <= set(body) and body["contact_name"] == "联系人"
    for persona in [*OTHER_ROLES, "org_b_user"]:
        body = api(request.getfixturevalue(persona)).get(f"/api/v1/orgs/{org_a.pk}").json()
        assert set(body) == PUBLIC, persona
    assert api(ministry_user).get("/api/v1/orgs/999999").status_code == 404


def test_the_ministry_registers_an_org_over_the_api(api, ministry_user):
    client = api(ministry_user)
    payload = {"name": "接口组织", "credit_code": VALID, "org_type": "research", "batch_number": 4,
               "contact_email": "a@example.cn"}
    response = client.post("/api/v1/orgs", payload, format="json")
    assert response.status_code == 201
    assert response.json()["code"] == "0001" and response.json()["credit_code"] == VALID
    assert AuditEntry.objects.filter(action="org.created", actor=ministry_user).exists()
    duplicate = client.post("/api/v1/orgs", {**payload, "name": "另一个"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["field"] == "credit_code" and "不能重复登记" in duplicate.json()["detail"]
    wrong = client.post("/api/v1/orgs", {**payload, "name": "第三个", "credit_code": VALID[:17] + "0"}, format="json")
    assert wrong.status_code == 400 and "校验位错误" in wrong.json()["detail"]
    assert client.post("/api/v1/orgs", {"name": "缺字段"}, format="json").status_code == 400
    assert Org.objects.count() == 1


@pytest.mark.parametrize("persona", [*OTHER_ROLES, "org_a_user"])
def test_other_roles_cannot_register_orgs(api, request, persona):
    response = api(request.getfixturevalue(persona)).post(
        "/api/v1/orgs", {"name": "越权组织", "credit_code": VALID, "org_type": "enterprise"}, format="json")
    assert response.status_code == 403
    assert not Org.objects.exists() or not Org.objects.filter(name="越权组织").exists()


def test_the_ministry_edits_an_org_but_not_its_status(api, ministry_user, org_a):
    client = api(ministry_user)
    response = client.patch(f"/api/v1/orgs/{org_a.pk}", {"contact_name": "新联系人", "batch_number": 2}, format="json")
    assert response.status_code == 200 and response.json()["contact_name"] == "新联系人"
    assert AuditEntry.objects.get(action="org.updated").changes == {"contact_name": ["", "新联系人"],
                                                                    "batch_number": [1, 2]}
    refused = client.patch(f"/api/v1/orgs/{org_a.pk}", {"status": "delisted"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()["detail"]
    other = OrgFactory(credit_code=valid_credit_code(4242))
    clash = client.patch(f"/api/v1/orgs/{org_a.pk}", {"credit_code": other.credit_code}, format="json")
    assert clash.status_code == 400 and clash.json()["code"] == "duplicate_credit_code"
    org_a.refresh_from_db()
    assert org_a.status == Org.Status.ACTIVE and org_a.credit_code != other.credit_code


def test_a_patch_whose_body_is_not_an_object_is_refused_not_a_server_error(api, ministry_user, org_a):
    """Found by the API fuzz test: the view read the body's keys before the serializer had checked
    that the body is an object; [null] and [1] raised TypeError (a 500)."""
    client = api(ministry_user)
    for body in ([None], [1]):
        response = client.patch(f"/api/v1/orgs/{org_a.pk}", body, format="json")
        assert response.status_code == 400, body
    org_a.refresh_from_db()
    assert org_a.name == "甲培训评价组织"


def test_patch_scope_an_org_gets_403_on_itself_and_404_elsewhere(api, request, org_a, org_a_user, org_b_user):
    assert api(org_a_user).patch(f"/api/v1/orgs/{org_a.pk}", {"contact_name": "x"}, format="json").status_code == 403
    assert api(org_b_user).patch(f"/api/v1/orgs/{org_a.pk}", {"contact_name": "x"}, format="json").status_code == 404
    for persona in OTHER_ROLES:
        response = api(request.getfixturevalue(persona)).patch(f"/api/v1/orgs/{org_a.pk}", {"contact_name": "x"},
                                                               format="json")
        assert response.status_code == 404, persona
    org_a.refresh_from_db()
    assert org_a.contact_name == ""


def test_an_org_uploads_its_seal_over_the_api(api, org_a, org_a_user):
    client = api(org_a_user)
    response = client.post(f"/api/v1/orgs/{org_a.pk}/seals", {"file": seal_upload(), "printed_mm": 38},
                           format="multipart")
    assert response.status_code == 201
    assert response.json()["version"] == 1 and response.json()["printed_mm"] == 38
    assert OrgSeal.objects.get(org=org_a).version == 1
    refused = client.post(f"/api/v1/orgs/{org_a.pk}/seals",
                          {"file": seal_upload(data=b"<svg onload='alert(1)'></svg>")}, format="multipart")
    assert refused.status_code == 400 and "不是 PNG 或 JPEG 图片" in refused.json()["detail"]
    assert refused.json()["field"] == "file"
    assert OrgSeal.objects.count() == 1


def test_seal_upload_scope(api, request, org_a, ministry_user, org_b_user):
    assert api(ministry_user).post(f"/api/v1/orgs/{org_a.pk}/seals", {"file": seal_upload()},
                                   format="multipart").status_code == 403
    for persona in [*OTHER_ROLES, "org_b_user"]:
        response = api(request.getfixturevalue(persona)).post(f"/api/v1/orgs/{org_a.pk}/seals",
                                                              {"file": seal_upload()}, format="multipart")
        assert response.status_code == 404, persona
    assert not OrgSeal.objects.exists()


def test_the_current_seal_is_served_to_the_org_and_the_ministry(api, request, org_a, org_a_user, ministry_user):
    assert api(org_a_user).get(f"/api/v1/orgs/{org_a.pk}/seals/current").status_code == 404  # none yet
    seal = org_seal_upload(actor=actor_for(org_a_user), org=org_a, upload=seal_upload())
    for user in (org_a_user, ministry_user):
        response = api(user).get(f"/api/v1/orgs/{org_a.pk}/seals/current")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == seal.file.open("rb").read()
    for persona in [*OTHER_ROLES, "org_b_user", "social_learner_user"]:
        response = api(request.getfixturevalue(persona)).get(f"/api/v1/orgs/{org_a.pk}/seals/current")
        assert response.status_code == 404, persona


def test_systems_use_a_token(org_a, org_a_user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=org_a_user).key}")
    response = client.post(f"/api/v1/orgs/{org_a.pk}/seals", {"file": seal_upload()}, format="multipart")
    assert response.status_code == 201
    assert client.get(f"/api/v1/orgs/{org_a.pk}/seals/current").status_code == 200


def test_the_schema_documents_the_org_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ["/api/v1/orgs", "/api/v1/orgs/{id}", "/api/v1/orgs/{id}/seals", "/api/v1/orgs/{id}/seals/current"]:
        assert f"{path}:" in schema, path
