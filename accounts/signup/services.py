"""Sign-up of social learners (社会学习者自助注册).

The form gives a real name, an ID type and number, a mobile phone, a password and consent to the
privacy notice. Sending it creates nothing usable: it records the sign-up and sends a six-digit
code to the phone; proving the phone with that code is what opens the account. What the proof does
is decided from who the portal already knows, and the person signing up is never told which case
it was (the pages say the same in every case):

- nobody with this ID number or phone: a new person and an inactive account, activated by the proof;
- a person known to the portal without an account (registered by an institution, holding imported
  certificates): the proof claims that person's record when the phone is the one on file for them;
- an institution-made account not yet activated: its activation code (from the institution), or
  the phone on file for the person, claims it;
- an account already holding the ID number or the phone: nothing is created; its owner is told
  through their own channel (a message in the portal, and a text to the phone on file), and the
  phone being signed up receives a notice instead of a code when it is the one already in use.

Limits: ``SIGNUPS_PER_ADDRESS_PER_HOUR`` sign-ups per address; a code per phone every
``SMS_CODE_INTERVAL_SECONDS`` and ``SMS_CODES_PER_PHONE_PER_DAY`` a day; a code lives
``SMS_CODE_MINUTES`` and allows ``CODE_WRONG_TRIES`` wrong tries. Refusals are 429 with Retry-After.
"""

import datetime
import hashlib
import math
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.identity import normalize_name
from accounts.models import ActivationCode, Person, PersonName, Role, RoleBinding, User
from accounts.services import activation_code_matches, id_number_normalize, notify
from accounts.signup.models import PhoneCode, SignUp
from core import normalize, ratelimit, sms
from core.errors import AppError, Throttled

CODE_WRONG_TRIES = 5
_HOUR = 3600
_DAY = 86400


def phone_normalize(raw: str) -> str:
    """A mainland mobile number as 11 digits (``core.normalize.mobile``), or a refusal on the field."""
    try:
        return normalize.mobile(raw)
    except ValueError:
        raise AppError(_("请填写 11 位中国大陆手机号码（以 1 开头，如 13812345678）。"), code="phone_shape",
                       field="phone") from None


def _is_mobile(value: str) -> bool:
    try:
        return normalize.mobile(value) == value
    except ValueError:
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def _code_hash(sign_up_id: int, code: str) -> str:
    return salted_hmac("pilot.sms-code", f"{sign_up_id}:{(code or '').strip()}").hexdigest()


def _throttle(key: str, *, window: int, limit: int, message: str) -> None:
    count = ratelimit.hit(key, window=window)
    if count.hits > limit:
        raise Throttled(message % {"m": math.ceil(count.retry_after / 60), "s": math.ceil(count.retry_after)},
                        retry_after=count.retry_after)


def _throttle_code(phone: str) -> None:
    _throttle(f"sms-code:{phone}", window=settings.SMS_CODE_INTERVAL_SECONDS, limit=1,
              message=_("验证码发送过于频繁，请 %(s)d 秒后再试。"))
    _throttle(f"sms-code-day:{phone}", window=_DAY, limit=settings.SMS_CODES_PER_PHONE_PER_DAY,
              message=_("该手机号今天获取验证码的次数已达上限，请明天再试。"))


def _send(phone: str, text: str) -> None:
    try:
        sms.sms_send(phone=phone, text=text)
    except sms.SmsNotSent:
        raise AppError(_("短信发送失败，请稍后再试。"), code="sms_failed") from None


def _send_code(sign_up: SignUp) -> None:
    """A fresh code for the sign-up's phone (earlier ones stop working), or a notice instead of a
    code when the phone already belongs to an account."""
    _throttle_code(sign_up.phone)
    now = timezone.now()
    sign_up.codes.filter(used_at__isnull=True).update(used_at=now)
    minutes = settings.SMS_CODE_MINUTES
    if sign_up.refusal == SignUp.Refusal.PHONE_TAKEN:
        _send(sign_up.phone, _("【%(sign)s】有人正在用本手机号注册1+X证书制度试点管理平台。本手机号已有账户，"
                               "可直接登录或找回密码；如非本人操作，请忽略本短信。") % {"sign": settings.SMS_SIGN_NAME})
        return
    code = f"{secrets.randbelow(10 ** 6):06d}"
    PhoneCode.objects.create(sign_up=sign_up, phone=sign_up.phone, code_hash=_code_hash(sign_up.pk, code),
                             expires_at=now + datetime.timedelta(minutes=minutes))
    _send(sign_up.phone, _("【%(sign)s】您的注册验证码为 %(code)s，%(m)d 分钟内有效。请勿告诉他人。") % {
        "sign": settings.SMS_SIGN_NAME, "code": code, "m": minutes})


def _tell_owner(owner: User, *, text: bool = True) -> None:
    """The account holder learns that someone tried to sign up with their ID number or phone (by a
    text too, unless the sign-up's own notice already goes to their phone)."""
    notify(users=[owner], category="account", kind="account.signup_attempt")
    if text and owner.phone and _is_mobile(owner.phone):
        try:
            sms.sms_send(phone=owner.phone, text=_(
                "【%(sign)s】有人尝试用您的证件号码注册1+X证书制度试点管理平台，您的账户不受影响。"
                "如非本人操作，请留意个人信息安全。") % {"sign": settings.SMS_SIGN_NAME})
        except sms.SmsNotSent:
            pass  # the in-portal message above is the record; a lost text is not worth failing for


def _forget_abandoned(*, phone: str, person: Person | None) -> None:
    """Remove what unproven sign-ups made before this one: any of the same phone (only the phone's
    holder can prove either), and those of the same person once their codes have expired, so an
    abandoned sign-up never blocks the real owner."""
    cutoff = timezone.now() - datetime.timedelta(minutes=settings.SMS_CODE_MINUTES)
    same = Q(phone=phone)
    if person is not None:
        same |= Q(user__person=person, created_at__lt=cutoff)
    stale = SignUp.objects.filter(same, verified_at__isnull=True, created_user=True, user__is_active=False)
    for sign_up in stale.select_related("user__person"):
        user = sign_up.user
        made_person = user.person if sign_up.created_person else None
        user.delete()
        if made_person is not None:
            try:
                with transaction.atomic():
                    made_person.delete()
            except ProtectedError:  # something else refers to the person now: keep it
                pass


def _new_account(*, person: Person, phone: str, password: str) -> User:
    user = User(username=phone, full_name=person.name, phone=phone, is_active=False, person=person)
    user.set_password(password)
    user.save()
    RoleBinding.objects.create(user=user, role=Role.STUDENT)
    return user


@transaction.atomic
def signup_start(*, name: str, id_type: str, id_number: str, phone: str, password: str, consent: bool,
                 activation_code: str = "", ip_address: str | None = None) -> str:
    """Record a sign-up and send the code; returns the token that names it in the next step."""
    if not settings.SIGNUP_OPEN:
        raise AppError(_("自助注册暂未开放：平台尚未配置短信服务。"), code="signup_closed")
    name = normalize_name(name)
    number = id_number_normalize(id_type=id_type, id_number=id_number)
    phone = phone_normalize(phone)
    if not consent:
        raise AppError(_("请阅读并同意《个人信息保护政策》后再注册。"), code="consent", field="consent")
    try:
        password_validation.validate_password(password, User(username=phone, full_name=name, phone=phone))
    except ValidationError as exc:
        raise AppError(" ".join(exc.messages), field="password") from None
    _throttle(f"signup:{ip_address}", window=_HOUR, limit=settings.SIGNUPS_PER_ADDRESS_PER_HOUR,
              message=_("该网络地址注册次数过多，请 %(m)d 分钟后再试。"))

    person = Person.objects.select_for_update().filter(id_type=id_type, id_number=number).first()
    _forget_abandoned(phone=phone, person=person)
    person = Person.objects.filter(id_type=id_type, id_number=number).first()
    phone_owner = User.objects.filter(Q(username=phone) | Q(phone=phone)).order_by("-is_active", "pk").first()
    person_owner = User.objects.filter(person=person).first() if person is not None else None
    token = secrets.token_urlsafe(32)
    sign_up = SignUp(token_hash=_token_hash(token), phone=phone, notice_version=settings.PRIVACY_NOTICE_VERSION,
                     consented_at=timezone.now(), ip_address=ip_address or None)

    if phone_owner is not None and phone_owner != person_owner:
        sign_up.outcome, sign_up.refusal = SignUp.Outcome.REFUSED, SignUp.Refusal.PHONE_TAKEN
        if phone_owner.is_active:
            _tell_owner(phone_owner, text=False)
    elif person_owner is not None:
        if not person_owner.is_active and (
                (activation_code and activation_code_matches(user=person_owner, code=activation_code))
                or (person.phone == phone and person.name == name)):
            # An institution made this account, never activated; its activation code, or the phone on
            # file for the person (proved by the code that follows), shows it is the holder's.
            person_owner.set_password(password)
            person_owner.save(update_fields=["password"])
            sign_up.user, sign_up.outcome = person_owner, SignUp.Outcome.CLAIMED
        else:
            sign_up.outcome, sign_up.refusal = SignUp.Outcome.REFUSED, SignUp.Refusal.ID_TAKEN
            if person_owner.is_active:
                _tell_owner(person_owner)
    elif person is not None:
        if person.phone == phone and person.name == name:
            sign_up.user = _new_account(person=person, phone=phone, password=password)
            sign_up.outcome, sign_up.created_user = SignUp.Outcome.CLAIMED, True
        else:
            sign_up.outcome, sign_up.refusal = SignUp.Outcome.REFUSED, SignUp.Refusal.UNPROVEN
    else:
        try:
            with transaction.atomic():
                person = Person.objects.create(id_type=id_type, id_number=number, name=name)
        except IntegrityError:  # the same person signing up twice at once: the first one goes on
            raise AppError(_("注册请求正在处理，请稍后再试。"), code="signup_race") from None
        PersonName.objects.create(person=person, name=name, reason=_("本人注册"))
        sign_up.user = _new_account(person=person, phone=phone, password=password)
        sign_up.outcome, sign_up.created_user, sign_up.created_person = SignUp.Outcome.CREATED, True, True
    sign_up.save()
    audit_log(actor=None, action="account.signup_started", obj=sign_up.user, ip_address=ip_address or None,
              object_type="" if sign_up.user else "accounts.signup", object_id="" if sign_up.user else str(sign_up.pk),
              object_repr="" if sign_up.user else str(sign_up),
              changes={"outcome": [None, sign_up.outcome], "refusal": [None, sign_up.refusal or None],
                       "notice_version": [None, sign_up.notice_version]})
    _send_code(sign_up)
    return token


def signup_pending(*, token: str) -> SignUp | None:
    """The unproven sign-up this token names, or None (unknown, or already proven)."""
    return SignUp.objects.filter(token_hash=_token_hash(token), verified_at__isnull=True).first() if token else None


@transaction.atomic
def signup_code_resend(*, token: str, ip_address: str | None = None) -> None:
    sign_up = SignUp.objects.select_for_update().filter(token_hash=_token_hash(token), verified_at__isnull=True).first()
    if sign_up is None:
        raise AppError(_("注册申请不存在或已完成，请重新注册。"), code="signup_unknown")
    _throttle(f"signup:{ip_address}", window=_HOUR, limit=settings.SIGNUPS_PER_ADDRESS_PER_HOUR,
              message=_("该网络地址注册次数过多，请 %(m)d 分钟后再试。"))
    _send_code(sign_up)


def signup_verify(*, token: str, code: str, ip_address: str | None = None) -> None:
    """Prove the phone with its code; what the sign-up was to do happens now (or nothing does)."""
    _throttle(f"signup-verify:{ip_address}", window=_HOUR, limit=settings.SIGNUPS_PER_ADDRESS_PER_HOUR * 5,
              message=_("该网络地址验证次数过多，请 %(m)d 分钟后再试。"))
    with transaction.atomic():
        wrong = _verify(token=token, code=code, ip_address=ip_address)
    if wrong is not None:  # raised after the commit, so the wrong try stays counted
        raise wrong


def _verify(*, token: str, code: str, ip_address: str | None) -> AppError | None:
    sign_up = SignUp.objects.select_for_update().filter(token_hash=_token_hash(token), verified_at__isnull=True).first()
    if sign_up is None:
        raise AppError(_("注册申请不存在或已完成，请重新注册。"), code="signup_unknown")
    now = timezone.now()
    phone_code = sign_up.codes.select_for_update().filter(used_at__isnull=True).first()
    if phone_code is None or phone_code.expires_at <= now:
        raise AppError(_("验证码已过期或已使用，请重新获取。"), code="code_expired", field="code")
    if phone_code.wrong_tries >= CODE_WRONG_TRIES:
        raise AppError(_("验证码输错次数过多，请重新获取。"), code="code_tries", field="code")
    offered = _code_hash(sign_up.pk, code)
    if not constant_time_compare(phone_code.code_hash, offered):
        if sign_up.codes.filter(used_at__isnull=False, code_hash=offered).exists():
            # An earlier code of this sign-up, replaced by the one sent since: not a guess.
            raise AppError(_("该验证码已失效（已重新获取过验证码），请输入最新一条短信中的验证码。"), code="code_replaced",
                           field="code")
        PhoneCode.objects.filter(pk=phone_code.pk).update(wrong_tries=phone_code.wrong_tries + 1)
        left = CODE_WRONG_TRIES - phone_code.wrong_tries - 1
        return AppError(_("验证码不正确，还可再试 %(n)d 次。") % {"n": left} if left else
                        _("验证码输错次数过多，请重新获取。"), code="code_wrong", field="code")
    phone_code.used_at = now
    phone_code.save(update_fields=["used_at"])
    sign_up.verified_at = now
    sign_up.save(update_fields=["verified_at"])
    user = sign_up.user
    if user is None or sign_up.outcome == SignUp.Outcome.REFUSED:
        return None
    user = User.objects.select_for_update(of=("self",)).select_related("person").get(pk=user.pk)
    user.is_active = True
    user.phone = sign_up.phone
    if not sign_up.created_user and not User.objects.filter(username=sign_up.phone).exclude(pk=user.pk).exists():
        user.username = sign_up.phone  # a claimed institution account signs in with the proved phone too
    user.save(update_fields=["is_active", "phone", "username"])
    ActivationCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    person = user.person
    if person is not None and person.phone != sign_up.phone:
        person.phone = sign_up.phone
        person.save(update_fields=["phone"])
    audit_log(actor=user, action="account.signed_up" if sign_up.outcome == SignUp.Outcome.CREATED
              else "account.claimed", obj=user, ip_address=ip_address or None,
              changes={"notice_version": [None, sign_up.notice_version]})
    return None
