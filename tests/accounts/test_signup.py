"""Social learners sign themselves up (issue 17, item 2): the rules, the bad inputs, the limits,
and that the pages never tell whether an ID number or phone already had an account."""

import datetime
import http.server
import json
import re
import threading
import time

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.identity import gb11643_check_char
from accounts.models import ActivationCode, AuditEntry, Notification, Person, PhoneCode, RoleBinding, SignUp, User
from accounts.signup import services
from core import sms
from core.errors import AppError, Throttled
from tests.accounts.factories import PersonFactory, UserFactory, valid_id_number

PASSWORD = "Xuexi-2026-pilot"


@pytest.fixture(autouse=True)
def _outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def last_code(phone: str) -> str:
    texts = [m.text for m in sms.outbox if m.phone == phone]
    assert texts, f"no text to {phone}"
    match = re.search(r"验证码为 (\d{6})", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def form(**overrides) -> dict:
    data = {"name": "赵丽华", "id_type": "resident_id", "id_number": valid_id_number(), "phone": "13912345678",
            "password": PASSWORD, "password2": PASSWORD, "activation_code": "", "consent": "on"}
    data.update(overrides)
    return data


def start(**overrides) -> str:
    data = form(**overrides)
    return services.signup_start(name=data["name"], id_type=data["id_type"], id_number=data["id_number"],
                                 phone=data["phone"], password=data["password"], consent=bool(data["consent"]),
                                 activation_code=data["activation_code"], ip_address="10.0.0.1")


def nothing_saved():
    assert not SignUp.objects.exists() and not Person.objects.exists() and not User.objects.exists()
    assert sms.outbox == []


# --- the journey ---------------------------------------------------------------------------------

def test_a_new_learner_signs_up_and_the_account_opens_only_when_the_phone_is_proved(client, db):
    number = valid_id_number()[:-1]
    number += "x" if gb11643_check_char(number) == "X" else gb11643_check_char(number)
    response = client.post(reverse("accounts:signup"), form(id_number=number, phone="139 1234 5678"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup_verify")

    user = User.objects.get()
    assert not user.is_active and user.username == "13912345678"
    assert user.person.id_number == number.upper() and user.person.name == "赵丽华"
    assert RoleBinding.objects.filter(user=user, role="student").exists()
    sign_up = SignUp.objects.get()
    assert sign_up.notice_version == "2026-12-01" and sign_up.consented_at is not None
    assert sign_up.outcome == SignUp.Outcome.CREATED
    assert authenticate(username="13912345678", password=PASSWORD) is None  # inactive until proved

    page = client.get(reverse("accounts:signup_verify"))
    assert "139****5678" in page.content.decode()
    response = client.post(reverse("accounts:signup_verify"), {"code": last_code("13912345678")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.is_active and user.phone == "13912345678" and user.person.phone == "13912345678"
    assert client.post(reverse("accounts:login"), {"username": "13912345678", "password": PASSWORD}).status_code == 302
    assert AuditEntry.objects.filter(action="account.signed_up", object_id=str(user.pk)).exists()


def test_the_code_is_single_use(db):
    token = start()
    code = last_code("13912345678")
    services.signup_verify(token=token, code=code)
    with pytest.raises(AppError) as refused:
        services.signup_verify(token=token, code=code)
    assert "已完成" in str(refused.value.message)


def test_an_expired_code_is_refused_and_a_new_one_works(db):
    token = start()
    code = last_code("13912345678")
    PhoneCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(AppError) as refused:
        services.signup_verify(token=token, code=code)
    assert refused.value.message == "验证码已过期或已使用，请重新获取。"
    cache.clear()  # the minute between two codes has passed
    services.signup_code_resend(token=token)
    services.signup_verify(token=token, code=last_code("13912345678"))
    assert User.objects.get().is_active


def test_a_code_replaced_by_a_newer_one_is_refused_as_such_and_opens_nothing(client, db):
    client.post(reverse("accounts:signup"), form(phone="13900000081"))
    first = last_code("13900000081")
    _minute_passed("13900000081")
    client.post(reverse("accounts:signup_verify"), {"resend": "1"})
    newest = last_code("13900000081")
    if newest == first:
        pytest.skip("the two random codes happened to be equal")
    response = client.post(reverse("accounts:signup_verify"), {"code": first})
    assert response.status_code == 200 and "该验证码已失效" in response.content.decode()
    assert not User.objects.get().is_active and PhoneCode.objects.filter(wrong_tries=0, used_at__isnull=True).count() == 1
    response = client.post(reverse("accounts:signup_verify"), {"code": newest})
    assert response.status_code == 302 and User.objects.get().is_active
    # Sent again once the sign-up is complete: the same code opens nothing more.
    response = client.post(reverse("accounts:signup_verify"), {"code": newest})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup")
    assert User.objects.count() == 1


def test_wrong_codes_count_down_and_then_the_code_is_spent(db):
    token = start()
    good = last_code("13912345678")
    wrong = "000000" if good != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(AppError) as refused:
            services.signup_verify(token=token, code=wrong)
        assert f"还可再试 {left} 次" in str(refused.value.message)
    with pytest.raises(AppError):
        services.signup_verify(token=token, code=wrong)
    with pytest.raises(AppError) as refused:
        services.signup_verify(token=token, code=good)
    assert "输错次数过多" in str(refused.value.message)
    assert not User.objects.get().is_active


# --- bad input: a clear Chinese message, nothing saved ----------------------------------------------

def test_a_wrong_check_character_names_the_right_one(client, db):
    number = valid_id_number()
    right = number[-1]
    wrong = "0" if right != "0" else "1"
    response = client.post(reverse("accounts:signup"), form(id_number=number[:-1] + wrong))
    assert response.status_code == 200
    assert f"身份证号码校验位错误（按 GB 11643 应为 {right}）" in response.content.decode()
    nothing_saved()


def test_a_name_no_font_can_draw_is_refused_naming_the_character(client, db):
    response = client.post(reverse("accounts:signup"), form(name="王𪚥"))
    body = response.content.decode()
    assert "“𪚥”（U+2A6A5）" in body and "超出证书字体范围" in body
    nothing_saved()


def test_a_phone_of_the_wrong_shape(client, db):
    for phone in ("1391234567", "23912345678", "139123456789", "电话"):
        response = client.post(reverse("accounts:signup"), form(phone=phone))
        assert "请填写 11 位中国大陆手机号码" in response.content.decode(), phone
    nothing_saved()


def test_full_width_digits_and_country_code_are_understood(db):
    start(phone="＋86 １３９１２３４５６７８")
    assert User.objects.get().username == "13912345678"


def test_all_field_errors_are_shown_at_once_and_consent_is_required(client, db):
    response = client.post(reverse("accounts:signup"), form(phone="123", id_number="4201", password="short",
                                                            password2="short", consent=""))
    body = response.content.decode()
    assert "请填写 11 位中国大陆手机号码" in body and "身份证号码应为 18 位" in body
    assert "请阅读并同意《个人信息保护政策》" in body and "密码" in body
    nothing_saved()


def test_a_weak_password_is_explained_in_chinese(client, db):
    response = client.post(reverse("accounts:signup"), form(password="12345678", password2="12345678"))
    body = response.content.decode()
    assert "This password" not in body
    nothing_saved()


# --- who is already known: the same answer every time -------------------------------------------------

def _answer(client, data) -> tuple[int, str, str]:
    response = client.post(reverse("accounts:signup"), data)
    page = client.get(reverse("accounts:signup_verify"))
    text = re.sub(r"\d{3}\*{4}\d{4}", "PHONE", page.content.decode())
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return response.status_code, response.get("Location", ""), text


def test_an_id_number_that_already_has_an_account_gets_the_same_answer_and_its_owner_is_told(client, db):
    owner_person = PersonFactory(name="钱多多")
    owner = UserFactory(person=owner_person, phone="13700000001", username="qianduoduo")
    before_users = User.objects.count()

    fresh = _answer(client, form(phone="13900000002", id_number=valid_id_number()))
    client.cookies.clear()
    taken = _answer(client, form(name="钱多多", phone="13900000003", id_number=owner_person.id_number))
    assert fresh == taken

    assert User.objects.count() == before_users + 1  # only the fresh one
    assert Notification.objects.filter(user=owner, kind="account.signup_attempt").exists()
    assert any(m.phone == "13700000001" and "您的账户不受影响" in m.text for m in sms.outbox)
    # The one who tried can prove their phone, and the page says the same; no account comes of it.
    token = SignUp.objects.get(phone="13900000003")
    assert token.outcome == SignUp.Outcome.REFUSED and token.refusal == SignUp.Refusal.ID_TAKEN
    response = client.post(reverse("accounts:signup_verify"), {"code": last_code("13900000003")})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not User.objects.filter(username="13900000003").exists()


def test_a_phone_that_already_has_an_account_gets_a_notice_not_a_code(client, db):
    UserFactory(username="13800000009", phone="13800000009")
    taken = _answer(client, form(phone="13800000009"))
    client.cookies.clear()
    fresh = _answer(client, form(phone="13800000010"))
    assert taken == fresh
    texts = [m.text for m in sms.outbox if m.phone == "13800000009"]
    assert len(texts) == 1 and "本手机号已有账户" in texts[0] and "验证码" not in texts[0]
    assert User.objects.filter(person__isnull=False).count() == 1


def test_a_known_person_with_this_phone_on_file_claims_the_record(db):
    person = PersonFactory(name="孙一鸣", phone="13611112222")
    token = start(name="孙一鸣", id_number=person.id_number, phone="13611112222")
    services.signup_verify(token=token, code=last_code("13611112222"))
    assert Person.objects.count() == 1
    user = User.objects.get()
    assert user.person == person and user.is_active
    assert SignUp.objects.get().outcome == SignUp.Outcome.CLAIMED
    assert AuditEntry.objects.filter(action="account.claimed").exists()


def test_a_known_person_without_proof_is_not_claimed(db):
    person = PersonFactory(name="孙一鸣")  # no phone on file, no account, no code
    token = start(name="孙一鸣", id_number=person.id_number, phone="13611112222")
    services.signup_verify(token=token, code=last_code("13611112222"))
    assert not User.objects.exists() and Person.objects.count() == 1
    assert SignUp.objects.get().refusal == SignUp.Refusal.UNPROVEN


def test_an_institution_made_account_is_claimed_with_its_activation_code(db):
    person = PersonFactory(name="周小舟")
    user, code = account_services.person_account_create(actor=None, person=person, username="zhouxz")
    token = start(name="周小舟", id_number=person.id_number, phone="13522223333", activation_code=code)
    services.signup_verify(token=token, code=last_code("13522223333"))
    user.refresh_from_db()
    assert user.is_active and user.username == "13522223333" and user.check_password(PASSWORD)
    assert User.objects.count() == 1
    assert not ActivationCode.objects.filter(user=user, used_at__isnull=True).exists()


def test_an_institution_made_account_is_claimed_with_the_phone_on_file_too(db):
    person = PersonFactory(name="周小舟", phone="13522224444")  # from a certificate import, say
    user, _code = account_services.person_account_create(actor=None, person=person, username="zhouxz2")
    other = start(name="周小舟", id_number=person.id_number, phone="13522225555")  # not the phone on file
    services.signup_verify(token=other, code=last_code("13522225555"))
    user.refresh_from_db()
    assert not user.is_active and SignUp.objects.get(phone="13522225555").refusal == SignUp.Refusal.ID_TAKEN
    token = start(name="周小舟", id_number=person.id_number, phone="13522224444")
    services.signup_verify(token=token, code=last_code("13522224444"))
    user.refresh_from_db()
    assert user.is_active and user.username == "13522224444" and user.check_password(PASSWORD)
    assert User.objects.count() == 1 and SignUp.objects.get(phone="13522224444").outcome == SignUp.Outcome.CLAIMED


def test_an_abandoned_sign_up_does_not_block_the_owner(db):
    number = valid_id_number()
    start(id_number=number, phone="13900000021")  # never proved
    SignUp.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    token = start(id_number=number, phone="13900000022")
    services.signup_verify(token=token, code=last_code("13900000022"))
    assert User.objects.get().username == "13900000022"
    assert Person.objects.filter(id_number=number).count() == 1


# --- limits -----------------------------------------------------------------------------------------

def test_one_code_per_phone_a_minute_with_retry_after(client, db):
    token = start()
    with pytest.raises(Throttled) as throttled:
        services.signup_code_resend(token=token)
    assert "验证码发送过于频繁" in str(throttled.value.message) and 0 < throttled.value.retry_after <= 60
    client.post(reverse("accounts:signup"), form(phone="13900000031"))
    response = client.post(reverse("accounts:signup_verify"), {"resend": "1"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert "验证码发送过于频繁" in response.content.decode()


def test_sign_ups_per_address_are_limited(client, db, settings):
    settings.SIGNUPS_PER_ADDRESS_PER_HOUR = 2
    for i in range(2):
        assert client.post(reverse("accounts:signup"), form(phone=f"1390000004{i}")).status_code == 302
    response = client.post(reverse("accounts:signup"), form(phone="13900000049"))
    assert response.status_code == 429 and "该网络地址注册次数过多" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_a_lower_case_x_check_character_is_accepted_and_kept_upper_case(client, db):
    for serial in range(1000):  # the first number of 2001-02-03 whose check character is X
        body = f"420106200102030{serial:02d}"[:17]
        if gb11643_check_char(body) == "X":
            break
    response = client.post(reverse("accounts:signup"), form(id_number=body + "x", phone="13900000061"))
    assert response.status_code == 302
    assert Person.objects.get().id_number == body + "X"


def _minute_passed(phone: str) -> None:
    """Forget the one-code-a-minute count of ``phone`` (its window's key, core.ratelimit)."""
    cache.delete(f"sms-code:{phone}:{int(time.time()) // settings.SMS_CODE_INTERVAL_SECONDS}")


def test_code_checks_per_address_are_limited_with_retry_after(client, db, settings):
    settings.SIGNUPS_PER_ADDRESS_PER_HOUR = 2  # ten code checks an hour per address
    client.post(reverse("accounts:signup"), form(phone="13900000071"))
    for _ in range(5):  # five wrong tries spend the first code
        assert client.post(reverse("accounts:signup_verify"), {"code": "000000"}).status_code == 200
    _minute_passed("13900000071")
    assert client.post(reverse("accounts:signup_verify"), {"resend": "1"}).status_code == 302
    good = last_code("13900000071")
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        assert client.post(reverse("accounts:signup_verify"), {"code": wrong}).status_code == 200
    response = client.post(reverse("accounts:signup_verify"), {"code": good})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "该网络地址验证次数过多" in response.content.decode()
    assert not User.objects.get().is_active  # the right code, past the address's limit: nothing opened


def test_codes_per_phone_a_day_are_limited(db, settings):
    settings.SMS_CODES_PER_PHONE_PER_DAY = 2
    token = start()
    _minute_passed("13912345678")
    services.signup_code_resend(token=token)
    _minute_passed("13912345678")
    with pytest.raises(Throttled) as throttled:
        services.signup_code_resend(token=token)
    assert "今天获取验证码的次数已达上限" in str(throttled.value.message) and throttled.value.retry_after > 0
    assert len([m for m in sms.outbox if m.phone == "13912345678"]) == 2


# --- the pages and the gateway ---------------------------------------------------------------------------

def test_sign_up_is_closed_without_an_sms_gateway(client, db, settings):
    settings.SIGNUP_OPEN = False
    assert "自助注册暂未开放" in client.get(reverse("accounts:signup")).content.decode()
    with pytest.raises(AppError):
        start()
    assert not User.objects.exists()


def test_the_sign_in_page_leads_to_sign_up_and_the_privacy_notice_has_its_version(client, db):
    assert reverse("accounts:signup") in client.get(reverse("accounts:login")).content.decode()
    assert "版本 2026-12-01" in client.get(reverse("accounts:privacy")).content.decode()


def test_a_signed_in_user_is_sent_home(client, student_user):
    client.force_login(student_user)
    assert client.get(reverse("accounts:signup")).status_code == 302


def test_the_verify_step_needs_a_sign_up_first(client, db):
    response = client.get(reverse("accounts:signup_verify"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:signup")


def test_the_http_gateway_posts_json_with_the_token(settings):
    received = []

    class Gateway(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.handle_request, daemon=True).start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_HTTP_TOKEN = "t0ken"
    sms.sms_send(phone="13900000001", text="验证码为 123456")
    server.server_close()
    assert received == [("Bearer t0ken", {"phone": "13900000001", "text": "验证码为 123456", "sign": "1+X证书"})]


def test_an_unreachable_gateway_is_a_clear_error(db, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/send"  # discard port: nothing listens
    with pytest.raises(AppError) as refused:
        start()
    assert refused.value.message == "短信发送失败，请稍后再试。"
    assert not User.objects.exists()  # the sign-up rolled back with it
