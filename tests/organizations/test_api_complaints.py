"""/api/v1/complaints: anyone files; the ministry reads all and triages; an org reads its own
complaints without the complainant; everyone else is refused."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import personal_data
from accounts.models import AuditEntry, Notification
from accounts.scoping import actor_for
from organizations.complaints import services
from organizations.complaints.models import Complaint, ComplaintEvidence
from organizations.orgs.models import Org
from tests.organizations.factories import ComplaintFactory, OrgFactory, sample_jpeg, sample_pdf, sample_png
from tests.personas import sign_in

pytestmark = pytest.mark.django_db

Status = Complaint.Status
COMPLAINANT_FIELDS = {"contact", "contact_name", "submitted_by", "ip_address", "author", "internal"}


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _payload(org, **extra):
    data = {"org": org.pk, "category": "excessive_fees", "text": "考核费每人次860元，远超上限，另收资料费。",
            "contact_name": "王某某", "contact": "wang@example.com"}
    data.update(extra)
    return data


def _keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


# --- filing --------------------------------------------------------------------------------------

def test_anonymous_files_with_multipart_evidence(api, org_a):
    response = api.post("/api/v1/complaints", _payload(org_a, evidence=[
        SimpleUploadedFile("photo.jpg", sample_jpeg()), SimpleUploadedFile("receipt.pdf", sample_pdf())]),
        format="multipart")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get()
    assert response.json() == {"reference": complaint.reference, "status": "received", "status_label": "已受理",
                               "created_at": response.json()["created_at"]}
    assert "id" not in response.json() and complaint.evidence.count() == 2 and complaint.submitted_by is None


def test_json_filing_without_evidence_and_signed_in_submitter(org_a, student_user):
    response = api_as(student_user).post("/api/v1/complaints", _payload(org_a, contact="", contact_name=""),
                                         format="json")
    assert response.status_code == 201
    assert Complaint.objects.get().submitted_by == student_user


@pytest.mark.parametrize(("extra", "field", "message"), [
    ({"evidence": [SimpleUploadedFile("evil.png", b"MZ\x90\x00" + b"\x00" * 64)]}, "evidence", "可执行程序"),
    ({"evidence": [SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'></svg>")]}, "evidence", "不是允许的证据格式"),
    ({"evidence": [SimpleUploadedFile("a.pdf", sample_pdf(javascript="app.alert(1)"))]}, "evidence", "包含脚本"),
    ({"evidence": [SimpleUploadedFile(f"{i}.png", sample_png()) for i in range(6)]}, "evidence", "最多 5 个"),
    ({"contact": "123"}, "contact", "联系方式应为"),
    ({"text": "太贵"}, "text", "至少 10 个字"),
])
def test_bad_filings_are_refused_with_the_reason_and_save_nothing(api, org_a, extra, field, message):
    response = api.post("/api/v1/complaints", _payload(org_a, **extra), format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and message in body["detail"]
    assert Complaint.objects.count() == 0 and ComplaintEvidence.objects.count() == 0


def test_filing_against_a_withdrawn_org_or_unknown_category(api):
    withdrawn = OrgFactory(status=Org.Status.WITHDRAWN)
    assert api.post("/api/v1/complaints", _payload(withdrawn), format="json").json()["field"] == "org"
    assert api.post("/api/v1/complaints", _payload(OrgFactory(), category="x"), format="json").status_code == 400
    assert Complaint.objects.count() == 0


def test_anonymous_api_filings_share_the_rate_limit(api, org_a, settings):
    settings.COMPLAINT_ANON_MAX_PER_HOUR = 2
    for _i in range(2):
        assert api.post("/api/v1/complaints", _payload(org_a), format="json").status_code == 201
    refused = api.post("/api/v1/complaints", _payload(org_a), format="json")
    assert refused.status_code == 429 and "每小时最多提交 2 件" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert Complaint.objects.count() == 2


# --- reading -------------------------------------------------------------------------------------

@pytest.fixture
def filed(org_a, org_b, ministry_user, student_user):
    ministry = actor_for(ministry_user)
    mine = services.complaint_file(actor=actor_for(student_user), client_address="10.0.0.1", org_id=org_a.pk,
                                   category="bundled_sales", text="要求院校购买指定设备才能承办考核。",
                                   contact_name="王某某", contact="wang@example.com",
                                   evidence=[SimpleUploadedFile("王某某拍摄.jpg", sample_jpeg(artist="Wang Mou"))])
    services.complaint_note_add(actor=ministry, complaint=mine, note="内部：王某某另有录音", internal=True)
    services.complaint_transition(actor=ministry, complaint=mine, status=Status.UPHELD, note="经核实属实，责令整改。")
    theirs = ComplaintFactory(org=org_b, status=Status.INVESTIGATING)
    return mine, theirs


def test_ministry_reads_everything(ministry_user, filed):
    mine, theirs = filed
    client = api_as(ministry_user)
    listing = client.get("/api/v1/complaints").json()
    assert listing["count"] == 2 and {r["reference"] for r in listing["results"]} == {mine.reference, theirs.reference}
    row = next(r for r in listing["results"] if r["id"] == mine.pk)
    assert row["contact"] == "wang@example.com" and row["contact_name"] == "王某某" and row["submitted_by"] == "student"
    assert client.get("/api/v1/complaints", {"status": "upheld"}).json()["count"] == 1
    assert client.get("/api/v1/complaints", {"org": theirs.org_id}).json()["count"] == 1
    assert client.get("/api/v1/complaints", {"status": "bogus"}).status_code == 400
    detail = client.get(f"/api/v1/complaints/{mine.pk}").json()
    assert [n["internal"] for n in detail["notes"]] == [True, False]
    assert detail["evidence"][0]["name"] == "王某某拍摄.jpg"
    download = client.get(detail["evidence"][0]["url"])
    assert download.status_code == 200 and b"Wang Mou" in b"".join(download.streaming_content)


def test_org_reads_its_own_without_the_complainant(org_a_user, filed, student_user):
    mine, theirs = filed
    client = api_as(org_a_user)
    listing = client.get("/api/v1/complaints").json()
    assert [r["reference"] for r in listing["results"]] == [mine.reference]
    detail = client.get(f"/api/v1/complaints/{mine.pk}").json()
    assert detail["status"] == "upheld" and detail["text"] == mine.text
    assert [n["text"] for n in detail["notes"]] == ["经核实属实，责令整改。"]
    raw = json.dumps([listing, detail], ensure_ascii=False)
    assert not (_keys(listing) | _keys(detail)) & COMPLAINANT_FIELDS
    for secret in ("王某某", "wang@example.com", student_user.username, "录音"):
        assert secret not in raw
    download = client.get(detail["evidence"][0]["url"])
    assert download.status_code == 200 and b"Wang Mou" not in b"".join(download.streaming_content)
    assert client.get(f"/api/v1/complaints/{theirs.pk}").status_code == 404


def test_browser_session_api_for_the_org(client, org_a_user, filed):
    sign_in(client, org_a_user)
    assert client.get(f"/api/v1/complaints/{filed[0].pk}").status_code == 200


# --- triage --------------------------------------------------------------------------------------

def test_ministry_moves_a_complaint_through_the_api(ministry_user, org_a, org_a_user):
    complaint = ComplaintFactory(org=org_a)
    client = api_as(ministry_user)
    url = f"/api/v1/complaints/{complaint.pk}/transitions"
    response = client.post(url, {"status": "investigating", "note": "开始核查"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "investigating"
    response = client.post(url, {"status": "upheld", "note": "属实", "internal": False}, format="json")
    assert response.json()["closed_at"] and Notification.objects.filter(user=org_a_user).count() == 1
    refused = client.post(url, {"status": "dismissed", "note": "改判"}, format="json")
    assert refused.status_code == 400 and "已办结" in refused.json()["detail"]
    assert client.post(url, {"status": "upheld"}, format="json").status_code == 400  # the note is required
    assert AuditEntry.objects.filter(action="complaint.status_changed").count() == 2


def test_only_the_ministry_triages_over_the_api(org_a_user, org_b_user, hubei_user, org_a):
    complaint = ComplaintFactory(org=org_a)
    url = f"/api/v1/complaints/{complaint.pk}/transitions"
    body = {"status": "dismissed", "note": "不属实"}
    assert api_as(org_a_user).post(url, body, format="json").status_code == 403
    assert api_as(org_b_user).post(url, body, format="json").status_code == 404
    assert api_as(hubei_user).post(url, body, format="json").status_code == 404
    assert APIClient().post(url, body, format="json").status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_agency_user", "hubei_alliance_user",
                                     "hubei_institution_user", "shandong_institution_user", "student_user"])
def test_other_roles_are_refused(request, persona, filed):
    client = api_as(request.getfixturevalue(persona))
    mine = filed[0]
    evidence = mine.evidence.get()
    assert client.get("/api/v1/complaints").status_code == 403
    assert client.get(f"/api/v1/complaints/{mine.pk}").status_code == 404
    assert client.get(f"/api/v1/complaints/{mine.pk}/evidence/{evidence.pk}").status_code == 404


def test_anonymous_reads_nothing(api, filed):
    mine = filed[0]
    assert api.get("/api/v1/complaints").status_code == 403
    assert api.get(f"/api/v1/complaints/{mine.pk}").status_code == 403
    assert api.get(f"/api/v1/complaints/{mine.pk}/evidence/{mine.evidence.get().pk}").status_code == 403


def test_evidence_must_belong_to_the_complaint_in_the_url(ministry_user, filed):
    mine, theirs = filed
    evidence = mine.evidence.get()
    assert api_as(ministry_user).get(f"/api/v1/complaints/{theirs.pk}/evidence/{evidence.pk}").status_code == 404


def test_schema_documents_the_complaint_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/complaints", "/api/v1/complaints/{id}", "/api/v1/complaints/{id}/transitions"):
        assert path in schema


def test_evidence_missing_on_disk_is_a_clear_410_in_json(ministry_user, org_a_user, filed):
    mine, _theirs = filed
    evidence = mine.evidence.get()
    evidence.file.storage.delete(evidence.file.name)
    for user in (ministry_user, org_a_user):
        response = api_as(user).get(f"/api/v1/complaints/{mine.pk}/evidence/{evidence.pk}")
        assert response.status_code == 410 and response.json()["code"] == "file_missing"
        assert "文件在服务器上缺失" in response.json()["detail"]
def test_the_api_renders_the_complainant_through_the_policy(ministry_user, filed, monkeypatch):
    mine, _theirs = filed
    monkeypatch.setitem(personal_data.POLICY, personal_data.Field.COMPLAINANT, {})
    client = api_as(ministry_user)
    row = next(r for r in client.get("/api/v1/complaints").json()["results"] if r["id"] == mine.pk)
    detail = client.get(f"/api/v1/complaints/{mine.pk}").json()
    for record in (row, detail):
        assert (record["contact"], record["contact_name"], record["submitted_by"]) == (None, None, None)
    assert detail["text"] == mine.text and [n["internal"] for n in detail["notes"]] == [True, False]


def test_a_read_only_reader_gets_403_on_triage_in_the_page_and_the_api(client, org_a_user, filed):
    mine, _theirs = filed
    body = {"status": "dismissed", "note": "组织自己处理"}
    assert api_as(org_a_user).post(f"/api/v1/complaints/{mine.pk}/transitions", body, format="json").status_code == 403
    sign_in(client, org_a_user)
    assert client.post(f"/orgs/complaints/{mine.pk}/transition/", body).status_code == 403
    assert client.post(f"/orgs/complaints/{mine.pk}/note/", {"note": "x"}).status_code == 403
    assert mine.notes.count() == 2
