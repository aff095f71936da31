"""The catalog and batches API: public reads, ministry writes, an org's own application, and the
refusals for everyone else (401 anonymous, 403 wrong role, 404 out of scope)."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from certificates.batches.models import ApplicationCertificate, BatchApplication, SelectionBatch
from certificates.catalog.models import Certificate
from tests.certificates.factories import (
    ApplicationCertificateFactory,
    CertificateFactory,
    SelectionBatchFactory,
    approved_item,
    certificate_with_levels,
)
from tests.organizations.factories import OrgFactory, valid_credit_code

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NEW = {"code": "X03090", "name": "数字孪生应用", "field": "信息技术",
       "levels": [{"level": "junior", "assessment_type": "computer", "pass_mark": "60"},
                  {"level": "senior", "assessment_types": ["paper", "practical_special"]}],
       "majors": [{"major_code": "510203", "major_name": "软件技术"}]}
APPLICATION = {"applicant_name": "北京数智教育科技有限公司", "credit_code": valid_credit_code(31), "org_type": "enterprise",
               "certificates": [{"name": "智慧养老服务", "field": "养老服务",
                                 "levels": [{"level": "junior", "assessment_type": "paper"}]}]}


@pytest.fixture
def batch3():
    return SelectionBatchFactory(number=3)


def _json(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type="application/json")


# --- certificates ---------------------------------------------------------------------------

def test_anonymous_reads_the_catalog_with_filters(client, batch3, django_assert_max_num_queries):
    web = certificate_with_levels(name="Web前端开发", field="信息技术", batch=batch3)
    care = CertificateFactory(name="老年照护", field="养老服务")
    CertificateFactory(name="申报中", status="applied")
    for _ in range(30):
        certificate_with_levels(field="先进制造")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/catalog/certificates?limit=20").json()
    assert body["count"] == 32 and len(body["results"]) == 20
    body = client.get("/api/v1/catalog/certificates", {"field": "信息技术", "level": "senior"}).json()
    assert [c["code"] for c in body["results"]] == [web.code]
    result = body["results"][0]
    assert result["org"]["name"] == web.org.name and result["batch"] == 3
    assert [lv["level"] for lv in result["levels"]] == ["junior", "intermediate", "senior"]
    assert result["levels"][2]["assessment_type_label"] == "一般设备实操"
    assert client.get("/api/v1/catalog/certificates", {"q": "老年"}).json()["results"][0]["code"] == care.code
    assert client.get("/api/v1/catalog/certificates", {"level": "expert"}).status_code == 400


def test_anonymous_reads_one_certificate_but_not_an_applied_one(client):
    web = certificate_with_levels(name="Web前端开发")
    applied = CertificateFactory(status="applied")
    body = client.get(f"/api/v1/catalog/certificates/{web.code}").json()
    assert body["name"] == "Web前端开发" and body["standard_url"] is None and len(body["levels"]) == 3
    assert client.get(f"/api/v1/catalog/certificates/{applied.code}").status_code == 404


def test_ministry_creates_and_edits_a_certificate(client, as_user, ministry_user, batch3):
    org = OrgFactory()
    client = as_user(ministry_user)
    response = _json(client, "post", "/api/v1/catalog/certificates", {**NEW, "org": org.pk, "batch": 3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "published" and body["majors"] == [{"major_code": "510203", "major_name": "软件技术"}]
    assert [lv["assessment_type"] for lv in body["levels"]] == ["computer", "practical_special"]
    response = _json(client, "post", "/api/v1/catalog/certificates", {**NEW, "org": org.pk, "batch": 3})
    assert response.status_code == 400
    assert response.json() == {"detail": "证书代码“X03090”已被证书“数字孪生应用”使用，请换一个代码。", "code": "duplicate_code",
                               "field": "code"}
    response = _json(client, "patch", "/api/v1/catalog/certificates/X03090", {"name": "数字孪生技术应用"})
    assert response.status_code == 200 and response.json()["name"] == "数字孪生技术应用"
    assert len(response.json()["levels"]) == 2
    response = _json(client, "patch", "/api/v1/catalog/certificates/X03090",
                     {"levels": [{"level": "junior", "assessment_type": "paper", "pass_mark": "120"}]})
    assert response.status_code == 400 and "合格分数应在 0 到满分 100 之间" in response.json()["detail"]


def test_certificate_writes_refused_for_anonymous_and_other_roles(client, as_user, hubei_user, org_a_user, org_a, batch3):
    web = certificate_with_levels()
    data = {**NEW, "org": org_a.pk, "batch": 3}
    assert _json(client, "post", "/api/v1/catalog/certificates", data).status_code == 401
    assert _json(client, "patch", f"/api/v1/catalog/certificates/{web.code}", {"name": "x"}).status_code == 401
    for user in (hubei_user, org_a_user):
        signed_in = as_user(user)
        assert _json(signed_in, "post", "/api/v1/catalog/certificates", data).status_code == 403
        assert _json(signed_in, "patch", f"/api/v1/catalog/certificates/{web.code}", {"name": "x"}).status_code == 403
    web.refresh_from_db()
    assert web.name != "x" and not Certificate.objects.filter(code="X03090").exists()


def test_token_authentication_for_systems(client, ministry_user, batch3):
    token = Token.objects.create(user=ministry_user)
    response = client.post("/api/v1/catalog/certificates", {**NEW, "org": OrgFactory().pk, "batch": 3},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201


# --- batches --------------------------------------------------------------------------------

def test_anonymous_reads_batches_with_statistics(client):
    batch = SelectionBatchFactory(number=4, status=SelectionBatch.Status.REVIEWING)
    approved_item(application__batch=batch, field="养老服务")
    ApplicationCertificateFactory(application__batch=batch, outcome="rejected", field="信息技术")
    batches = client.get("/api/v1/batches").json()
    assert batches[0]["number"] == 4 and batches[0]["statistics"]["applied"] == 2
    body = client.get("/api/v1/batches/4").json()
    stats = body["statistics"]
    assert (stats["applicants"], stats["applied"], stats["approved_bodies"], stats["approved"]) == (2, 2, 1, 1)
    assert stats["rate"] == 0.5 and {f["field"] for f in body["fields"]} == {"养老服务", "信息技术"}
    assert client.get("/api/v1/batches/9").status_code == 404
    assert client.get("/api/v1/batches/4/applications").status_code == 401


def test_ministry_records_an_application_and_reviews_it(as_user, ministry_user):
    SelectionBatchFactory(number=4, status=SelectionBatch.Status.REVIEWING)
    client = as_user(ministry_user)
    response = _json(client, "post", "/api/v1/batches/4/applications", APPLICATION)
    assert response.status_code == 201, response.content
    item_id = response.json()["certificates"][0]["id"]
    review = {"outcome": "approved", "expert_score": "88.50", "notice_from": str(TODAY - datetime.timedelta(days=3)),
              "notice_until": str(TODAY)}
    response = _json(client, "post", f"/api/v1/batches/4/items/{item_id}/review", review)
    assert response.status_code == 400 and response.json()["code"] == "notice_not_ended"
    review["notice_until"] = str(TODAY - datetime.timedelta(days=1))
    response = _json(client, "post", f"/api/v1/batches/4/items/{item_id}/review", review)
    assert response.status_code == 200 and response.json()["outcome"] == "approved"
    response = client.post("/api/v1/batches/4/publish")
    assert response.status_code == 200 and response.json()["certificates_created"] == 1
    assert Certificate.objects.get(name="智慧养老服务").status == "published"
    assert client.post("/api/v1/batches/4/publish").json()["certificates_created"] == 0
    listing = client.get("/api/v1/batches/4/applications").json()
    assert listing["count"] == 1 and listing["results"][0]["certificates"][0]["certificate"] == "X04001"


def test_org_applies_for_itself_on_an_open_batch_only(as_user, org_a, org_a_user, org_b_user):
    SelectionBatchFactory(number=5, status=SelectionBatch.Status.OPEN)
    SelectionBatchFactory(number=4, status=SelectionBatch.Status.REVIEWING)
    client = as_user(org_a_user)
    response = _json(client, "post", "/api/v1/batches/5/applications", APPLICATION)
    assert response.status_code == 201 and response.json()["credit_code"] == org_a.credit_code
    assert response.json()["applicant_name"] == org_a.name
    response = _json(client, "post", "/api/v1/batches/4/applications", APPLICATION)
    assert response.status_code == 400 and "不在申报期内" in response.json()["detail"]
    assert client.get("/api/v1/batches/5/applications").json()["count"] == 1
    assert as_user(org_b_user).get("/api/v1/batches/5/applications").json()["count"] == 0


def test_batch_writes_refused_for_other_roles(client, as_user, hubei_user, hubei_institution_user, org_a_user):
    batch = SelectionBatchFactory(number=4, status=SelectionBatch.Status.REVIEWING)
    item = ApplicationCertificateFactory(application__batch=batch, outcome="rejected")
    review = {"outcome": "approved"}
    assert _json(client, "post", "/api/v1/batches/4/applications", APPLICATION).status_code == 401
    assert _json(client, "post", f"/api/v1/batches/4/items/{item.pk}/review", review).status_code == 401
    assert client.post("/api/v1/batches/4/publish").status_code == 401
    for user in (hubei_user, hubei_institution_user):
        signed_in = as_user(user)
        assert _json(signed_in, "post", "/api/v1/batches/4/applications", APPLICATION).status_code == 403
        assert signed_in.get("/api/v1/batches/4/applications").status_code == 403
    for user in (hubei_user, org_a_user):
        signed_in = as_user(user)
        assert _json(signed_in, "post", f"/api/v1/batches/4/items/{item.pk}/review", review).status_code == 403
        assert signed_in.post("/api/v1/batches/4/publish").status_code == 403
    item.refresh_from_db()
    batch.refresh_from_db()
    assert item.outcome == ApplicationCertificate.Outcome.REJECTED and batch.status == SelectionBatch.Status.REVIEWING
    assert BatchApplication.objects.count() == 1


def test_the_schema_documents_the_catalog(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/catalog/certificates/{code}" in schema and "/api/v1/batches/{number}/applications" in schema
