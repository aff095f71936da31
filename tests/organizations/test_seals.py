"""E-seals: upload safety against real malicious samples made here, normalization, versions, and
the scoped views."""

import io
import os
import struct
import threading
import zipfile
import zlib

import pytest
from django.db import connection
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from accounts import personal_data
from accounts.models import AuditEntry
from accounts.scoping import actor_for
from core.errors import AppError, Forbidden
from organizations.orgs.models import Org
from organizations.seals import selectors
from organizations.seals.models import OrgSeal
from organizations.seals.services import org_seal_upload, seal_normalize, seal_target_px
from pilot.demo.orgs import SEALED_ORG, demo_seal_png, seed_orgs
from tests.organizations.factories import OrgFactory, image_bytes, seal_image, seal_upload
from tests.personas import sign_in

pytestmark = pytest.mark.django_db


def upload_as(user, org, upload, **kwargs):
    return org_seal_upload(actor=actor_for(user), org=org, upload=upload, **kwargs)


def png_with_text(text: str, *, compressed: bool = False) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text, zip=compressed)
    return image_bytes(seal_image(400, margin=40), pnginfo=info)


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's shape)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<html><script>alert(document.cookie)</script></html>")
    return buffer.getvalue()


SVG_WITH_SCRIPT = (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="400" '
                   b'height="400" onload="alert(1)"><script>alert(document.cookie)</script>'
                   b'<circle cx="200" cy="200" r="180" stroke="red" fill="none"/></svg>')
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."


def malicious_samples():
    seal_png = image_bytes(seal_image(400, margin=40))
    seal_jpg = image_bytes(seal_image(400, margin=40), "JPEG", quality=90)
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    samples = [
        ("svg-with-script", "seal.png", SVG_WITH_SCRIPT, "not_image"),
        ("pdf-renamed", "seal.png", PDF, "not_image"),
        ("png-with-zip-appended", "seal.png", seal_png + zip_bytes(), "polyglot"),
        ("png-with-html-appended", "seal.png", seal_png + b"<html><script>alert(1)</script></html>", "polyglot"),
        ("png-with-trailing-bytes", "seal.png", seal_png + b"\x01\x02\x03 trailing", "polyglot"),
        ("jpeg-with-zip-appended", "seal.jpg", seal_jpg + zip_bytes(), "polyglot"),
        ("png-script-in-text-chunk", "seal.png", png_with_text("<script>alert(1)</script>"), "polyglot"),
        ("png-script-in-compressed-text", "seal.png", png_with_text("<script>alert(1)</script>" + "x" * 2000,
                                                                    compressed=True), "polyglot"),
        ("exe-renamed-jpg", "seal.jpg", EXE, "executable"),
        ("gif-renamed", "seal.png", image_bytes(seal_image(400), "GIF"), "not_image"),
        ("three-megabytes", "seal.png", image_bytes(noise, compress_level=0), "file_too_large"),
        ("ten-by-ten", "seal.png", image_bytes(Image.new("RGB", (10, 10), "red")), "seal_too_small"),
        ("5000-square", "seal.png", image_bytes(Image.new("1", (5000, 5000), 1)), "image_too_large"),
        ("4100-by-1200", "seal.png", image_bytes(Image.new("1", (4100, 1200), 1)), "seal_too_large"),
        ("header-claims-100000-square", "seal.png", png_claiming_size(100_000, 100_000), "image_too_large"),
        ("empty", "seal.png", b"", "empty_file"),
    ]
    return [pytest.param(name, data, code, id=label) for label, name, data, code in samples]


@pytest.mark.parametrize(("name", "data", "code"), malicious_samples())
def test_malicious_and_unfit_uploads_are_refused_and_nothing_is_stored(org_a, org_a_user, settings, name, data, code):
    with pytest.raises(AppError) as refused:
        upload_as(org_a_user, org_a, seal_upload(name, data=data))
    assert refused.value.code == code
    assert refused.value.field == "file"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(refused.value.message))  # a Chinese message
    assert not OrgSeal.objects.exists()
    assert not AuditEntry.objects.filter(action="org.seal_uploaded").exists()
    assert not (settings.MEDIA_ROOT / "seals").exists() or not any((settings.MEDIA_ROOT / "seals").iterdir())


def test_a_script_in_a_compressed_text_chunk_is_found_although_its_bytes_do_not_show_it(org_a, org_a_user):
    data = png_with_text("<script>alert(1)</script>" + "x" * 2000, compressed=True)
    assert b"ztxt" in data.lower() and b"<script" not in data.lower()
    with pytest.raises(AppError) as refused:
        upload_as(org_a_user, org_a, seal_upload(data=data))
    assert refused.value.code == "polyglot"


@pytest.mark.parametrize(("image", "code"), [
    (Image.new("RGB", (600, 600), "white"), "seal_empty"),
    (Image.new("RGBA", (600, 600), (0, 0, 0, 0)), "seal_empty"),
    (Image.new("RGB", (600, 600), (30, 30, 30)), "seal_background"),
    (seal_image(1200, margin=560), "seal_too_small"),  # 80 px of seal in a large blank image
])
def test_images_without_a_usable_seal_are_refused(org_a, org_a_user, image, code):
    with pytest.raises(AppError) as refused:
        upload_as(org_a_user, org_a, seal_upload(data=image_bytes(image)))
    assert refused.value.code == code


def test_a_banner_shaped_image_is_not_a_seal(org_a, org_a_user):
    from PIL import ImageDraw

    banner = Image.new("RGB", (1200, 400), "white")
    ImageDraw.Draw(banner).rectangle((100, 100, 1100, 300), fill=(214, 25, 32))
    with pytest.raises(AppError) as refused:
        upload_as(org_a_user, org_a, seal_upload(data=image_bytes(banner)))
    assert refused.value.code == "seal_aspect"


# --- normalization -------------------------------------------------------------------------------

def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


def test_a_seal_on_white_paper_becomes_a_small_transparent_png_at_print_size():
    upload = seal_upload(data=image_bytes(seal_image(1600, margin=300)))
    normalized = seal_normalize(upload)
    image = decoded(normalized.png)
    assert seal_target_px(40) == 472
    assert (normalized.width, normalized.height) == image.size
    assert max(image.size) == 472 and abs(image.width - image.height) <= 2  # trimmed to the seal, then resized
    assert len(normalized.png) < 40 * 1024
    rgba = image.convert("RGBA")
    assert rgba.getpixel((0, image.height // 2))[3] > 200  # the ring touches the trimmed edge
    assert rgba.getpixel((image.width // 4, image.height // 4))[3] == 0  # white paper became transparent
    red, green, blue, alpha = rgba.getpixel((image.width // 2, image.height // 2))  # the star
    assert alpha > 240 and red > 180 and green < 60 and blue < 70


def test_a_jpeg_photo_of_a_seal_is_normalized_the_same_way():
    jpeg = image_bytes(seal_image(1000, margin=150), "JPEG", quality=80)
    normalized = seal_normalize(seal_upload("seal.jpg", data=jpeg, content_type="image/jpeg"))
    image = decoded(normalized.png).convert("RGBA")
    assert max(image.size) == 472
    assert image.getpixel((image.width // 4, image.height // 4))[3] == 0
    assert len(normalized.png) < 40 * 1024


def test_existing_transparency_is_preserved():
    source = seal_image(800, transparent=True, margin=100)
    source.putpixel((400, 150), (214, 25, 32, 128))  # a half-transparent pixel inside the seal
    normalized = seal_normalize(seal_upload(data=image_bytes(source)), printed_mm=30)
    image = decoded(normalized.png).convert("RGBA")
    assert max(image.size) == seal_target_px(30) == 354
    assert image.getpixel((image.width // 4, image.height // 4))[3] == 0
    assert image.getpixel((image.width // 2, image.height // 2))[3] > 240
    histogram = image.getchannel("A").histogram()
    assert sum(histogram[1:255]) > 0  # soft edges survive


def test_a_small_seal_is_trimmed_but_not_enlarged_and_metadata_is_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "scanner 3000")
    normalized = seal_normalize(seal_upload(data=image_bytes(seal_image(300, margin=20), pnginfo=info)))
    image = decoded(normalized.png)
    assert 259 <= max(image.size) <= 262  # the 260 px seal, not enlarged to 472
    assert "Author" not in image.info and b"scanner" not in normalized.png


def test_the_demo_seal_is_drawn_and_normalized():
    normalized = seal_normalize(seal_upload(data=demo_seal_png("北京新奥时代科技有限责任公司")))
    assert normalized.width == normalized.height == 472
    assert 2 * 1024 < len(normalized.png) < 60 * 1024


# --- versions ------------------------------------------------------------------------------------

def test_each_upload_is_a_new_version_and_old_versions_stay(org_a, org_a_user, org_b):
    assert selectors.org_seal_current(org_a) is None
    first = upload_as(org_a_user, org_a, seal_upload())
    second = upload_as(org_a_user, org_a, seal_upload(data=image_bytes(seal_image(900, margin=50), "JPEG")),
                       printed_mm=42)
    assert (first.version, second.version) == (1, 2)
    assert selectors.org_seal_current(org_a) == second
    assert selectors.org_seal_get(org_a, 1) == first
    assert first.file.open("rb").read(8) == b"\x89PNG\r\n\x1a\n"  # an old version's file is kept
    assert (second.printed_mm, max(second.width_px, second.height_px)) == (42, seal_target_px(42))
    with pytest.raises(OrgSeal.DoesNotExist):
        selectors.org_seal_get(org_a, 3)
    with pytest.raises(OrgSeal.DoesNotExist):
        selectors.org_seal_get(org_b, 1)
    entries = AuditEntry.objects.filter(action="org.seal_uploaded").order_by("pk")
    assert [e.changes["seal_version"] for e in entries] == [[None, 1], [1, 2]]
    assert all(e.object_id == str(org_a.pk) for e in entries)


@pytest.mark.parametrize("persona", ["ministry_user", "org_b_user", "hubei_user", "student_user"])
def test_only_the_org_itself_uploads_its_seal(request, org_a, persona):
    with pytest.raises(Forbidden):
        upload_as(request.getfixturevalue(persona), org_a, seal_upload())
    assert not OrgSeal.objects.exists()


def test_the_printed_size_must_be_plausible(org_a, org_a_user):
    with pytest.raises(AppError) as refused:
        upload_as(org_a_user, org_a, seal_upload(), printed_mm=400)
    assert refused.value.field == "printed_mm"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_uploads_get_consecutive_versions(org_a, org_a_user):
    barrier = threading.Barrier(3)
    versions, errors = [], []
    payload = image_bytes(seal_image(500, margin=50))

    def upload():
        try:
            barrier.wait()
            versions.append(upload_as(org_a_user, org_a, seal_upload(data=payload)).version)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(versions) == [1, 2, 3]


# --- views ---------------------------------------------------------------------------------------

def test_an_org_user_uploads_through_the_form(as_user, org_a, org_a_user):
    client = as_user(org_a_user)
    page = client.get(f"/orgs/{org_a.pk}/seal/upload/").content.decode()
    assert 'accept="image/png,image/jpeg"' in page and 'enctype="multipart/form-data"' in page
    response = client.post(f"/orgs/{org_a.pk}/seal/upload/", {"file": seal_upload(), "printed_mm": "40"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/orgs/{org_a.pk}/"
    page = response.content.decode()
    assert "电子公章已上传（第 1 版）" in page
    assert f"/orgs/{org_a.pk}/seal/v1/" in page and "的电子公章（第 1 版）" in page


def test_a_disguised_file_is_refused_on_the_form_with_a_message(as_user, org_a, org_a_user):
    response = as_user(org_a_user).post(f"/orgs/{org_a.pk}/seal/upload/",
                                        {"file": seal_upload("seal.jpg", data=EXE), "printed_mm": "40"})
    assert response.status_code == 200
    assert "是可执行程序，不允许上传" in response.context["form"].errors["file"][0]
    assert not OrgSeal.objects.exists()


def test_the_ministry_cannot_upload_an_orgs_seal(as_user, org_a, ministry_user):
    client = as_user(ministry_user)
    assert client.get(f"/orgs/{org_a.pk}/seal/upload/").status_code == 403
    assert client.post(f"/orgs/{org_a.pk}/seal/upload/", {"file": seal_upload(), "printed_mm": "40"}).status_code == 403
    assert not OrgSeal.objects.exists()


@pytest.mark.parametrize("persona", ["org_b_user", "hubei_user", "hubei_agency_user", "hubei_institution_user",
                                     "hubei_alliance_user", "student_user"])
def test_other_scopes_cannot_reach_an_orgs_seal(request, as_user, org_a, org_a_user, persona):
    upload_as(org_a_user, org_a, seal_upload())
    client = as_user(request.getfixturevalue(persona))
    for url in [f"/orgs/{org_a.pk}/seal/upload/", f"/orgs/{org_a.pk}/seal/current/", f"/orgs/{org_a.pk}/seal/v1/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/orgs/{org_a.pk}/seal/upload/", {"file": seal_upload()}).status_code == 404
    assert OrgSeal.objects.count() == 1


def test_seal_files_are_served_to_the_org_and_the_ministry_only(as_user, client, org_a, org_a_user, ministry_user):
    upload_as(org_a_user, org_a, seal_upload())
    upload_as(org_a_user, org_a, seal_upload(data=image_bytes(seal_image(700, margin=60))))
    for user in (org_a_user, ministry_user):
        c = as_user(user)
        current = c.get(f"/orgs/{org_a.pk}/seal/current/")
        assert current.status_code == 200 and current["Content-Type"] == "image/png"
        assert current["X-Content-Type-Options"] == "nosniff" and current["Cache-Control"].startswith("private")
        assert b"".join(current.streaming_content) == selectors.org_seal_get(org_a, 2).file.open("rb").read()
        old = c.get(f"/orgs/{org_a.pk}/seal/v1/")
        assert b"".join(old.streaming_content) == selectors.org_seal_get(org_a, 1).file.open("rb").read()
        assert c.get(f"/orgs/{org_a.pk}/seal/v7/").status_code == 404
    client.logout()
    for url in [f"/orgs/{org_a.pk}/seal/current/", f"/orgs/{org_a.pk}/seal/v1/", f"/orgs/{org_a.pk}/seal/upload/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_no_seal_yet_is_a_404(as_user, org_a, org_a_user):
    assert as_user(org_a_user).get(f"/orgs/{org_a.pk}/seal/current/").status_code == 404


def test_demo_orgs_get_codes_and_the_web_org_one_seal_however_often_it_runs():
    sealed, other = OrgFactory(name=SEALED_ORG, code=None), OrgFactory(code=None)
    seed_orgs(io.StringIO())
    seed_orgs(io.StringIO())
    assert sorted(Org.objects.values_list("code", flat=True)) == ["0001", "0002"]
    assert list(OrgSeal.objects.values_list("org__name", "version")) == [(SEALED_ORG, 1)]
    assert selectors.org_seal_current(other) is None
    assert selectors.org_seal_current(sealed).size < 60 * 1024


def test_a_seal_image_missing_on_disk_is_a_clear_410_on_the_page_and_the_api(as_user, org_a_user, org_a):
    from rest_framework.test import APIClient

    from tests.certificates.factories import seal_for
    from tests.personas import sign_in

    seal = seal_for(org_a)
    seal.file.storage.delete(seal.file.name)
    page = as_user(org_a_user).get(f"/orgs/{org_a.pk}/seal/current/")
    assert page.status_code == 410 and "文件在服务器上缺失" in page.content.decode()
    api = sign_in(APIClient(), org_a_user).get(f"/api/v1/orgs/{org_a.pk}/seals/current")
    assert api.status_code == 410 and api.json()["code"] == "file_missing"
def test_seal_images_are_shown_only_through_the_policy(as_user, org_a, org_a_user, ministry_user, monkeypatch):
    """Seal files and the profile's seal panel follow accounts.personal_data: with the policy showing
    seals to the ministry alone, the org itself gets 404 on its seal files and no seal panel."""
    upload_as(org_a_user, org_a, seal_upload())
    monkeypatch.setitem(personal_data.POLICY, personal_data.Field.SEAL,
                        {personal_data.Relation.MINISTRY: personal_data.Shown.FULL})
    org = as_user(org_a_user)
    assert org.get(f"/orgs/{org_a.pk}/seal/current/").status_code == 404
    assert org.get(f"/orgs/{org_a.pk}/seal/v1/").status_code == 404
    page = org.get(f"/orgs/{org_a.pk}/").content.decode()
    assert org_a.name in page and "电子公章版本" not in page and f"/orgs/{org_a.pk}/seal/v1/" not in page
    assert org.get(f"/api/v1/orgs/{org_a.pk}/seals/current").status_code == 404
    assert as_user(ministry_user).get(f"/orgs/{org_a.pk}/seal/current/").status_code == 200


def test_a_read_only_role_gets_403_on_the_seal_upload_page_and_api(as_user, org_a, ministry_user):
    assert as_user(ministry_user).post(f"/orgs/{org_a.pk}/seal/upload/", {"file": seal_upload()}).status_code == 403
    api = sign_in(APIClient(), ministry_user)
    assert api.post(f"/api/v1/orgs/{org_a.pk}/seals", {"file": seal_upload()}, format="multipart").status_code == 403
    assert not OrgSeal.objects.exists()


def test_a_seal_file_is_named_in_the_readers_language(as_user, org_a, org_a_user):
    """Saved from the browser, the image is named as every download is (core.exports.export_filename):
    the org's seal and the day it was uploaded, not 'seal-<code>-v1'."""
    from urllib.parse import unquote

    from django.utils import timezone

    upload_as(org_a_user, org_a, seal_upload())
    disposition = as_user(org_a_user).get(f"/orgs/{org_a.pk}/seal/current/")["Content-Disposition"]
    name = unquote(disposition.split("filename*=utf-8''")[-1].split("UTF-8''")[-1])
    assert name == f"{org_a.name}电子公章-{timezone.localdate():%Y%m%d}.png", disposition
