import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts import services
from accounts.models import ActivationCode, AuditEntry, Person, PersonName, RoleBinding, User
from accounts.scoping import actor_for
from core.errors import AppError, Forbidden

pytestmark = pytest.mark.django_db


def test_ministry_creates_province_accounts_inactive_with_a_one_time_code(ministry_user, hubei):
    user, code = services.user_create(actor=actor_for(ministry_user), username="hb_staff", full_name="张红",
                                      role="province", province=hubei)
    assert not user.is_active and not user.has_usable_password()
    assert len(code) == 14 and code.count("-") == 2
    assert user.role_bindings.get().province == hubei
    stored = ActivationCode.objects.get(user=user)
    assert code.replace("-", "") not in stored.code_hash  # only a hash is kept
    assert AuditEntry.objects.filter(action="account.created", object_id=str(user.pk)).exists()


def test_province_creates_institution_accounts_of_its_own_province_only(hubei_user, hubei, shandong,
                                                                      hubei_institution, shandong_institution):
    actor = actor_for(hubei_user)
    user, _code = services.user_create(actor=actor, username="whvc2", full_name="吴涛", role="institution",
                                       province=hubei, scope_id=hubei_institution.pk)
    assert user.role_bindings.get().scope_id == hubei_institution.pk
    with pytest.raises(Forbidden) as err:
        services.user_create(actor=actor, username="sdjt2", full_name="马丽", role="institution", province=shandong,
                             scope_id=shandong_institution.pk)
    assert "本省" in str(err.value.message)
    assert not User.objects.filter(username="sdjt2").exists()


@pytest.mark.parametrize("role", ["ministry", "province", "org"])
def test_province_cannot_create_higher_roles(hubei_user, hubei, role):
    with pytest.raises(Forbidden):
        services.user_create(actor=actor_for(hubei_user), username=f"x_{role}", full_name="某人", role=role,
                             province=hubei, scope_id=1 if role == "org" else None)


@pytest.mark.parametrize("creator", ["org_a_user", "hubei_institution_user", "student_user"])
def test_other_roles_create_no_accounts(request, creator, hubei):
    actor = actor_for(request.getfixturevalue(creator))
    with pytest.raises(Forbidden):
        services.user_create(actor=actor, username="nobody", full_name="某人", role="province", province=hubei)


def test_duplicate_username_is_refused(ministry_user, hubei):
    with pytest.raises(AppError) as err:
        services.user_create(actor=actor_for(ministry_user), username="MOE", full_name="重名", role="province",
                             province=hubei)
    assert err.value.field == "username"


def test_binding_constraint_holds_in_the_database(ministry_user, hubei):
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleBinding.objects.create(user=ministry_user, role="province")  # a province role without a province
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleBinding.objects.create(user=ministry_user, role="ministry")  # the same binding twice


def test_activation_sets_the_password_once(ministry_user, hubei):
    user, code = services.user_create(actor=actor_for(ministry_user), username="hb", full_name="张红",
                                      role="province", province=hubei)
    services.account_activate(username="hb", code=code.lower(), password="Hubei-2026-ok")
    user.refresh_from_db()
    assert user.is_active and user.check_password("Hubei-2026-ok")
    with pytest.raises(AppError):
        services.account_activate(username="hb", code=code, password="Another-2026-ok")


def test_activation_refuses_wrong_expired_and_weak(ministry_user, hubei):
    user, code = services.user_create(actor=actor_for(ministry_user), username="hb", full_name="张红",
                                      role="province", province=hubei)
    with pytest.raises(AppError, match="不正确"):
        services.account_activate(username="hb", code="AAAA-BBBB-CCCC", password="Hubei-2026-ok")
    with pytest.raises(AppError) as err:
        services.account_activate(username="hb", code=code, password="12345678")
    assert err.value.field == "password"
    ActivationCode.objects.filter(user=user).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(AppError, match="过期"):
        services.account_activate(username="hb", code=code, password="Hubei-2026-ok")


def test_a_new_code_voids_the_old_one(ministry_user, hubei):
    user, first = services.user_create(actor=actor_for(ministry_user), username="hb", full_name="张红",
                                       role="province", province=hubei)
    second = services.activation_code_issue(actor=actor_for(ministry_user), user=user, purpose="activate")
    with pytest.raises(AppError):
        services.account_activate(username="hb", code=first, password="Hubei-2026-ok")
    services.account_activate(username="hb", code=second, password="Hubei-2026-ok")


def test_a_province_cannot_issue_codes_for_another_provinces_accounts(hubei_user, shandong_institution_user):
    with pytest.raises(Forbidden):
        services.activation_code_issue(actor=actor_for(hubei_user), user=shandong_institution_user, purpose="reset")


def _request():
    return RequestFactory().post("/account/login/", REMOTE_ADDR="10.1.2.3")


def test_lockout_after_repeated_failures(hubei_institution_user, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        with pytest.raises(AppError, match="用户名或密码错误"):
            services.login_authenticate(request=_request(), username="whvc", password="wrong")
    with pytest.raises(AppError) as err:
        services.login_authenticate(request=_request(), username="whvc", password="wrong")
    assert err.value.code == "locked"
    # Locked: even the right password is refused until the lock expires or is lifted.
    with pytest.raises(AppError) as err:
        services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")
    assert err.value.code == "locked" and "锁定" in str(err.value.message)
    assert AuditEntry.objects.filter(action="account.locked").count() == 1
    User.objects.filter(pk=hubei_institution_user.pk).update(locked_until=timezone.now() - datetime.timedelta(1))
    assert services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")


def test_throttle_per_address(settings, hubei_institution_user):
    settings.LOGIN_MAX_PER_ADDRESS = 2
    for _ in range(2):
        with pytest.raises(AppError):
            services.login_authenticate(request=_request(), username="nobody", password="x")
    with pytest.raises(AppError) as err:
        services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")
    assert err.value.code == "throttled" and err.value.status == 429
    assert 1 <= int(err.value.headers["Retry-After"]) <= services.LOGIN_ADDRESS_WINDOW
    assert "分钟后再试" in str(err.value.message)
    # Another address is not held back.
    other = RequestFactory().post("/account/login/", REMOTE_ADDR="10.9.9.9")
    assert services.login_authenticate(request=other, username="whvc", password="Test-Passw0rd!")


def test_good_sign_ins_from_one_address_never_throttle_it(settings, hubei_institution_user):
    """A school behind one NAT address: its users' successful sign-ins do not count."""
    settings.LOGIN_MAX_PER_ADDRESS = 3
    for _ in range(40):
        assert services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")
    for _ in range(2):  # failures still count, good sign-ins in between change nothing
        with pytest.raises(AppError, match="用户名或密码错误"):
            services.login_authenticate(request=_request(), username="someone", password="x")
        assert services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")
    with pytest.raises(AppError, match="用户名或密码错误"):
        services.login_authenticate(request=_request(), username="someone", password="x")
    with pytest.raises(AppError) as err:
        services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")
    assert err.value.code == "throttled"


def test_a_locked_account_is_a_429_with_the_time_left(hubei_institution_user, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCK_MINUTES = 15
    with pytest.raises(AppError):
        services.login_authenticate(request=_request(), username="whvc", password="wrong")
    with pytest.raises(AppError) as locked:
        services.login_authenticate(request=_request(), username="whvc", password="wrong")
    assert locked.value.code == "locked" and locked.value.headers == {"Retry-After": "900"}
    with pytest.raises(AppError) as still:
        services.login_authenticate(request=_request(), username="whvc", password="Test-Passw0rd!")
    assert still.value.status == 429 and 890 <= int(still.value.headers["Retry-After"]) <= 900


def test_person_is_found_by_identity_and_a_different_name_is_flagged_not_duplicated():
    person, created, differs = services.person_find_or_create(actor=None, id_type="resident_id",
                                                              id_number="11010519491231002x", name="张三")
    assert created and not differs and person.id_number == "11010519491231002X"
    again, created, differs = services.person_find_or_create(actor=None, id_type="resident_id",
                                                             id_number="11010519491231002X", name="张叁")
    assert again == person and not created and differs
    assert Person.objects.count() == 1


def test_person_with_invalid_id_is_refused():
    with pytest.raises(AppError) as err:
        services.person_find_or_create(actor=None, id_type="resident_id", id_number="110105194912310021", name="张三")
    assert err.value.code == "id_check"
    assert Person.objects.count() == 0


def test_other_document_types_are_kept_apart():
    p1, _, _ = services.person_find_or_create(actor=None, id_type="passport", id_number="e 1234 5678", name="Anna")
    assert p1.id_number == "E12345678"
    with pytest.raises(AppError):
        services.person_find_or_create(actor=None, id_type="passport", id_number="#", name="Anna")


def test_name_correction_keeps_the_person_and_its_history(ministry_user):
    person, _, _ = services.person_find_or_create(actor=None, id_type="resident_id",
                                                  id_number="11010519491231002X", name="张叁")
    services.person_rename(actor=actor_for(ministry_user), person=person, name="张三", reason="户籍姓名更正")
    person.refresh_from_db()
    assert person.name == "张三"
    assert list(PersonName.objects.filter(person=person).values_list("name", flat=True)) == ["张叁", "张三"]
    entry = AuditEntry.objects.get(action="person.renamed")
    assert entry.changes == {"name": ["张叁", "张三"]}
    with pytest.raises(AppError):
        services.person_rename(actor=None, person=person, name="张四", reason="")


def test_notify_scope_reaches_all_staff_of_one_org(org_a_user, org_b_user, org_a):
    from tests.personas import make_persona

    colleague = make_persona("org", scope_id=org_a.pk, username="org_a2")
    sent = services.notify_scope(role="org", scope_id=org_a.pk, kind="org.supervision_action",
                                 params={"action": "黄牌警告", "reason": "考核违规"})
    assert sent == 2
    assert colleague.notifications.get().title_text == "教育部对贵组织采取了监管措施：黄牌警告"
    assert not org_b_user.notifications.exists()


def test_codes_are_e_mailed_where_e_mail_is_configured(ministry_user, hubei, settings, mailoutbox):
    settings.EMAIL_CONFIGURED = True
    _user, code = services.user_create(actor=actor_for(ministry_user), username="hb", full_name="张红",
                                       role="province", province=hubei, email="zhanghong@hubei.example")
    assert len(mailoutbox) == 1 and code in mailoutbox[0].body and mailoutbox[0].to == ["zhanghong@hubei.example"]
    services.account_activate(username="hb", code=code, password="Hubei-2026-ok")
    services.password_reset_by_email(email="ZHANGHONG@hubei.example")
    assert len(mailoutbox) == 2 and "重置" in mailoutbox[1].subject
    services.password_reset_by_email(email="nobody@example.com")  # says nothing, sends nothing
    assert len(mailoutbox) == 2


def test_no_mail_without_configuration(ministry_user, hubei, settings, mailoutbox):
    settings.EMAIL_CONFIGURED = False
    services.user_create(actor=actor_for(ministry_user), username="hb", full_name="张红", role="province",
                         province=hubei, email="zhanghong@hubei.example")
    services.password_reset_by_email(email="zhanghong@hubei.example")
    assert mailoutbox == []
