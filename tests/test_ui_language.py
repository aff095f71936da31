"""English and raw values in the Chinese UI (issue 16): the cases the issue names, one by one.
The sweep over every page is tests/test_language_sweep.py."""

import datetime
from urllib.parse import unquote

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.scoping import actor_for
from core.exports import export_filename
from tests.accounts.factories import valid_id_number
from tests.assessments.factories import SessionFactory, SiteFactory, pipeline_candidate
from tests.certificates.factories import certificate_with_levels, seal_for

pytestmark = pytest.mark.django_db


def _password_errors(password, language):
    with translation.override(language):
        try:
            validate_password(password)
        except ValidationError as error:
            return error.messages
    return []


def test_password_errors_are_chinese_and_english_in_english():
    # Django 5.2 reworded the length message; its Chinese catalog only knows the old wording.
    assert "密码太短，至少需要 10 个字符。" in _password_errors("Ab1!", "zh-hans")
    assert "This password is too short. It must contain at least 10 characters." in _password_errors("Ab1!", "en")
    with translation.override("zh-hans"):
        assert "密码至少需要 10 个字符。" in password_validators_help_texts()


def test_activation_page_says_why_a_password_is_refused_in_chinese(client, ministry_user, hubei):
    _user, code = services.user_create(actor=actor_for(ministry_user), username="hb_new", full_name="张红",
                                       role="province", province=hubei)
    page = client.post("/account/activate/", {"username": "hb_new", "code": code, "password": "Ab1!x",
                                              "password2": "Ab1!x"}).content.decode()
    assert "密码太短，至少需要 10 个字符。" in page and "too short" not in page


def test_catalog_sort_options_are_in_the_readers_language(client, org_a):
    certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    page = client.get("/catalog/").content.decode()
    assert "证书代码（降序）" in page and "descending" not in page
    client.cookies["pilot_language"] = "en"
    page = client.get("/catalog/").content.decode()
    assert "Certificate code (descending)" in page and "降序" not in page


def test_export_names_are_title_day_extension():
    day = datetime.date(2026, 12, 5)
    assert export_filename("全国试点总览-合格未发证", "xlsx", day=day) == "全国试点总览-合格未发证-20261205.xlsx"
    # A title that already carries the extension keeps one; a slash does not make a folder.
    assert export_filename("合格未发证.xlsx", "xlsx", day=day) == "合格未发证-20261205.xlsx"
    assert export_filename("证书/对象", "pdf", day=day) == "证书-对象-20261205.pdf"


def _download_name(response):
    return unquote(response["Content-Disposition"].split("UTF-8''", 1)[1])


def test_dashboard_exports_are_named_in_chinese(as_user, ministry_user):
    client = as_user(ministry_user)
    name = _download_name(client.get(reverse("pilot:dashboard_export", args=["waiting"])))
    assert name.startswith("全国试点总览-合格未发证原因与等待时间-") and name.endswith(".xlsx")
    assert "waiting" not in name and name.count(".xlsx") == 1
    name = _download_name(client.get(reverse("pilot:dashboard_list_export", args=["registered"]) + "?province=42"))
    assert name.count(".xlsx") == 1


def test_issuance_batches_are_named_by_date_site_and_level(as_user, org_a, org_a_user, hubei):
    seal_for(org_a)
    certificate = certificate_with_levels(org=org_a, name="Web前端开发")
    registration = pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2026, 10, 12),
                                      issuance="pending")
    page = as_user(org_a_user).get(reverse("issued:batches")).content.decode()
    assert f"2026-10-12 {registration.session.site.name}（初级）" in page
    assert f"<td>{registration.session_id}</td>" not in page


def test_a_single_registration_shows_no_file_row(as_user, org_a, hubei, hubei_institution, hubei_institution_user):
    certificate = certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")
    session = SessionFactory(certificate=certificate, site=SiteFactory(org=org_a, province=hubei, code="0001"),
                             date=datetime.date.today() + datetime.timedelta(days=7), capacity=30)
    response = as_user(hubei_institution_user).post(
        reverse("assessments:registration_create", args=[session.pk]),
        {"name": "单报名", "id_type": "resident_id", "id_number": valid_id_number(datetime.date(2003, 3, 1)),
         "major_name": "软件技术", "major_code": "510203"})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="activation-codes"' in page
    assert "文件行号" not in page and "单报名" in page
