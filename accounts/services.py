"""Every write of the accounts app, and its rules. Keyword-only functions named <thing>_<verb>."""

import datetime
import math
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.identity import normalize_other_id, normalize_resident_id
from accounts.models import (
    CREATABLE_ROLES,
    ROLES_WITH_PROVINCE,
    ROLES_WITH_SCOPE_ID,
    ActivationCode,
    IdType,
    Notification,
    Person,
    PersonName,
    Province,
    Role,
    RoleBinding,
    User,
)
from accounts.notification_kinds import stored_params
from accounts.scoping import Actor
from core import normalize, ratelimit
from core.base_url import public_base_url
from core.errors import AppError, Forbidden, Throttled

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud and typed


# --- role bindings and accounts -------------------------------------------------------------

def _check_may_bind(actor: Actor | None, role: str, province: Province | None) -> None:
    if actor is None:  # the system itself: seed data, management commands
        return
    if role not in CREATABLE_ROLES.get(actor.role, set()):
        raise Forbidden(_("您的角色不能创建“%(role)s”账户。") % {"role": Role(role).label})
    if actor.role == Role.PROVINCE and (province is None or province.pk != actor.province_code):
        raise Forbidden(_("只能为本省的院校创建账户。"))


def _validate_binding(role: str, province: Province | None, scope_id: int | None) -> None:
    if role not in Role.values:
        raise AppError(_("未知角色。"), field="role")
    if role in ROLES_WITH_PROVINCE and province is None:
        raise AppError(_("省级角色必须指定省份。"), field="province")
    if role in ROLES_WITH_SCOPE_ID and scope_id is None:
        raise AppError(_("该角色必须指定所属单位。"), field="scope_id")
    if role in (Role.INSTITUTION, Role.ALLIANCE) and province is None:
        raise AppError(_("院校账户必须指定省份。"), field="province")


def role_binding_add(*, actor: Actor | None, user: User, role: str, province: Province | None = None,
                     scope_id: int | None = None) -> RoleBinding:
    _validate_binding(role, province, scope_id)
    _check_may_bind(actor, role, province)
    if role in (Role.MINISTRY, Role.STUDENT, Role.ORG):
        province = None
    if role not in ROLES_WITH_SCOPE_ID:
        scope_id = None
    if role == Role.STUDENT and user.person_id is None:
        raise AppError(_("学生账户必须对应一名人员。"))
    try:
        with transaction.atomic():
            binding = RoleBinding.objects.create(user=user, role=role, province=province, scope_id=scope_id,
                                                 created_by=getattr(actor, "user", None))
    except IntegrityError:
        raise AppError(_("该用户已拥有此角色。")) from None
    audit_log(actor=actor, action="account.role_granted", obj=user, province=province,
              changes={"role": [None, role], "scope_id": [None, scope_id]})
    return binding


@transaction.atomic
def user_create(*, actor: Actor | None, username: str, full_name: str, role: str, email: str = "",
                phone: str = "", province: Province | None = None, scope_id: int | None = None,
                person: Person | None = None) -> tuple[User, str]:
    """Create an inactive account with one role binding; returns it and its one-time activation
    code, which is shown once to the creator (and e-mailed where e-mail is configured)."""
    username = (username or "").strip()
    if not username:
        raise AppError(_("请填写用户名。"), field="username")
    if not full_name.strip():
        raise AppError(_("请填写姓名。"), field="full_name")
    _validate_binding(role, province, scope_id)
    _check_may_bind(actor, role, province)
    if User.objects.filter(username__iexact=username).exists():
        raise AppError(_("用户名“%(u)s”已被使用。") % {"u": username}, field="username")
    user = User(username=username, full_name=full_name.strip(), email=email.strip(), phone=phone.strip(),
                is_active=False, person=person, created_by=getattr(actor, "user", None))
    user.set_unusable_password()
    user.save()
    role_binding_add(actor=actor, user=user, role=role, province=province, scope_id=scope_id)
    audit_log(actor=actor, action="account.created", obj=user, province=province,
              changes={"username": [None, username], "role": [None, role]})
    code = activation_code_issue(actor=actor, user=user, purpose=ActivationCode.Purpose.ACTIVATE)
    return user, code


def may_manage(actor: Actor, user: User) -> bool:
    """Whether ``actor`` administers ``user``'s account (codes, lock, deactivation)."""
    creatable = CREATABLE_ROLES.get(actor.role, set())
    for binding in user.role_bindings.all():
        if binding.role not in creatable:
            continue
        if actor.role == Role.PROVINCE and binding.province_id != actor.province_code:
            continue
        return True
    return False


def _check_may_manage(actor: Actor | None, user: User) -> None:
    if actor is not None and not may_manage(actor, user):
        raise Forbidden(_("您无权管理该账户。"))


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _hash_code(code: str) -> str:
    normalized = normalize.code(code).replace("-", "")
    return salted_hmac("pilot.activation-code", normalized).hexdigest()


def activation_code_issue(*, actor: Actor | None, user: User, purpose: str) -> str:
    """A fresh one-time code; earlier unused codes of the same purpose stop working."""
    _check_may_manage(actor, user)
    now = timezone.now()
    ActivationCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    code = _new_code()
    ActivationCode.objects.create(
        user=user, purpose=purpose, code_hash=_hash_code(code),
        expires_at=now + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS),
        created_by=getattr(actor, "user", None),
    )
    audit_log(actor=actor, action=f"account.code_issued.{purpose}", obj=user)
    if settings.EMAIL_CONFIGURED and user.email:
        _mail_code(user, code, purpose)
    return code


def _mail_code(user: User, code: str, purpose: str) -> None:
    subject = _("1+X证书制度试点管理平台账户激活码") if purpose == ActivationCode.Purpose.ACTIVATE \
        else _("1+X证书制度试点管理平台密码重置码")
    body = _("%(name)s，您好：\n\n您的用户名是 %(username)s，一次性代码是 %(code)s，%(days)d 天内有效。"
             "请在平台的“激活账户/重置密码”页面输入。\n") % {
        "name": user.full_name or user.username, "username": user.username, "code": code,
        "days": settings.ACTIVATION_CODE_DAYS}
    body += _("页面地址：%(url)s\n") % {"url": public_base_url() + reverse("accounts:activate")}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True)


def _activation_code_valid(*, user: User, code: str) -> ActivationCode | None:
    candidate = ActivationCode.objects.select_for_update().filter(
        user=user, used_at__isnull=True, expires_at__gt=timezone.now()).first()
    if candidate is None or not constant_time_compare(candidate.code_hash, _hash_code(code or "")):
        return None
    return candidate


def activation_code_matches(*, user: User, code: str) -> bool:
    """Whether ``code`` is ``user``'s current, unexpired activation code (it is not used up here)."""
    return _activation_code_valid(user=user, code=code) is not None


@transaction.atomic
def account_activate(*, username: str, code: str, password: str) -> User:
    """Set the password with a one-time code: activates a new account or resets a password."""
    wrong = AppError(_("用户名或一次性代码不正确，或代码已过期、已使用。"), field="code")
    user = User.objects.select_for_update().filter(username__iexact=(username or "").strip()).first()
    if user is None:
        raise wrong
    candidate = _activation_code_valid(user=user, code=code)
    if candidate is None:
        raise wrong
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AppError(" ".join(exc.messages), field="password") from None
    was_active = user.is_active
    user.set_password(password)
    user.is_active = True
    user.failed_logins = 0
    user.locked_until = None
    user.save()
    candidate.used_at = timezone.now()
    candidate.save(update_fields=["used_at"])
    audit_log(actor=user, action="account.activated" if not was_active else "account.password_reset", obj=user)
    return user


def password_reset_by_email(*, email: str) -> None:
    """Send a reset code to the address if it names exactly one active account. Says nothing
    either way, so the form cannot be used to find out who has an account."""
    if not settings.EMAIL_CONFIGURED:
        return
    users = list(User.objects.filter(email__iexact=(email or "").strip(), is_active=True)[:2])
    if len(users) == 1:
        activation_code_issue(actor=None, user=users[0], purpose=ActivationCode.Purpose.RESET)


def user_set_active(*, actor: Actor, user: User, active: bool) -> None:
    _check_may_manage(actor, user)
    if actor.user.pk == user.pk:
        raise AppError(_("不能停用自己的账户。"))
    before = snapshot(user, ["is_active"])
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_log(actor=actor, action="account.enabled" if active else "account.disabled", obj=user,
              changes=diff(before, snapshot(user, ["is_active"])))


def user_unlock(*, actor: Actor, user: User) -> None:
    _check_may_manage(actor, user)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_log(actor=actor, action="account.unlocked", obj=user)


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise AppError(_("原密码不正确。"), field="old_password")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise AppError(" ".join(exc.messages), field="new_password") from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_log(actor=user, action="account.password_changed", obj=user)


# --- sign-in: failures throttled per address, lockout per account ------------------------------

LOGIN_ADDRESS_WINDOW = 600  # seconds in which LOGIN_MAX_PER_ADDRESS failed sign-ins hold an address back


def login_authenticate(*, request, username: str, password: str) -> User:
    """The user for these credentials, or AppError with the reason a person can act on.

    Only failures count, so a school whose users all sign in from one address (NAT) is never held
    back by its own good sign-ins: ``LOGIN_MAX_PER_ADDRESS`` failures from one address within
    ``LOGIN_ADDRESS_WINDOW`` refuse that address until the window ends, and ``LOGIN_MAX_FAILURES``
    failures in a row lock the account for ``LOGIN_LOCK_MINUTES`` (both 429 with Retry-After)."""
    address = request.META.get("REMOTE_ADDR", "")
    failures_key = f"login-failures:{address}"
    failures = ratelimit.peek(failures_key, window=LOGIN_ADDRESS_WINDOW)
    if failures.hits >= settings.LOGIN_MAX_PER_ADDRESS:
        raise Throttled(_("该网络地址登录失败次数过多，请 %(m)d 分钟后再试。") % {
            "m": math.ceil(failures.retry_after / 60)}, retry_after=failures.retry_after)
    username = (username or "").strip()
    user = User.objects.filter(username__iexact=username).first()
    if user is not None and user.is_locked:
        raise Throttled(_("该账户因连续多次密码错误已被锁定，请于 %(time)s 后重试，或联系管理员解锁。") % {
            "time": timezone.localtime(user.locked_until).strftime("%H:%M")}, code="locked",
            retry_after=(user.locked_until - timezone.now()).total_seconds())
    authenticated = authenticate(request, username=user.username if user else username, password=password)
    if authenticated is None:
        ratelimit.hit(failures_key, window=LOGIN_ADDRESS_WINDOW)
        if user is not None and user.has_usable_password():
            _login_failed(user, address)
        raise AppError(_("用户名或密码错误。新账户请先用激活码激活。"), code="bad_credentials")
    if authenticated.failed_logins or authenticated.locked_until:
        User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
    return authenticated


def _login_failed(user: User, address: str) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        until = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=until)
        audit_log(actor=None, action="account.locked", obj=user, ip_address=address or None,
                  note=_("连续 %(n)d 次密码错误") % {"n": settings.LOGIN_MAX_FAILURES})
        raise Throttled(_("密码连续错误 %(n)d 次，账户已锁定 %(m)d 分钟。") % {
            "n": settings.LOGIN_MAX_FAILURES, "m": settings.LOGIN_LOCK_MINUTES}, code="locked",
            retry_after=settings.LOGIN_LOCK_MINUTES * 60)


def otp_device_verify(*, user: User, device, token: str) -> None:
    """Check a TOTP code; the first good code confirms a device being enrolled."""
    allowed, info = device.verify_is_allowed()
    if not allowed:
        until = (info or {}).get("locked_until")
        seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 60
        raise Throttled(_("验证码输错后需等待 %(s)d 秒再试。") % {"s": seconds}, field="token", code="otp_throttled",
                        retry_after=seconds)
    if not device.verify_token((token or "").strip()):
        raise AppError(_("验证码不正确，请确认手机时间准确后重试。"), field="token", code="otp_wrong")
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_log(actor=user, action="account.2fa_enrolled", obj=user)


# --- people -------------------------------------------------------------------------------------

def id_number_normalize(*, id_type: str, id_number: str) -> str:
    if id_type in (IdType.RESIDENT_ID, IdType.HMT_RESIDENCE):
        return normalize_resident_id(id_number)
    if id_type not in IdType.values:
        raise AppError(_("未知证件类型。"), field="id_type")
    return normalize_other_id(id_number)


def person_find_or_create(*, actor: Actor | None, id_type: str, id_number: str,
                          name: str) -> tuple[Person, bool, bool]:
    """The person with this identity, created if new. Returns (person, created, name_differs): a
    name that differs from the one on file is reported for confirmation, never a second person."""
    number = id_number_normalize(id_type=id_type, id_number=id_number)
    name = (name or "").strip()
    if not name:
        raise AppError(_("姓名不能为空。"), field="name")
    person = Person.objects.filter(id_type=id_type, id_number=number).first()
    if person is not None:
        return person, False, person.name != name
    try:
        with transaction.atomic():
            person = Person.objects.create(id_type=id_type, id_number=number, name=name)
            PersonName.objects.create(person=person, name=name, reason=_("首次登记"),
                                      recorded_by=getattr(actor, "user", None))
    except IntegrityError:  # registered concurrently by someone else: same person
        person = Person.objects.get(id_type=id_type, id_number=number)
        return person, False, person.name != name
    return person, True, False


@transaction.atomic
def person_rename(*, actor: Actor | None, person: Person, name: str, reason: str) -> Person:
    name = (name or "").strip()
    if not name:
        raise AppError(_("姓名不能为空。"), field="name")
    if not (reason or "").strip():
        raise AppError(_("更正姓名必须说明原因。"), field="reason")
    if name == person.name:
        return person
    before = snapshot(person, ["name"])
    person.name = name
    person.save(update_fields=["name"])
    PersonName.objects.create(person=person, name=name, reason=reason.strip(),
                              recorded_by=getattr(actor, "user", None))
    audit_log(actor=actor, action="person.renamed", obj=person, changes=diff(before, {"name": name}), note=reason)
    return person


def person_account_create(*, actor: Actor | None, person: Person, username: str,
                          email: str = "") -> tuple[User, str]:
    """The student's own account, bound to their person record, with an activation code."""
    if hasattr(person, "user"):
        raise AppError(_("该人员已有账户。"))
    user = User(username=username.strip(), full_name=person.name, email=email, is_active=False, person=person,
                created_by=getattr(actor, "user", None))
    if User.objects.filter(username__iexact=user.username).exists():
        raise AppError(_("用户名“%(u)s”已被使用。") % {"u": user.username}, field="username")
    with transaction.atomic():
        user.set_unusable_password()
        user.save()
        RoleBinding.objects.create(user=user, role=Role.STUDENT, created_by=getattr(actor, "user", None))
        audit_log(actor=actor, action="account.created", obj=user, changes={"role": [None, Role.STUDENT]})
        code = activation_code_issue(actor=None, user=user, purpose=ActivationCode.Purpose.ACTIVATE)
    return user, code


# --- notifications ----------------------------------------------------------------------------

def notify(*, users, kind: str, params: dict | None = None, link: str = "", category: str = "system") -> int:
    """The one way a notification is made: its kind and parameters (accounts.notification_kinds), worded
    when each reader reads it, in their language."""
    stored = stored_params(kind, params)
    rows = [Notification(user=u, kind=kind, params=stored, link=link, category=category) for u in users]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify_each(messages: Iterable[tuple[User, str, dict]], *, link: str = "", category: str = "system") -> int:
    """Many notifications in one insert, each ``(user, kind, params)`` (one per certificate holder, say)."""
    rows = [Notification(user=user, kind=kind, params=stored_params(kind, params), link=link, category=category)
            for user, kind, params in messages]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify_scope(*, role: str, province: Province | str | None = None, scope_id: int | None = None,
                 kind: str, params: dict | None = None, link: str = "", category: str = "system") -> int:
    """Notify every active user who holds ``role`` in the given scope (all staff of one org, say)."""
    bindings = RoleBinding.objects.filter(role=role, user__is_active=True)
    if province is not None:
        bindings = bindings.filter(province=province)
    if scope_id is not None:
        bindings = bindings.filter(scope_id=scope_id)
    users = User.objects.filter(pk__in=bindings.values("user_id"))
    return notify(users=users, kind=kind, params=params, link=link, category=category)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
