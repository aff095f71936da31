"""The signed OFD of an issued certificate (issue 20): made on first download from the PDF's data,
sealed with the certificate's seal version, stored, offered beside the PDF to the same people."""

import io
import zipfile

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.scoping import actor_for
from certificates.issuance import ofd_files, revocation, tasks
from certificates.issuance.models import IssuedCertificate, OfdSeal
from certificates.ofd import document
from certificates.ofd.seal import seal_parse
from certificates.ofd.signature import ofd_check, read_package
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for
from tests.certificates.test_issuance_views import PDF_ALLOWED, PDF_REFUSED, status_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(org_a, hubei, hubei_institution, student_user):
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    (issued,) = issue_now(certificate=certificate, province=hubei, people=[student_user.person],
                          institution=hubei_institution)
    return issued


def _loaded(issued):
    return IssuedCertificate.objects.select_related("certificate", "org", "seal", "seal__org").get(pk=issued.pk)


def test_the_ofd_is_genuine_for_the_current_version_and_shows_the_seal_once(issued):
    content = ofd_files.issued_ofd(_loaded(issued))
    check = ofd_check(content)
    assert check.genuine and check.number == issued.number and check.version == issued.version
    files = read_package(content)
    page = files["Doc_0/Pages/Page_0/Content.xml"].decode()
    assert "ImageObject" not in page and "Doc_0/Res/seal.png" not in files  # the stamp draws the seal
    signature = next(v for k, v in files.items() if k.endswith("Signature.xml")).decode()
    assert "StampAnnot" in signature and f'PageRef="{document.PAGE_ID}"' in signature


def test_the_seal_is_built_once_per_seal_version_and_a_later_version_changes_nothing(issued, org_a):
    first = ofd_files.ofd_seal_der(_loaded(issued).seal)
    ofd_files._seal_ders.clear()  # another process: reads the kept seal, does not build another
    assert ofd_files.ofd_seal_der(_loaded(issued).seal) == first
    assert OfdSeal.objects.count() == 1
    info = seal_parse(first)
    assert info.name == org_a.name and info.picture.startswith(b"\x89PNG")
    seal_for(org_a)  # version 2, for certificates issued from now on
    again = ofd_files.issued_ofd(_loaded(issued))
    embedded = next(v for k, v in read_package(again).items() if k.endswith("SignedValue.dat"))
    assert first in embedded and OfdSeal.objects.count() == 1


def test_the_first_download_queues_it_then_it_is_stored_with_its_size(as_user, student_user, issued, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.render_ofd, "delay", queued.append)
    client = as_user(student_user)
    url = reverse("issued:ofd", args=[issued.number])
    page = client.get(url)
    assert page.status_code == 202 and "OFD 版式文件正在生成" in page.content.decode() and queued == [issued.pk]
    assert IssuedCertificate.objects.get(pk=issued.pk).ofd == ""  # the GET wrote nothing
    assert tasks.render_ofd(issued.pk) is True
    stored = IssuedCertificate.objects.get(pk=issued.pk)
    assert stored.ofd.name.endswith(f"{issued.number}-v1.ofd") and stored.ofd_size > 0
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/ofd"
    assert f"{issued.number}.ofd" in response["Content-Disposition"] and len(response.content) == stored.ofd_size
    assert tasks.render_ofd(issued.pk) is False  # stored already: not made again


@pytest.mark.parametrize("persona", PDF_ALLOWED)
def test_the_ofd_goes_to_whoever_takes_the_pdf(request, as_user, issued, persona):
    html = status_for(request, as_user, persona, reverse("issued:detail", args=[issued.number])).content.decode()
    assert reverse("issued:ofd", args=[issued.number]) in html and "下载 OFD 版式文件" in html
    first = status_for(request, as_user, persona, reverse("issued:ofd", args=[issued.number]))
    assert first.status_code == 202  # queued, run once the request commits: here, by hand
    tasks.render_ofd(issued.pk)
    for response in (status_for(request, as_user, persona, reverse("issued:ofd", args=[issued.number])),
                     status_for(request, as_user, persona, f"/api/v1/certificates/{issued.number}/ofd")):
        assert response.status_code == 200 and response["Content-Type"] == "application/ofd"
        check = ofd_check(b"".join(response))
        assert check.genuine and (check.number, check.version) == (issued.number, 1)


@pytest.mark.parametrize("persona", PDF_REFUSED)
def test_anyone_else_gets_404_for_the_ofd(request, as_user, issued, persona):
    assert status_for(request, as_user, persona, reverse("issued:ofd", args=[issued.number])).status_code == 404
    assert status_for(request, as_user, persona, f"/api/v1/certificates/{issued.number}/ofd").status_code == 404
    html = status_for(request, as_user, persona, reverse("issued:detail", args=[issued.number])).content.decode()
    assert "下载 OFD 版式文件" not in html
    assert IssuedCertificate.objects.get(pk=issued.pk).ofd == ""


def test_anonymous_visitors_are_sent_to_sign_in(client, issued):
    assert client.get(reverse("issued:ofd", args=[issued.number])).status_code == 302
    assert client.get(f"/api/v1/certificates/{issued.number}/ofd").status_code in (401, 403)


def test_an_imported_certificate_has_no_ofd(as_user, student_user, issued):
    IssuedCertificate.objects.filter(pk=issued.pk).update(seal=None, origin=IssuedCertificate.Origin.IMPORTED)
    assert as_user(student_user).get(reverse("issued:ofd", args=[issued.number])).status_code == 404
    assert "下载 OFD 版式文件" not in as_user(student_user).get(reverse("issued:mine")).content.decode()


def test_the_holder_sees_the_ofd_link_beside_the_pdf(as_user, student_user, issued):
    html = as_user(student_user).get(reverse("issued:mine")).content.decode()
    assert reverse("issued:pdf", args=[issued.number]) in html
    assert reverse("issued:ofd", args=[issued.number]) in html and "下载 OFD 版式文件" in html


def test_a_reissue_clears_the_ofd_and_the_next_one_carries_the_new_version(as_user, org_a_user, issued):
    tasks.render_ofd(issued.pk)
    old = IssuedCertificate.objects.get(pk=issued.pk).ofd.name
    storage = IssuedCertificate._meta.get_field("ofd").storage
    with TestCase.captureOnCommitCallbacks(execute=True):  # the old file goes once the reissue commits
        revocation.certificate_reissue(actor=actor_for(org_a_user), issued=_loaded(issued), holder_name="李四新",
                                       reason="姓名更正")
    current = IssuedCertificate.objects.get(pk=issued.pk)
    assert current.ofd == "" and current.ofd_size is None and not storage.exists(old)
    tasks.render_ofd(issued.pk)
    check = ofd_check(as_user(org_a_user).get(reverse("issued:ofd", args=[issued.number])).content)
    assert check.genuine and check.version == 2


@pytest.mark.parametrize("with_ofd", [False, True])
def test_the_zip_holds_the_ofds_when_asked(as_user, issued, hubei_institution_user, with_ofd):
    url = reverse("issued:index") + "?export=zip" + ("&ofd=1" if with_ofd else "")
    if with_ofd:
        tasks.render_ofd(issued.pk)
    response = as_user(hubei_institution_user).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = sorted(archive.namelist())
    assert [n.rsplit(".", 1)[1] for n in names] == (["ofd", "pdf"] if with_ofd else ["pdf"])
    if with_ofd:
        assert ofd_check(archive.read(names[0])).genuine and names[0].startswith(issued.number)


def test_the_zip_waits_for_ofds_not_made_yet(as_user, issued, org_a_user, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.render_ofd, "delay", queued.append)
    client = as_user(org_a_user)
    response = client.get(reverse("issued:index") + "?export=zip&ofd=1")
    assert response.status_code == 202 and "OFD 版式文件正在生成" in response.content.decode() and queued == [issued.pk]
    tasks.render_ofd(issued.pk)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("issued:index") + "?export=zip&ofd=1").content))
    assert sorted(n.rsplit(".", 1)[1] for n in archive.namelist()) == ["ofd", "pdf"]


def test_the_zip_with_ofds_is_refused_where_the_zip_is(as_user, issued, hubei_user, hubei_alliance_user, ministry_user,
                                                        shandong_institution_user):
    for refused in (hubei_user, hubei_alliance_user, ministry_user):  # the files print full ID numbers
        assert as_user(refused).get(reverse("issued:index") + "?export=zip&ofd=1").status_code == 403
    empty = as_user(shandong_institution_user).get(reverse("issued:index") + "?export=zip&ofd=1")
    assert zipfile.ZipFile(io.BytesIO(empty.content)).namelist() == []
    assert IssuedCertificate.objects.get(pk=issued.pk).ofd == ""


def test_the_schema_documents_the_ofd_download(client):
    schema = client.get("/api/schema/?format=json").json()
    responses = schema["paths"]["/api/v1/certificates/{number}/ofd"]["get"]["responses"]
    assert "application/ofd" in responses["200"]["content"] and "202" in responses
