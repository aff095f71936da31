"""Destructive actions are confirmed on a page the portal renders: it states in Chinese what will
happen, works without JavaScript, and only the confirmation acts."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from assessments.models import Filing
from tests.assessments.factories import FilingFactory
from tests.certificates.factories import certificate_with_levels

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing(hubei_institution, org_a):
    return FilingFactory(institution=hubei_institution, certificate=certificate_with_levels(org=org_a, name="Web前端开发"))


def test_the_detail_page_asks_for_the_confirmation_step_not_the_browsers(as_user, hubei_user, filing):
    page = as_user(hubei_user).get(f"/assessments/filings/{filing.pk}/").content.decode()
    assert f'action="/assessments/filings/{filing.pk}/withdraw/?confirm=1"' in page
    assert "data-confirm" not in page


def test_withdrawing_a_filing_happens_only_after_the_confirmation_page(as_user, hubei_user, filing):
    client = as_user(hubei_user)
    asked = client.post(f"/assessments/filings/{filing.pk}/withdraw/?confirm=1", {"reason": "院校退出试点"})
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "<h1 id=\"confirm-h\">撤回备案</h1>" in page
    assert "确认后将会：" in page and "该备案将被撤回，不再计入统计；如需恢复，须重新备案。" in page
    assert f"{filing.institution.name} · Web前端开发" in page
    assert f'<form method="post" action="/assessments/filings/{filing.pk}/withdraw/">' in page
    assert '<input type="hidden" name="reason" value="院校退出试点">' in page
    assert f'href="/assessments/filings/{filing.pk}/"' in page  # 取消，不执行
    filing.refresh_from_db()
    assert filing.withdrawn_at is None  # asking changed nothing

    confirmed = client.post(f"/assessments/filings/{filing.pk}/withdraw/", {"reason": "院校退出试点"})
    assert confirmed.status_code == 302
    filing.refresh_from_db()
    assert filing.withdrawn_at is not None and filing.withdrawal_reason == "院校退出试点"


def test_another_province_gets_no_confirmation_page(as_user, shandong_user, filing):
    response = as_user(shandong_user).post(f"/assessments/filings/{filing.pk}/withdraw/?confirm=1", {"reason": "x"})
    assert response.status_code == 404
    assert Filing.objects.get(pk=filing.pk).withdrawn_at is None


def test_a_reader_who_may_not_disable_an_account_gets_no_confirmation_page(as_user, hubei_user, ministry_user):
    response = as_user(hubei_user).post(f"/account/users/{ministry_user.pk}/action/?confirm=1", {"action": "disable"})
    assert response.status_code in (403, 404)


def test_disabling_an_account_is_confirmed_first(as_user, ministry_user, hubei_user):
    client = as_user(ministry_user)
    page = client.get(f"/account/users/{hubei_user.pk}/").content.decode()
    assert f'formaction="/account/users/{hubei_user.pk}/action/?confirm=1"' in page
    asked = client.post(f"/account/users/{hubei_user.pk}/action/?confirm=1", {"action": "disable"}).content.decode()
    assert "该账户将被停用，持有人不能再登录，直到重新启用。" in asked
    assert '<input type="hidden" name="action" value="disable">' in asked
    hubei_user.refresh_from_db()
    assert hubei_user.is_active
    client.post(f"/account/users/{hubei_user.pk}/action/", {"action": "disable"})
    hubei_user.refresh_from_db()
    assert not hubei_user.is_active


def test_no_page_or_script_uses_the_browsers_confirm():
    roots = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "static"]
    offenders = [str(path) for root in roots for path in root.rglob("*") if path.suffix in (".html", ".js")
                 and re.search(r"data-confirm|\bconfirm\(", path.read_text(encoding="utf-8"))]
    assert offenders == []
