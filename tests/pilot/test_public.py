"""The front door (issue 17, item 1): the public home at "/" for visitors, its footer and site map,
the orgs' public status list, and public pages that shared caches may keep (never a personal one)."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.scoping import actor_for
from core.uploads import check_document
from fees import services as fee_services
from fees.caps import caps_ensure
from organizations.supervision import services as supervision_services
from pilot import services as notice_services
from pilot.demo.notices import NOTICES, seed_notices
from pilot.models import Notice, NoticeAttachment
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(ministry_user):
    ministry = actor_for(ministry_user)
    notice_services.notice_create(actor=ministry, title="关于做好2020年下半年1+X证书制度试点工作的通知",
                                  body="各省级教育行政部门：……", category=Notice.Category.NOTICE)
    notice_services.notice_create(actor=ministry, title="职业技能等级证书编码规则（试行）", body="证书编码规则。",
                                  category=Notice.Category.POLICY, document_number="教职所〔2020〕1号")
    notice_services.notice_create(actor=ministry, title="尚未发布的草稿", body="草稿。", category=Notice.Category.NOTICE,
                                  publish=False)


def test_visitors_get_the_public_home(client, published, org_a):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("通知公告", "政策文件", "正在报名的考核", "职业技能等级证书目录", "培训评价组织", "核定的考核收费标准",
                    "证书查验", "投诉举报"):
        assert heading in page, heading
    assert "关于做好2020年下半年1+X证书制度试点工作的通知" in page and "证书编码规则" in page
    assert "尚未发布的草稿" not in page and "Web前端开发" in page
    for link in ("/verify/", "/catalog/", "/assessments/open/", "/fees/standards/", "/orgs/complaints/new/",
                 "/orgs/status/", "/sitemap/"):
        assert f'href="{link}' in page, link


def test_the_public_home_is_cacheable_and_carries_nothing_personal(client):
    response = client.get("/")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response["Vary"].split(",")}
    assert not response.cookies and "csrfmiddlewaretoken" not in response.content.decode()


def test_signed_in_users_keep_their_workbench(as_user, hubei_institution_user):
    client = as_user(hubei_institution_user)
    home = client.get("/")
    assert "待办事项" in home.content.decode() and "public" not in home.get("Cache-Control", "")
    assert "待办事项" in client.get("/workbench/").content.decode()
    portal = client.get("/portal/")
    assert 'href="/workbench/"' in portal.content.decode() and "private" in portal["Cache-Control"]


def test_the_orgs_status_with_its_date_is_public(client, ministry_user, org_a, org_b):
    supervision_services.org_action_record(actor=actor_for(ministry_user), org=org_b, kind="yellow_card",
                                           reason="未按期开展师资培训")
    org_b.refresh_from_db()
    page = client.get("/").content.decode()
    assert "乙培训评价组织" in page and timezone.localdate(org_b.status_changed_at).isoformat() in page
    listing = client.get("/orgs/status/?status=yellow_card")
    assert listing.status_code == 200 and [o.pk for o in listing.context["page"]] == [org_b.pk]
    everyone = client.get("/orgs/status/").content.decode()
    assert "甲培训评价组织" in everyone and "试点中" in everyone
    assert org_a.credit_code not in everyone  # public facts only, not the registry record
    assert "public" in listing["Cache-Control"]


def test_fee_standards_in_force_are_summed_up_per_province(client, org_a_user, hubei_user, org_a, hubei):
    caps_ensure()
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    version = fee_services.fee_proposal_submit(
        actor=actor_for(org_a_user), certificate=certificate, level="junior", province=hubei,
        items={"question_bank": ("150", "题库测算"), "exam_system": ("100.50", "系统测算")})
    fee_services.fee_version_verify(actor=actor_for(hubei_user), version=version,
                                    effective_from=datetime.date(2020, 9, 1))
    page = client.get("/").content.decode()
    assert 'href="/fees/standards/?province=42"' in page


def test_footer_shows_the_site_filings_only_when_set(client, settings):
    page = client.get("/").content.decode()
    assert "网站标识码" not in page and "ICP" not in page and "公网安备" not in page
    # 联系我们 is always in the footer (《政府网站发展指引》); without contacts configured it leads to the complaint entry.
    assert 'href="#contact">联系我们</a>' in page
    assert re.search(r'<p id="contact">联系我们：请通过<a href="/orgs/complaints/new/">投诉举报</a>页面留言。</p>', page)
    assert "主办单位：教育部职业教育与成人教育司" in page
    settings.SITE_IDENTIFIER = "bm05000001"
    settings.SITE_ICP_NUMBER = "京ICP备10028400号"
    settings.SITE_PSB_NUMBER = "京公网安备11040102700080号"
    settings.SITE_CONTACT_PHONE = "010-66096114"
    settings.SITE_SPONSOR = ""
    page = client.get("/sitemap/").content.decode()
    assert "网站标识码：bm05000001" in page and "京ICP备10028400号" in page and "https://beian.miit.gov.cn/" in page
    assert "code=11040102700080" in page and "联系我们：" in page and "010-66096114" in page
    assert "页面留言" not in page
    assert "联系我们：电话 010-66096114" in page  # no separator before the first contact
    assert "主办单位" not in page


def test_the_site_map_links_public_pages_that_open_without_signing_in(client):
    page = client.get("/sitemap/").content.decode()
    links = set(re.findall(r'<li><a href="([^"]+)"', page))
    assert {"/", "/notices/", "/catalog/", "/verify/", "/assessments/open/", "/orgs/status/", "/fees/standards/",
            "/orgs/complaints/new/"} <= {link.replace("/portal/", "/") for link in links}
    for link in links:
        assert client.get(link).status_code == 200, link


def test_english_public_home(client):
    client.get("/i18n/language/?language=en&next=/")
    page = client.get("/").content.decode()
    assert 'lang="en"' in page and "Notices" in page and "Policy document" in page
    main = page.split('<main id="main"', 1)[1].split("</main>")[0]
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<[^>]+>", "", main)), "Chinese left in the English home"


@pytest.mark.parametrize(("target", "expected"), [("/catalog/", "/catalog/"), ("https://evil.example/", "/"),
                                                  ("", "/")])
def test_display_settings_work_without_javascript(client, target, expected):
    response = client.get("/i18n/language/", {"language": "en", "next": target})
    assert response.status_code == 302 and response["Location"] == expected
    assert response.cookies["pilot_language"].value == "en"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "pilot_language" not in client.get("/i18n/language/", {"language": "xx"}).cookies
    large = client.get("/i18n/large-text/", {"on": "1", "next": "/"})
    assert large.cookies["pilot_large_text"].value == "1"
    assert 'class="large-text"' in client.get("/").content.decode()


def test_demo_notices_are_published_with_valid_attachments_and_seeding_twice_changes_nothing(client):
    seed_notices(None)
    first = list(Notice.objects.order_by("pk").values_list("pk", "title", "published_at"))
    files = list(NoticeAttachment.objects.order_by("pk").values_list("pk", "stored_name"))
    seed_notices(None)
    assert list(Notice.objects.order_by("pk").values_list("pk", "title", "published_at")) == first
    assert list(NoticeAttachment.objects.order_by("pk").values_list("pk", "stored_name")) == files
    assert len(first) == len(NOTICES) and len(files) == 2
    for attachment in NoticeAttachment.objects.all():
        content = attachment.file.read()
        checked = check_document(SimpleUploadedFile(attachment.original_name, content), max_bytes=1 << 20)
        assert checked.content_type == attachment.content_type
    page = client.get("/").content.decode()
    assert "职业技能等级证书编码规则（试行）" in page and "关于公布第四批职业教育培训评价组织和职业技能等级证书名单的通知" in page


def test_the_catalog_is_a_cacheable_public_page_too(client, org_a):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    for url in ("/catalog/", "/catalog/certificates/X10001/"):
        response = client.get(url)
        assert response.status_code == 200 and "public" in response["Cache-Control"], url


def test_the_fee_standards_and_the_privacy_notice_are_cacheable_public_pages(as_user, hubei_institution_user):
    for url in ("/fees/standards/", "/account/privacy/"):
        response = Client().get(url)
        assert response.status_code == 200 and "public" in response["Cache-Control"], url
        signed_in = as_user(hubei_institution_user).get(url)
        assert "private" in signed_in["Cache-Control"] and "public" not in signed_in["Cache-Control"], url
