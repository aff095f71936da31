"""Public verification: by number and name or last four ID characters, by QR token, by PDF upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certificates.issuance.models import IssuedCertificate
from certificates.issuance.revocation import certificate_reissue, certificate_revoke
from certificates.issuance.selectors import certificate_pdf_stored
from certificates.verification import services as verification

pytestmark = pytest.mark.django_db


def test_number_and_name_show_the_masked_result(client, issued):
    response = client.post("/verify/", {"number": issued.number, "name": "张小三"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "有效" in html and "张*三" in html and "老年照护" in html and "初级" in html
    assert "张小三" not in html.split("<main", 1)[1].replace('value="张小三"', "")  # only the typed input echoes it
    assert issued.id_number not in html


def test_last_four_id_characters_work_too(client, issued):
    data = client.get(f"/api/v1/verify/{issued.number}", {"id_last4": issued.id_number[-4:]}).json()
    assert data["found"] and data["status"] == "valid" and data["masked_name"] == "张*三"
    assert issued.id_number not in str(data)


def test_a_number_alone_reveals_nothing(client, issued):
    response = client.get(f"/api/v1/verify/{issued.number}")
    assert response.status_code == 400 and "仅凭证书编号" in response.json()["detail"]
    html = client.post("/verify/", {"number": issued.number}).content.decode()
    assert "张*三" not in html and "仅凭证书编号" in html


def test_unknown_numbers_and_wrong_names_get_the_same_answer_with_the_same_work(client, issued):
    answers = []
    for number, name in ((issued.number, "李四"), ("X999999999999999999999", "张小三"), ("garbage", "张小三")):
        with CaptureQueriesContext(connection) as queries:
            answers.append(client.get(f"/api/v1/verify/{number}", {"name": name}).json())
        answers[-1]["queries"] = len(queries)
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["found"] is False


def test_the_qr_token_shows_the_result_without_typing(client, issued):
    html = client.get(f"/verify/t/{issued.token}").content.decode()
    assert "有效" in html and "张*三" in html
    data = client.get(f"/api/v1/verify/{issued.number}", {"token": issued.token}).json()
    assert data["status"] == "valid"


def test_a_forged_or_altered_token_finds_nothing(client, issued):
    altered = issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B")
    assert "未查到匹配的证书" in client.get(f"/verify/t/{altered}").content.decode()
    assert not client.get(f"/api/v1/verify/{issued.number}", {"token": altered}).json()["found"]
    other = "X999999999999999999999"
    assert not client.get(f"/api/v1/verify/{other}", {"token": issued.token}).json()["found"]


def test_revoked_shows_the_reason_and_the_qr_token_stops_saying_valid(client, issued, org_actor):
    certificate_revoke(actor=org_actor, issued=issued, reason="考核作弊，经查属实")
    data = client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}).json()
    assert data["status"] == "revoked" and data["revoked_reason"] == "考核作弊，经查属实"
    html = client.get(f"/verify/t/{issued.token}").content.decode()
    assert "已撤销" in html and "考核作弊" in html


def test_a_reissued_certificate_shows_the_old_version_as_superseded(client, issued, org_actor):
    old_token = issued.token
    reissued = certificate_reissue(actor=org_actor, issued=issued, holder_name="张晓三", reason="姓名用字更正")
    assert reissued.number == issued.number and reissued.version == 2 and reissued.token != old_token
    assert "已被新版本取代" in client.get(f"/verify/t/{old_token}").content.decode()
    assert client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}).json()["status"] == "superseded"
    new = client.get(f"/api/v1/verify/{issued.number}", {"name": "张晓三"}).json()
    assert new["status"] == "valid" and new["version"] == 2 and new["masked_name"] == "张*三"


def test_the_rate_limit_applies_to_page_and_api_together(client, issued, settings):
    settings.VERIFY_RATE_PER_MINUTE = 3
    for _ in range(2):
        assert client.get(f"/api/v1/verify/{issued.number}", {"name": "x"}).status_code == 200
    assert client.get(f"/verify/t/{issued.token}").status_code == 200
    refused = client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"})
    assert refused.status_code == 429 and "过于频繁" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    for page in (client.post("/verify/", {"number": issued.number, "name": "张小三"}),
                 client.get(f"/verify/t/{issued.token}")):
        assert page.status_code == 429 and "过于频繁" in page.content.decode()
        assert 1 <= int(page["Retry-After"]) <= 60


def test_with_redis_down_verification_keeps_answering_and_its_limit_holds(client, issued, settings,
                                                                          unreachable_redis, caplog):
    settings.VERIFY_RATE_PER_MINUTE = 3
    answers = [client.get(f"/api/v1/verify/{issued.number}", {"name": "张小三"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["status"] == "valid" and answers[0].json()["masked_name"] == "张*三"
    assert client.post("/verify/pdf/", {}).status_code == 200  # the pages too (no cache needed to show a form)
    refused = client.get(f"/verify/t/{issued.token}")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60  # counted in this process
    assert any("unreachable" in r.getMessage() for r in caplog.records)


def upload(content: bytes, name="certificate.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_an_uploaded_genuine_pdf_is_reported_genuine_and_valid(client, issued):
    content = certificate_pdf_stored(issued)
    data = client.post("/api/v1/verify/pdf", {"pdf": upload(content)}).json()
    assert data["genuine"] and data["status"] == "valid" and data["number"] == issued.number
    html = client.post("/verify/pdf/", {"pdf": upload(content)}).content.decode()
    assert "平台签发的真实证书" in html and "张*三" in html


def test_a_tampered_pdf_is_refused(client, issued):
    content = certificate_pdf_stored(issued)
    position = content.index(b"/CertificateVersion")
    tampered = content[:position] + content[position:].replace(b"(1)", b"(2)", 1)
    data = client.post("/api/v1/verify/pdf", {"pdf": upload(tampered)}).json()
    assert not data["genuine"] and ("篡改" in data["reason"] or "修改" in data["reason"])
    unsigned = client.post("/api/v1/verify/pdf", {"pdf": upload(b"%PDF-1.7\n%%EOF\n")}).json()
    assert not unsigned["genuine"] and "数字签名" in unsigned["reason"]
    not_pdf = client.post("/api/v1/verify/pdf", {"pdf": upload(b"MZ\x90\x00", "x.pdf")})
    assert not_pdf.status_code == 400


def test_an_old_version_pdf_or_a_revoked_one_says_so(client, issued, org_actor):
    old_pdf = certificate_pdf_stored(issued)
    certificate_reissue(actor=org_actor, issued=issued, holder_name="张晓三", reason="姓名用字更正")
    data = client.post("/api/v1/verify/pdf", {"pdf": upload(old_pdf)}).json()
    assert data["genuine"] and data["status"] == "superseded"
    issued = IssuedCertificate.objects.get(pk=issued.pk)
    new_pdf = certificate_pdf_stored(issued)
    certificate_revoke(actor=org_actor, issued=issued, reason="证书信息造假")
    data = client.post("/api/v1/verify/pdf", {"pdf": upload(new_pdf)}).json()
    assert data["genuine"] and data["status"] == "revoked"


def test_verdicts_never_carry_an_id_number(issued):
    verdict = verification.certificate_verify(number=issued.number, name="张小三")
    assert issued.id_number not in str(verdict.as_dict())


def test_the_api_refuses_secrets_the_query_rules_refuse_and_takes_plain_ones_as_they_are(client, issued):
    for query in ({"name": "张" * 65}, {"id_last4": "12345"}, {"token": "t" * 33}, {"name": "张小\x00三"}):
        response = client.get(f"/api/v1/verify/{issued.number}", query)
        assert response.status_code == 400, query
        assert set(response.json()) & {"detail", "errors", *query}, response.json()
    assert client.get(f"/api/v1/verify/{issued.number}", {"name": " 张小三 "}).json()["found"]
