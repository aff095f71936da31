"""Pages and API of issued certificates: each tried by the right person and the wrong ones."""

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.identity import mask_id_number
from certificates.issuance import tasks
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import certificate_with_levels, issuance_requests, issue_now, seal_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(org_a, hubei, hubei_institution, student_user):
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[student_user.person],
                          institution=hubei_institution)
    return issued


@pytest.fixture
def blocked(org_b, hubei, hubei_institution):
    """A pass of org_b (no seal yet) at the Hubei institution: waiting, with the reason."""
    from certificates.issuance.worker import issuance_run

    certificate = certificate_with_levels(org=org_b)
    (request,) = issuance_requests(certificate=certificate, province=hubei, people=[PersonFactory(name="钱多多")],
                                   institution=hubei_institution)
    issuance_run()
    request.refresh_from_db()
    return request


def status_for(request, as_user, persona, url, method="get", data=None):
    client = as_user(request.getfixturevalue(persona)) if persona != "anonymous" else request.getfixturevalue("client")
    return getattr(client, method)(url, data or {})


# The PDF prints the holder's full ID number: it goes where accounts.personal_data shows that number
# in full (the holder, the org, the holder's institution), and to no one else.
PDF_ALLOWED = ["student_user", "org_a_user", "hubei_institution_user"]
PDF_REFUSED = ["social_learner_user", "org_b_user", "shandong_institution_user", "hubei_user", "shandong_user",
               "hubei_alliance_user", "ministry_user"]


@pytest.mark.parametrize("persona", PDF_ALLOWED)
def test_the_pdf_goes_to_holder_org_and_institution(request, as_user, issued, persona):
    response = status_for(request, as_user, persona, reverse("issued:pdf", args=[issued.number]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response).startswith(b"%PDF-")
    api = status_for(request, as_user, persona, f"/api/v1/certificates/{issued.number}/pdf")
    assert api.status_code == 200 and api.content.startswith(b"%PDF-")


@pytest.mark.parametrize("persona", PDF_REFUSED)
def test_anyone_else_gets_404_for_the_pdf(request, as_user, issued, persona):
    assert status_for(request, as_user, persona, reverse("issued:pdf", args=[issued.number])).status_code == 404
    api = status_for(request, as_user, persona, f"/api/v1/certificates/{issued.number}/pdf")
    assert api.status_code == 404 and "未找到" in api.json()["detail"]


def test_anonymous_visitors_are_sent_to_sign_in(client, issued):
    assert client.get(reverse("issued:pdf", args=[issued.number])).status_code == 302
    assert client.get(reverse("issued:mine")).status_code == 302
    assert client.get(f"/api/v1/certificates/{issued.number}/pdf").status_code in (401, 403)


def test_the_bilingual_variant_downloads(as_user, student_user, issued):
    response = as_user(student_user).get(reverse("issued:pdf", args=[issued.number]) + "?variant=bilingual")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_my_certificates(as_user, student_user, issued, org_a_user):
    page = as_user(student_user).get(reverse("issued:mine"))
    assert page.status_code == 200
    html = page.content.decode()
    assert issued.number in html and "Web前端开发" in html and f"/verify/t/{issued.token}" in html
    assert as_user(org_a_user).get(reverse("issued:mine")).status_code == 403


@pytest.mark.parametrize("persona,expected", [
    ("student_user", 200), ("org_a_user", 200), ("hubei_institution_user", 200), ("ministry_user", 200),
    ("hubei_user", 200), ("org_b_user", 404), ("shandong_institution_user", 404), ("shandong_user", 404),
    ("social_learner_user", 404)])
def test_detail_page_scopes(request, as_user, issued, persona, expected):
    assert status_for(request, as_user, persona, reverse("issued:detail", args=[issued.number])).status_code == expected
    api = status_for(request, as_user, persona, f"/api/v1/certificates/{issued.number}")
    assert api.status_code == expected


def test_the_id_number_is_masked_for_the_province_and_full_for_the_institution(as_user, issued, hubei_user,
                                                                              hubei_institution_user):
    province = as_user(hubei_user).get(reverse("issued:detail", args=[issued.number])).content.decode()
    assert issued.id_number not in province and issued.id_number[-4:] in province
    api = as_user(hubei_user).get(f"/api/v1/certificates/{issued.number}").json()
    assert "*" in api["id_number"]
    institution = as_user(hubei_institution_user).get(reverse("issued:detail", args=[issued.number])).content.decode()
    assert issued.id_number in institution


@pytest.mark.parametrize("persona,expected", [("org_a_user", 200), ("hubei_institution_user", 200),
                                              ("ministry_user", 200), ("student_user", 403)])
def test_the_list_and_its_exports(request, as_user, issued, persona, expected):
    response = status_for(request, as_user, persona, reverse("issued:index"))
    assert response.status_code == expected
    if expected == 200:
        assert issued.number in response.content.decode()
        assert status_for(request, as_user, persona, reverse("issued:index") + "?export=xlsx").status_code == 200


def test_other_scopes_list_nothing(as_user, issued, org_b_user, shandong_institution_user):
    assert issued.number not in as_user(org_b_user).get(reverse("issued:index")).content.decode()
    assert as_user(shandong_institution_user).get("/api/v1/certificates").json()["count"] == 0


def test_the_institution_downloads_its_students_certificates_as_one_zip(as_user, issued, hubei_institution_user,
                                                                       shandong_institution_user, hubei_user,
                                                                       hubei_alliance_user, ministry_user):
    response = as_user(hubei_institution_user).get(reverse("issued:index") + "?export=zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    (name,) = archive.namelist()
    assert name.startswith(issued.number) and archive.read(name).startswith(b"%PDF-")
    empty = zipfile.ZipFile(io.BytesIO(as_user(shandong_institution_user).get(reverse("issued:index") + "?export=zip")
                                       .content))
    assert empty.namelist() == []
    for refused in (hubei_user, hubei_alliance_user, ministry_user):  # the PDFs print full ID numbers
        assert as_user(refused).get(reverse("issued:index") + "?export=zip").status_code == 403


def test_the_institution_sees_who_passed_without_a_certificate_and_why(as_user, blocked, hubei_institution_user,
                                                                      shandong_institution_user, student_user):
    html = as_user(hubei_institution_user).get(reverse("issued:waiting")).content.decode()
    assert "钱多多" in html and "电子公章" in html
    assert "钱多多" not in as_user(shandong_institution_user).get(reverse("issued:waiting")).content.decode()
    assert as_user(student_user).get(reverse("issued:waiting")).status_code == 403
    assert as_user(hubei_institution_user).get(reverse("issued:waiting") + "?export=xlsx").status_code == 200


def test_the_org_sees_batches_with_progress_and_the_ministry_the_queue(as_user, issued, blocked, org_a_user,
                                                                      org_b_user, ministry_user,
                                                                      hubei_institution_user):
    html = as_user(org_a_user).get(reverse("issued:batches")).content.decode()
    assert "<progress" in html and 'value="1"' in html
    assert "钱多多" not in html
    html = as_user(org_b_user).get(reverse("issued:batches")).content.decode()
    assert 'value="0"' in html
    queue = as_user(ministry_user).get(reverse("issued:queue"))
    assert queue.status_code == 200 and org_b_user.full_name not in "" and "暂缓" in queue.content.decode()
    assert as_user(org_a_user).get(reverse("issued:queue")).status_code == 403
    assert as_user(hubei_institution_user).get(reverse("issued:batches")).status_code == 403
    batches = as_user(org_a_user).get("/api/v1/issuance/batches").json()
    assert batches[0]["issued"] == 1 and batches[0]["total"] == 1


def test_retry_by_the_org_after_uploading_its_seal(as_user, blocked, org_b, org_b_user, org_a_user,
                                                   hubei_institution_user):
    url = reverse("issued:retry", args=[blocked.pk])
    assert as_user(org_a_user).post(url).status_code == 404
    assert as_user(hubei_institution_user).post(url).status_code == 403
    seal_for(org_b)
    assert as_user(org_b_user).post(url).status_code == 302
    blocked.refresh_from_db()
    assert blocked.status == "pending"


def test_retry_api_refuses_a_result_that_is_not_a_finalized_pass(as_user, org_b_user, blocked):
    response = as_user(org_b_user).post("/api/v1/issuance/requests/123456789/retry")
    assert response.status_code == 404 and "不是已确认的合格成绩" in response.json()["detail"]
    response = as_user(org_b_user).post(f"/api/v1/issuance/requests/{blocked.result_id}/retry")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    assert IssuanceRequest.objects.get(pk=blocked.pk).status == "pending"


def test_revoke_and_reissue_from_the_page(as_user, issued, org_a_user, student_user, hubei_institution_user):
    url = reverse("issued:detail", args=[issued.number])
    assert as_user(student_user).post(url, {"action": "revoke", "revoke-reason": "x"}).status_code == 403
    assert as_user(hubei_institution_user).post(url, {"action": "revoke", "revoke-reason": "x"}).status_code == 403
    client = as_user(org_a_user)
    response = client.post(url, {"action": "reissue", "reissue-holder_name": "李晓明", "reissue-reason": "身份证姓名更正"})
    assert response.status_code == 302
    response = client.post(url, {"action": "revoke", "revoke-reason": ""})
    assert response.status_code == 200 and 'class="field-error"' in response.content.decode()
    assert IssuedCertificate.objects.get(pk=issued.pk).status == "valid"
    client.post(url, {"action": "revoke", "revoke-reason": "考核作弊，经查属实"})
    issued.refresh_from_db()
    assert issued.status == "revoked" and issued.version == 2 and issued.holder_name == "李晓明"


# --- personal data through the one policy (issue 13) -------------------------------------------------

def xlsx_text(response) -> str:
    assert response.status_code == 200
    return " ".join(str(v) for row in load_workbook(io.BytesIO(response.content)).active.values for v in row)


MASKED = ["hubei_alliance_user", "hubei_user", "hubei_agency_user", "ministry_user"]
FULL = ["hubei_institution_user", "org_a_user"]


@pytest.mark.parametrize("persona", MASKED + FULL)
def test_id_numbers_on_the_list_its_export_and_the_api_follow_the_policy(request, as_user, issued, persona):
    client = as_user(request.getfixturevalue(persona))
    full, masked = issued.id_number, mask_id_number(issued.id_number)
    expected, absent = (masked, full) if persona in MASKED else (full, masked)
    pages = {
        "list": client.get(reverse("issued:index")).content.decode(),
        "detail": client.get(reverse("issued:detail", args=[issued.number])).content.decode(),
        "xlsx": xlsx_text(client.get(reverse("issued:index") + "?export=xlsx")),
        "api list": str(client.get("/api/v1/certificates").json()["results"]),
        "api detail": str(client.get(f"/api/v1/certificates/{issued.number}").json()),
    }
    for where, text in pages.items():
        assert expected in text and absent not in text, (persona, where)


@pytest.mark.parametrize("persona", MASKED + ["hubei_institution_user"])
def test_id_numbers_of_passes_waiting_for_a_certificate_follow_the_policy(request, as_user, blocked, persona):
    client = as_user(request.getfixturevalue(persona))
    full, masked = blocked.id_number, mask_id_number(blocked.id_number)
    expected, absent = (masked, full) if persona in MASKED else (full, masked)
    for text in (client.get(reverse("issued:waiting")).content.decode(),
                 xlsx_text(client.get(reverse("issued:waiting") + "?export=xlsx"))):
        assert "钱多多" in text and expected in text and absent not in text, persona


def test_the_alliance_reads_but_neither_revokes_nor_retries(as_user, issued, blocked, hubei_alliance_user):
    client = as_user(hubei_alliance_user)
    page = client.get(reverse("issued:detail", args=[issued.number])).content.decode()
    assert "撤销证书" not in page and reverse("issued:pdf", args=[issued.number]) not in page
    url = reverse("issued:detail", args=[issued.number])
    assert client.post(url, {"action": "revoke", "revoke-reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/certificates/{issued.number}/revoke", {"reason": "x"}).status_code == 403
    assert client.post(reverse("issued:retry", args=[blocked.pk])).status_code == 403
    assert client.post(f"/api/v1/issuance/requests/{blocked.result_id}/retry").status_code == 403
    assert "重新发证" not in client.get(reverse("issued:waiting")).content.decode()
    assert IssuedCertificate.objects.get(pk=issued.pk).status == "valid"
    assert IssuanceRequest.objects.get(pk=blocked.pk).status == "blocked"


def test_another_scope_gets_404_on_every_certificate_endpoint(as_user, issued, shandong_institution_user):
    client = as_user(shandong_institution_user)
    for url in (reverse("issued:detail", args=[issued.number]), reverse("issued:pdf", args=[issued.number]),
                f"/api/v1/certificates/{issued.number}", f"/api/v1/certificates/{issued.number}/pdf",
                f"/api/v1/certificates/{issued.number}/credential"):
        assert client.get(url).status_code == 404, url


def test_the_credential_carries_no_id_number_and_goes_to_the_alliance_and_the_ministry(as_user, issued,
                                                                                      hubei_alliance_user,
                                                                                      ministry_user, hubei_user):
    for user in (hubei_alliance_user, ministry_user):
        response = as_user(user).get(f"/api/v1/certificates/{issued.number}/credential")
        assert response.status_code == 200 and issued.id_number not in str(response.json())
    assert as_user(hubei_user).get(f"/api/v1/certificates/{issued.number}/credential").status_code == 404


# --- a missing PDF is queued, never rendered inside the request (issue 14) ----------------------------

@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.render, "delay", calls.append)
    return calls


def test_a_pdf_missing_from_storage_is_queued_and_the_holder_told_when_it_will_be_ready(as_user, issued, student_user,
                                                                                       queued):
    issued.pdf.storage.delete(issued.pdf.name)
    client = as_user(student_user)
    url = reverse("issued:pdf", args=[issued.number])
    page = client.get(url)
    assert page.status_code == 202 and int(page["Retry-After"]) >= 10
    html = page.content.decode()
    assert "正在生成" in html and "秒后可以下载" in html and f'href="{url}"' in html
    assert queued == [issued.pk]
    assert not issued.pdf.storage.exists(issued.pdf.name)  # nothing rendered or stored by the GET
    api = client.get(f"/api/v1/certificates/{issued.number}/pdf")
    assert api.status_code == 202 and api["Retry-After"] == str(api.json()["retry_after"])
    assert "正在生成" in api.json()["detail"]
    assert queued == [issued.pk]  # queued once while the first render is still expected
    tasks.render(issued.pk)  # the worker
    assert issued.pdf.storage.exists(IssuedCertificate.objects.get(pk=issued.pk).pdf.name)
    assert client.get(url).status_code == 200
    assert client.get(f"/api/v1/certificates/{issued.number}/pdf").content.startswith(b"%PDF-")


def test_a_certificate_never_rendered_is_queued_and_the_zip_waits_for_it(as_user, issued, hubei_institution_user,
                                                                         queued):
    IssuedCertificate.objects.filter(pk=issued.pk).update(pdf="", pdf_size=None)
    client = as_user(hubei_institution_user)
    response = client.get(reverse("issued:index") + "?export=zip")
    assert response.status_code == 202 and "打包下载" in response.content.decode() and queued == [issued.pk]
    assert IssuedCertificate.objects.get(pk=issued.pk).pdf == ""  # the GET wrote nothing
    tasks.render(issued.pk)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("issued:index") + "?export=zip").content))
    assert [n.split("-")[0] for n in archive.namelist()] == [issued.number]


def test_the_schema_documents_the_202_of_a_pdf_being_rendered(client):
    schema = client.get("/api/schema/?format=json").json()
    responses = schema["paths"]["/api/v1/certificates/{number}/pdf"]["get"]["responses"]
    assert "application/pdf" in responses["200"]["content"]
    ref = responses["202"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"detail", "retry_after"}


def test_a_revocation_is_confirmed_on_the_portals_page_first(as_user, issued, org_a_user):
    """Without JavaScript: the button posts to ?confirm=1, which answers with what will happen and
    revokes nothing; the page's 确认 posts the same fields again, and only that revokes."""
    url = reverse("issued:detail", args=[issued.number])
    client = as_user(org_a_user)
    assert 'action="?confirm=1"' in client.get(url).content.decode()
    step = client.post(url + "?confirm=1", {"action": "revoke", "revoke-reason": "考核作弊，经查属实"})
    page = step.content.decode()
    assert step.status_code == 200 and "确认撤销证书" in page and "撤销后不能恢复" in page and "考核作弊，经查属实" in page
    assert IssuedCertificate.objects.get(pk=issued.pk).status == "valid"
    assert 'name="revoke-reason" value="考核作弊，经查属实"' in page
    client.post(url, {"action": "revoke", "revoke-reason": "考核作弊，经查属实"})
    assert IssuedCertificate.objects.get(pk=issued.pk).status == "revoked"
