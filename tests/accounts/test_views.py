import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEntry, User
from tests.accounts.factories import UserFactory
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_login_page_is_chinese_by_default(client):
    response = client.get("/account/login/")
    assert response.status_code == 200
    assert "用户登录" in text(response) and 'lang="zh-hans"' in text(response)


def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/account/login/"})
    assert 'lang="en"' in text(client.get("/account/login/"))


def test_wrong_password_gets_a_clear_chinese_message(client, hubei_institution_user):
    response = client.post("/account/login/", {"username": "whvc", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in text(response)


def test_locked_account_says_so(client, hubei_institution_user, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client.post("/account/login/", {"username": "whvc", "password": "nope"})
    response = client.post("/account/login/", {"username": "whvc", "password": "nope"})
    assert "已锁定" in text(response)
    response = client.post("/account/login/", {"username": "whvc", "password": PASSWORD})
    assert "锁定" in text(response) and "_auth_user_id" not in client.session


def test_a_throttled_sign_in_is_a_429_with_retry_after(client, hubei_institution_user, settings):
    settings.LOGIN_MAX_PER_ADDRESS = 1
    assert client.post("/account/login/", {"username": "whvc", "password": "nope"}).status_code == 200
    refused = client.post("/account/login/", {"username": "whvc", "password": PASSWORD})
    assert refused.status_code == 429 and "登录失败次数过多" in text(refused)
    assert 1 <= int(refused["Retry-After"]) <= 600 and "_auth_user_id" not in client.session


def test_expired_session_sends_back_to_login_with_a_message(client, hubei_institution_user):
    # "/" is the public home for visitors (issue 17); the workbench behind it asks to sign in.
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/?next=/workbench/")
    assert "登录已超时" in text(client.get(response["Location"]))


def test_successful_login_without_second_factor_role(client, hubei_institution_user):
    response = client.post("/account/login/", {"username": "whvc", "password": PASSWORD, "next": "/notices/"})
    assert response.status_code == 302 and response["Location"] == "/notices/"


def test_login_refuses_an_offsite_next(client, hubei_institution_user):
    response = client.post("/account/login/", {"username": "whvc", "password": PASSWORD,
                                               "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_ministry_must_pass_the_second_factor(client, ministry_user):
    client.post("/account/login/", {"username": "moe", "password": PASSWORD})
    response = client.get("/account/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/")
    device = TOTPDevice.objects.get(user=ministry_user)
    wrong = client.post("/account/2fa/", {"token": "000000"})
    assert "验证码不正确" in text(wrong)
    throttled = client.post("/account/2fa/", {"token": "000000"})  # throttled after a failure
    assert "等待" in text(throttled) and throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1
    device.refresh_from_db()
    device.throttle_reset()
    token = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    response = client.post("/account/2fa/?next=/account/audit/", {"token": token, "next": "/account/audit/"})
    assert response.status_code == 302 and response["Location"] == "/account/audit/"
    assert client.get("/account/audit/").status_code == 200


def test_first_sign_in_enrols_a_totp_device(client, hubei):
    from tests.accounts.factories import bind

    user = UserFactory(username="newprov")
    bind(user, "province", province=hubei)
    client.post("/account/login/", {"username": "newprov", "password": PASSWORD})
    page = client.get("/account/2fa/")
    assert "扫描下方二维码" in text(page) and "data:image/svg+xml;base64," in text(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    token = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    assert client.post("/account/2fa/", {"token": token}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="account.2fa_enrolled", object_id=str(user.pk)).exists()


def test_session_api_calls_also_need_the_second_factor(client, ministry_user):
    client.post("/account/login/", {"username": "moe", "password": PASSWORD})
    # No API endpoint yet belongs to the foundation; the permission itself is what is checked.
    from django.test import RequestFactory
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.request import Request

    from accounts.api_permissions import IsVerifiedUser

    raw = RequestFactory().get("/api/v1/x")
    raw.user = ministry_user
    raw.user.is_verified = lambda: False
    request = Request(raw)
    request._user = ministry_user
    request._authenticator = SessionAuthentication()
    assert IsVerifiedUser().has_permission(request, None) is False


def test_user_without_a_role_is_told_so(client):
    user = UserFactory(username="norole")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200 and "账户尚未分配角色" in text(response)


def test_province_asking_for_another_province_gets_404(as_user, hubei_user):
    client = as_user(hubei_user)
    assert client.get("/provinces/42/").status_code == 200
    response = client.get("/provinces/37/")
    assert response.status_code == 404 and "未找到" in text(response)


@pytest.mark.parametrize("persona", ["hubei_user", "hubei_institution_user", "org_a_user", "student_user"])
@pytest.mark.parametrize("url", ["/account/audit/", "/provinces/", "/account/users/new/", "/notices/new/"])
def test_non_ministry_users_are_refused_ministry_pages(request, as_user, persona, url):
    response = as_user(request.getfixturevalue(persona)).get(url)
    assert response.status_code == 403
    assert "无权" in text(response)


@pytest.mark.parametrize("persona", ["hubei_institution_user", "org_a_user", "student_user"])
def test_non_managers_cannot_list_accounts(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get("/account/users/").status_code == 403


def test_non_superusers_cannot_use_django_admin(as_user, ministry_user):
    response = as_user(ministry_user).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_ministry_creates_a_province_account_and_sees_the_code_once(as_user, ministry_user, hubei):
    client = as_user(ministry_user)
    response = client.post("/account/users/new/", {"username": "hb_new", "full_name": "张红", "role": "province",
                                                   "province": "42", "email": "", "phone": ""})
    assert response.status_code == 200 and "代码只显示这一次" in text(response)
    user = User.objects.get(username="hb_new")
    assert not user.is_active
    listing = client.get("/account/users/")
    assert "hb_new" in text(listing)


def test_province_account_without_province_is_refused(as_user, ministry_user):
    response = as_user(ministry_user).post("/account/users/new/", {"username": "x", "full_name": "某", "role": "province"})
    assert "省级账户必须选择省份" in text(response)
    assert not User.objects.filter(username="x").exists()


def test_province_manages_only_its_institutions_accounts(as_user, hubei_user, hubei_institution_user,
                                                          shandong_institution_user):
    client = as_user(hubei_user)
    listing = text(client.get("/account/users/"))
    assert "whvc" in listing and "sdjt" not in listing
    assert client.get(f"/account/users/{shandong_institution_user.pk}/").status_code == 404
    response = client.post(f"/account/users/{hubei_institution_user.pk}/action/", {"action": "activation_code"})
    assert "一次性代码" in text(response)


def test_activation_page_sets_password(client, ministry_user, hubei):
    from accounts import services
    from accounts.scoping import actor_for

    _user, code = services.user_create(actor=actor_for(ministry_user), username="hb_new", full_name="张红",
                                       role="province", province=hubei)
    bad = client.post("/account/activate/", {"username": "hb_new", "code": code, "password": "short",
                                             "password2": "short"})
    assert bad.status_code == 200 and "密码" in text(bad)
    response = client.post("/account/activate/", {"username": "hb_new", "code": code,
                                                  "password": "Hubei-2026-ok", "password2": "Hubei-2026-ok"})
    assert response.status_code == 302


def test_audit_log_filters_and_exports(as_user, ministry_user, hubei):
    from accounts.audit import audit_log

    audit_log(actor=None, action="fee.verified", object_type="fee", object_id="1", object_repr="湖北 Web前端", province=hubei)
    audit_log(actor=None, action="org.yellow_card", object_type="org", object_id="2", object_repr="某组织")
    client = as_user(ministry_user)
    page = text(client.get("/account/audit/?action=fee.verified"))
    assert "湖北 Web前端" in page and "某组织" not in page
    export = client.get("/account/audit/?q=黄牌&export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][0] == "时间" and len(rows) == 2 and rows[1][3] == "黄牌警告"


def test_bad_audit_filter_is_an_empty_result_not_an_error(as_user, ministry_user):
    response = as_user(ministry_user).get("/account/audit/?date_from=notadate")
    assert response.status_code == 200


def test_role_switch_changes_the_workbench(as_user, hubei_user, shandong):
    from accounts.models import RoleBinding

    second = RoleBinding.objects.create(user=hubei_user, role="province_agency", province=shandong)
    client = as_user(hubei_user)
    assert "湖北省" in text(client.get("/"))
    client.post("/account/role/", {"binding": second.pk})
    page = text(client.get("/"))
    assert "省级试点工作指导协调机构 · 山东省" in page


def test_notifications_can_be_read(as_user, student_user):
    from accounts.services import notify

    notify(users=[student_user], kind="report.generated", params={"y": 2020, "m": 10})
    client = as_user(student_user)
    assert "2020年10月进展报告已生成" in text(client.get("/account/notifications/"))
    client.post("/account/notifications/read/", {})
    assert not student_user.notifications.filter(read_at__isnull=True).exists()


def test_phone_and_email_of_an_account_only_to_the_person_and_its_creator(as_user, ministry_user, hubei_user, hubei):
    """The personal-data policy on the account pages: another officer of the same ministry administers
    the account but does not see how to reach its holder."""
    from accounts import services
    from accounts.scoping import actor_for
    from tests.personas import make_persona

    managed, _code = services.user_create(actor=actor_for(ministry_user), username="hb_staff", full_name="张红",
                                          role="province", province=hubei, email="zhang.hong@example.cn",
                                          phone="13800138000")
    creator = text(as_user(ministry_user).get(f"/account/users/{managed.pk}/"))
    assert "zhang.hong@example.cn" in creator and "13800138000" in creator
    colleague = make_persona("ministry", username="moe_colleague")
    page = as_user(colleague).get(f"/account/users/{managed.pk}/")
    assert page.status_code == 200 and "zhang.hong@example.cn" not in text(page) and "13800138000" not in text(page)
    # A province administers its institutions' accounts; it sees their contacts only where it created them.
    institution = make_persona("institution", province=hubei, scope_id=1, username="inst_contact")
    institution.email, institution.phone = "office@school.example.cn", "02787654321"
    institution.save()
    assert "office@school.example.cn" not in text(as_user(hubei_user).get(f"/account/users/{institution.pk}/"))
    institution.created_by = hubei_user
    institution.save()
    assert "office@school.example.cn" in text(as_user(hubei_user).get(f"/account/users/{institution.pk}/"))


@pytest.mark.parametrize("persona,create,audit", [("ministry_user", True, True), ("hubei_user", False, False)])
def test_account_pages_offer_what_the_role_may_do(request, as_user, persona, create, audit):
    listing = text(as_user(request.getfixturevalue(persona)).get("/account/users/"))
    assert ("/account/users/new/" in listing) == create
    home = text(as_user(request.getfixturevalue(persona)).get("/"))
    assert ("/account/audit/" in home) == audit and "/account/users/" in home
