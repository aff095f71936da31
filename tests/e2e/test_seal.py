"""An org signs in, uploads its e-seal (a PNG drawn in the test) and sees it on its profile."""

import pytest
from playwright.sync_api import expect

from organizations.seals.models import OrgSeal
from tests.e2e.conftest import browser_login
from tests.organizations.factories import image_bytes, seal_image
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_org_uploads_its_seal_and_sees_it_on_its_profile(page, org_a, org_a_user):
    browser_login(page, org_a_user, PASSWORD)
    todo = page.get_by_role("link", name="上传电子公章")
    expect(todo).to_be_visible()  # the workbench asks for the missing seal

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="本组织").click()
    expect(page.get_by_role("heading", name=org_a.name, level=1)).to_be_visible()
    expect(page.locator(".seal-panel")).to_contain_text("尚未上传电子公章")
    page.get_by_role("link", name="上传电子公章").click()

    page.get_by_label("印章图片").set_input_files(files=[{
        "name": "公章.png", "mimeType": "image/png", "buffer": image_bytes(seal_image(900, margin=120))}])
    page.get_by_role("button", name="上传").click()

    expect(page.locator(".messages")).to_contain_text("电子公章已上传（第 1 版）")
    seal = page.get_by_role("img", name=f"{org_a.name}的电子公章（第 1 版）")
    expect(seal).to_be_visible()
    # The image really loaded through the scoped view (a broken image has no natural width).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=seal.element_handle())
    assert seal.evaluate("img => img.naturalWidth") == 472
    expect(page.locator(".seal-panel")).to_contain_text("印面直径 40 毫米")
    assert OrgSeal.objects.get(org=org_a).version == 1

    page.goto("/")
    expect(page.get_by_role("link", name="上传电子公章")).to_have_count(0)


def test_a_disguised_file_is_refused_in_the_browser(page, org_a, org_a_user):
    browser_login(page, org_a_user, PASSWORD)
    page.goto(f"/orgs/{org_a.pk}/seal/upload/")
    page.get_by_label("印章图片").set_input_files(files=[{
        "name": "seal.png", "mimeType": "image/png", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_role("alert").first).to_contain_text("不是 PNG 或 JPEG 图片")
    assert not OrgSeal.objects.exists()
