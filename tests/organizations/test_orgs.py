"""The org registry: services (create, edit, org codes, accounts) and the views, with scope tests."""

import io
import threading

import pytest
from django.db import connection
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accounts import personal_data
from accounts.models import AuditEntry, RoleBinding
from accounts.scoping import actor_for
from core.errors import AppError, Forbidden, NotInScope
from organizations import hooks
from organizations.orgs import selectors, services
from organizations.orgs.models import Org
from organizations.orgs.validators import credit_code_check_char
from organizations.supervision.models import OrgAction
from tests.organizations.factories import OrgFactory, seal_upload, valid_credit_code
from tests.personas import make_persona, sign_in

pytestmark = pytest.mark.django_db

VALID = "91110108MA01XA2B3M"  # check character M, by GB 32100


def wrong_check_char(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


def act(user):
    return actor_for(user)


def create(actor, **overrides):
    values = {"name": "北京测试科技有限公司", "credit_code": VALID, "org_type": Org.OrgType.ENTERPRISE,
              "batch_number": 4, "contact_name": "陈立", "contact_phone": "010-62345678",
              "contact_email": "contact@example.cn", "address": "北京市海淀区", "website": "https://example.cn"}
    values.update(overrides)
    return services.org_create(actor=actor, **values)


# --- services ------------------------------------------------------------------------------------

def test_the_ministry_registers_an_org_with_a_code_and_an_audit_entry(ministry_user):
    assert credit_code_check_char(VALID[:17]) == "M"
    org = create(act(ministry_user), credit_code=VALID.lower())
    assert org.credit_code == VALID
    assert org.code == "0001"
    assert org.status == Org.Status.ACTIVE
    entry = AuditEntry.objects.get(action="org.created")
    assert entry.object_id == str(org.pk)
    assert entry.changes["credit_code"] == [None, VALID]
    assert entry.changes["code"] == [None, "0001"]
    second = create(act(ministry_user), name="第二个组织", credit_code=valid_credit_code(7))
    assert second.code == "0002"


def test_a_wrong_check_character_is_refused_and_nothing_is_saved(ministry_user):
    with pytest.raises(AppError) as refused:
        create(act(ministry_user), credit_code=wrong_check_char(VALID))
    assert refused.value.field == "credit_code"
    assert "校验位错误" in str(refused.value.message) and "M" in str(refused.value.message)
    assert Org.objects.count() == 0
    assert not AuditEntry.objects.filter(action="org.created").exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("credit_code", "9111010", "应为 18 位"),
    ("credit_code", "91110108MA01XA2BIM", "只能由数字和大写字母"),
    ("name", "  ", "请填写组织名称"),
    ("org_type", "company", "组织类型"),
    ("batch_number", 0, "遴选批次"),
    ("contact_email", "not-an-email", "联系邮箱"),
    ("contact_phone", "call me<script>", "联系电话"),
    ("website", "javascript:alert(1)", "http"),
])
def test_invalid_fields_are_refused_with_a_chinese_message(ministry_user, field, value, message):
    with pytest.raises(AppError) as refused:
        create(act(ministry_user), **{field: value})
    assert refused.value.field == field
    assert message in str(refused.value.message)
    assert Org.objects.count() == 0


def test_a_duplicate_credit_code_or_name_is_refused(ministry_user):
    first = create(act(ministry_user))
    with pytest.raises(AppError) as refused:
        create(act(ministry_user), name="另一家公司")
    assert refused.value.code == "duplicate_credit_code"
    assert "已被“北京测试科技有限公司”使用" in str(refused.value.message)
    with pytest.raises(AppError) as refused:
        create(act(ministry_user), credit_code=valid_credit_code(99))
    assert refused.value.code == "duplicate_name"
    assert list(Org.objects.all()) == [first]


@pytest.mark.parametrize("persona", ["org_a_user", "hubei_user", "hubei_institution_user", "student_user"])
def test_only_the_ministry_registers_orgs(request, persona):
    with pytest.raises(Forbidden):
        create(act(request.getfixturevalue(persona)))
    assert not Org.objects.filter(name="北京测试科技有限公司").exists()


def test_editing_records_only_the_changed_fields(ministry_user):
    org = create(act(ministry_user))
    services.org_update(actor=act(ministry_user), org=org, name="北京测试科技股份有限公司", contact_name="陈立",
                        batch_number="3")
    entry = AuditEntry.objects.get(action="org.updated")
    assert entry.changes == {"name": ["北京测试科技有限公司", "北京测试科技股份有限公司"], "batch_number": [4, 3]}
    org.refresh_from_db()
    assert (org.name, org.batch_number, org.code) == ("北京测试科技股份有限公司", 3, "0001")
    services.org_update(actor=act(ministry_user), org=org, name="北京测试科技股份有限公司")
    assert AuditEntry.objects.filter(action="org.updated").count() == 1  # nothing changed, nothing recorded


def test_editing_refuses_status_code_duplicates_and_other_roles(ministry_user, org_a, org_a_user):
    org = create(act(ministry_user))
    with pytest.raises(AppError) as refused:
        services.org_update(actor=act(ministry_user), org=org, status=Org.Status.DELISTED)
    assert refused.value.code == "not_editable"
    with pytest.raises(AppError):
        services.org_update(actor=act(ministry_user), org=org, code="9999")
    with pytest.raises(AppError) as refused:
        services.org_update(actor=act(ministry_user), org=org, credit_code=org_a.credit_code)
    assert refused.value.code == "duplicate_credit_code"
    with pytest.raises(AppError):
        services.org_update(actor=act(ministry_user), org=org, credit_code=wrong_check_char(VALID))
    with pytest.raises(Forbidden):
        services.org_update(actor=act(org_a_user), org=org_a, contact_name="自己改")
    org.refresh_from_db()
    assert (org.status, org.credit_code) == (Org.Status.ACTIVE, VALID)
    assert not AuditEntry.objects.filter(action="org.updated").exists()


def test_org_codes_continue_after_the_highest_and_skip_a_taken_number(ministry_user, monkeypatch):
    OrgFactory(code="0007")
    OrgFactory(code="ABCD")  # not a number: ignored by the allocator
    assert create(act(ministry_user)).code == "0008"
    # Another registration took the number between our read and our write: the constraint
    # refuses it and the allocator takes the next one.
    proposals = iter(["0008", "0009"])
    monkeypatch.setattr(services, "_next_org_code", lambda: next(proposals))
    org = OrgFactory(code=None)
    assert services.org_code_ensure(org=org) == "0009"
    assert services.org_code_ensure(org=org) == "0009"  # already has one: unchanged


def test_org_codes_run_out_with_a_clear_message(ministry_user):
    OrgFactory(code="9999")
    with pytest.raises(AppError) as refused:
        create(act(ministry_user))
    assert "组织编码已用尽" in str(refused.value.message)
    assert not Org.objects.filter(name="北京测试科技有限公司").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_codes(ministry_user):
    actor = act(ministry_user)
    barrier = threading.Barrier(4)
    codes, errors = [], []

    def register(n):
        try:
            barrier.wait()
            codes.append(create(actor, name=f"并发组织{n}", credit_code=valid_credit_code(500 + n)).code)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(codes) == ["0001", "0002", "0003", "0004"]


def test_the_ministry_creates_org_accounts_and_an_org_cannot(ministry_user, org_a, org_a_user):
    user, code = services.org_account_create(actor=act(ministry_user), org=org_a, username="org_a_staff",
                                             full_name="王五")
    assert len(code) == 14 and not user.is_active
    binding = RoleBinding.objects.get(user=user)
    assert (binding.role, binding.scope_id) == ("org", org_a.pk)
    assert [a.obj for a in selectors.org_staff(act(ministry_user), org_a)] == sorted([org_a_user, user],
                                                                            key=lambda u: u.username)
    with pytest.raises(Forbidden):
        services.org_account_create(actor=act(org_a_user), org=org_a, username="sneaky", full_name="某人")
    with pytest.raises(Forbidden):
        selectors.org_staff(act(org_a_user), org_a)


def test_selectors_keep_orgs_in_scope(ministry_user, org_a, org_b, org_a_user, hubei_user):
    assert selectors.org_get(act(org_a_user), org_a.pk) == org_a
    with pytest.raises(NotInScope):
        selectors.org_get(act(org_a_user), org_b.pk)
    with pytest.raises(NotInScope):
        selectors.org_get(act(hubei_user), org_a.pk)
    assert selectors.org_own(act(org_a_user)) == org_a
    with pytest.raises(Forbidden):
        selectors.orgs_registry(act(hubei_user))
    assert {o.pk for o in selectors.orgs_public(act(hubei_user))} == {org_a.pk, org_b.pk}
    assert selectors.shows_record(selectors.org_access(act(ministry_user), org_b.pk))
    assert selectors.shows_record(selectors.org_access(act(org_a_user), org_a.pk))
    assert not selectors.shows_record(selectors.org_public_access(act(org_a_user), org_b.pk))


# --- views ---------------------------------------------------------------------------------------

def test_registry_lists_filters_and_exports(as_user, ministry_user):
    # Codes that cannot occur inside the factories' credit codes, which the search also matches.
    OrgFactory(name="甲组织", code="7311", org_type=Org.OrgType.ASSOCIATION, batch_number=2)
    OrgFactory(name="乙组织", code="7312", status=Org.Status.YELLOW_CARD, batch_number=3)
    client = as_user(ministry_user)
    page = client.get("/orgs/").content.decode()
    assert "甲组织" in page and "乙组织" in page and "导出 Excel" in page
    for query, shown, hidden in [("q=甲", "甲组织", "乙组织"), ("org_type=association", "甲组织", "乙组织"),
                                 ("status=yellow_card", "乙组织", "甲组织"), ("batch_number=3", "乙组织", "甲组织"),
                                 ("q=7312", "乙组织", "甲组织"), ("seal=yes", None, "甲组织")]:
        page = client.get(f"/orgs/?{query}").content.decode()
        assert (shown is None or shown in page) and hidden not in page, query
    response = client.get("/orgs/?status=yellow_card&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:3] == ("组织编码", "名称", "统一社会信用代码")
    assert [r[1] for r in rows[1:]] == ["乙组织"]


@pytest.mark.parametrize("persona", ["org_a_user", "hubei_user", "hubei_agency_user", "hubei_institution_user",
                                     "hubei_alliance_user", "student_user"])
def test_the_registry_and_its_forms_refuse_other_roles(request, as_user, persona, org_a):
    client = as_user(request.getfixturevalue(persona))
    assert client.get("/orgs/").status_code == 403
    assert client.get("/orgs/?export=xlsx").status_code == 403
    assert client.get("/orgs/new/").status_code == 403
    assert client.post("/orgs/new/", {"name": "x", "credit_code": VALID, "org_type": "enterprise"}).status_code == 403
    assert not Org.objects.filter(name="x").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, org_a):
    for url in ["/orgs/", "/orgs/new/", "/orgs/mine/", f"/orgs/{org_a.pk}/", f"/orgs/{org_a.pk}/edit/",
                f"/orgs/{org_a.pk}/accounts/new/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), url


def test_create_and_edit_through_the_forms(as_user, ministry_user):
    client = as_user(ministry_user)
    response = client.post("/orgs/new/", {"name": "表单组织", "credit_code": wrong_check_char(VALID),
                                          "org_type": "enterprise"})
    assert response.status_code == 200
    assert "校验位错误" in response.content.decode()
    assert not Org.objects.exists()
    response = client.post("/orgs/new/", {"name": "表单组织", "credit_code": VALID, "org_type": "enterprise",
                                          "batch_number": "2", "website": "https://form.example.cn"})
    org = Org.objects.get(name="表单组织")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org.pk}/"
    assert org.code == "0001"
    page = client.get(f"/orgs/{org.pk}/edit/").content.decode()
    assert VALID in page and "由平台分配" in page
    response = client.post(f"/orgs/{org.pk}/edit/", {"name": "表单组织", "credit_code": VALID,
                                                     "org_type": "research", "contact_name": "李四"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.org_type, org.contact_name, org.batch_number) == ("research", "李四", None)
    entry = AuditEntry.objects.get(action="org.updated")
    assert set(entry.changes) == {"org_type", "contact_name", "batch_number", "website"}


def test_the_profile_shows_facts_and_seal_to_the_ministry_and_the_org_itself(as_user, ministry_user, org_a,
                                                                           org_a_user):
    for user in (ministry_user, org_a_user):
        page = as_user(user).get(f"/orgs/{org_a.pk}/").content.decode()
        assert org_a.name in page and org_a.credit_code in page
        assert "尚未上传电子公章" in page
    org_page = as_user(org_a_user).get(f"/orgs/{org_a.pk}/").content.decode()
    assert "上传电子公章" in org_page
    assert "组织账户" not in org_page and "编辑信息" not in org_page
    ministry_page = as_user(ministry_user).get(f"/orgs/{org_a.pk}/").content.decode()
    assert "组织账户" in ministry_page and org_a_user.username in ministry_page and "编辑信息" in ministry_page
    assert f"/orgs/{org_a.pk}/seal/upload/" not in ministry_page


@pytest.mark.parametrize("persona", ["org_b_user", "hubei_user", "hubei_agency_user", "hubei_institution_user",
                                     "hubei_alliance_user", "student_user", "social_learner_user"])
def test_another_scope_gets_404_on_an_orgs_pages(request, as_user, persona, org_a):
    client = as_user(request.getfixturevalue(persona))
    for url in [f"/orgs/{org_a.pk}/", f"/orgs/{org_a.pk}/?export=seals", f"/orgs/{org_a.pk}/edit/",
                f"/orgs/{org_a.pk}/accounts/new/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/orgs/{org_a.pk}/edit/", {"name": "改名"}).status_code == 404
    org_a.refresh_from_db()
    assert org_a.name == "甲培训评价组织"


def test_an_org_user_may_not_edit_its_own_org_or_create_accounts(as_user, org_a, org_a_user):
    client = as_user(org_a_user)
    assert client.get(f"/orgs/{org_a.pk}/edit/").status_code == 403
    assert client.post(f"/orgs/{org_a.pk}/edit/", {"name": "改名", "credit_code": org_a.credit_code,
                                                   "org_type": "enterprise"}).status_code == 403
    assert client.get(f"/orgs/{org_a.pk}/accounts/new/").status_code == 403
    assert client.post(f"/orgs/{org_a.pk}/accounts/new/", {"username": "x1", "full_name": "某"}).status_code == 403
    assert not RoleBinding.objects.filter(user__username="x1").exists()


def test_my_org_leads_an_org_user_home_and_refuses_others(as_user, org_a, org_a_user, ministry_user):
    response = as_user(org_a_user).get("/orgs/mine/")
    assert response.status_code == 302 and response["Location"] == f"/orgs/{org_a.pk}/"
    assert as_user(ministry_user).get("/orgs/mine/").status_code == 403


def test_the_profile_warns_of_a_yellow_card_with_its_reason(as_user, org_a, org_a_user, ministry_user):
    org_a.status = Org.Status.YELLOW_CARD
    org_a.save()
    OrgAction.objects.create(org=org_a, kind=OrgAction.Kind.YELLOW_CARD, status_before="active",
                             status_after="yellow_card", reason="截至9月初尚未在全国和湖北开展师资培训", actor=ministry_user)
    page = as_user(org_a_user).get(f"/orgs/{org_a.pk}/").content.decode()
    assert "黄牌警告" in page and "截至9月初尚未在全国和湖北开展师资培训" in page and 'role="alert"' in page
    org_a.status = Org.Status.DELISTED
    org_a.save()
    page = as_user(org_a_user).get(f"/orgs/{org_a.pk}/").content.decode()
    assert "已摘牌" in page and "继续有效" in page


def test_the_ministry_creates_an_org_account_and_sees_the_code_once(as_user, ministry_user, org_a):
    client = as_user(ministry_user)
    assert client.get(f"/orgs/{org_a.pk}/accounts/new/").status_code == 200
    response = client.post(f"/orgs/{org_a.pk}/accounts/new/", {"username": "org_a_clerk", "full_name": "赵六",
                                                                "email": "", "phone": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "账户已创建" in page and "代码只显示这一次" in page
    binding = RoleBinding.objects.get(user__username="org_a_clerk")
    assert (binding.role, binding.scope_id) == ("org", org_a.pk)
    response = client.post(f"/orgs/{org_a.pk}/accounts/new/", {"username": "org_a_clerk", "full_name": "重复"})
    assert "已被使用" in response.content.decode()
    staff = client.get(f"/orgs/{org_a.pk}/?export=staff")
    assert [r[0] for r in list(load_workbook(io.BytesIO(staff.content)).active.values)[1:]] == ["org_a_clerk"]


def test_workbench_todos_ask_for_a_seal(as_user, org_a, org_a_user, ministry_user):
    from organizations.seals.services import org_seal_upload

    assert "上传电子公章" in as_user(org_a_user).get("/").content.decode()
    page = as_user(ministry_user).get("/").content.decode()
    assert "尚未上传电子公章的培训评价组织" in page
    org_seal_upload(actor=act(org_a_user), org=org_a, upload=seal_upload())
    assert "上传电子公章" not in as_user(org_a_user).get("/").content.decode()


def test_higher_layers_add_sections_to_the_profile(as_user, ministry_user, org_a, org_a_user, monkeypatch, tmp_path,
                                                   settings):
    (tmp_path / "extra_section.html").write_text("<section>证书共 {{ section.count }} 个：{{ section.org.name }}</section>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    monkeypatch.setattr(hooks, "_profile_sections", [])
    hooks.register_org_profile_section("extra_section.html",
                                       lambda actor, org: {"count": 3} if actor.role == "ministry" else None)
    assert f"证书共 3 个：{org_a.name}" in as_user(ministry_user).get(f"/orgs/{org_a.pk}/").content.decode()
    assert "证书共" not in as_user(org_a_user).get(f"/orgs/{org_a.pk}/").content.decode()


# --- access decisions and the personal-data policy -------------------------------------------------

def test_org_access_flags(ministry_user, org_a, org_b, org_a_user, hubei_user):
    assert selectors.org_access(act(ministry_user), org_a.pk).may == {"edit", "create_account", "read_staff",
                                                                      "supervise"}
    assert selectors.org_access(act(org_a_user), org_a.pk).may == {"upload_seal"}
    assert selectors.org_public_access(act(org_a_user), org_b.pk).may == set()
    assert selectors.registry_access(act(ministry_user)) == {"read", "create"}
    for user in (org_a_user, hubei_user):
        assert selectors.registry_access(act(user)) == set()
        with pytest.raises(NotInScope):
            selectors.org_access(act(user), org_b.pk)


def test_org_contacts_are_shown_only_through_the_policy(as_user, ministry_user, org_a, org_a_user, monkeypatch):
    """The registry page, its export, the profile and the API render contacts through
    accounts.personal_data: with the policy hiding them, none of them shows one."""
    Org.objects.filter(pk=org_a.pk).update(contact_name="陈联系", contact_phone="010-62345678",
                                           contact_email="chen@example.cn", address="北京市海淀区某路1号")
    secrets = ("陈联系", "010-62345678", "chen@example.cn", "北京市海淀区某路1号")
    client = as_user(ministry_user)
    assert all(s in client.get(f"/orgs/{org_a.pk}/").content.decode() for s in secrets)
    monkeypatch.setitem(personal_data.POLICY, personal_data.Field.ORG_CONTACT, {})
    for url in ("/orgs/", f"/orgs/{org_a.pk}/"):
        page = client.get(url).content.decode()
        assert org_a.name in page and not any(s in page for s in secrets), url
    cells = [str(v) for row in load_workbook(io.BytesIO(client.get("/orgs/?export=xlsx").content)).active.values for v in row]
    assert org_a.name in cells and not any(s in c for c in cells for s in secrets)
    for user in (ministry_user, org_a_user):
        api = sign_in(APIClient(), user)
        body = str(api.get(f"/api/v1/orgs/{org_a.pk}").json()) + str(api.get("/api/v1/orgs").json())
        assert org_a.name in body and not any(s in body for s in secrets), user.username


def test_staff_phone_and_email_go_to_the_accounts_creator_only(as_user, ministry_user, org_a):
    services.org_account_create(actor=act(ministry_user), org=org_a, username="org_a_clerk", full_name="赵六",
                                email="zhao@example.cn", phone="13912345678")
    other_officer = make_persona("ministry", username="moe2")
    for user, shown in ((ministry_user, True), (other_officer, False)):
        client = as_user(user)
        page = client.get(f"/orgs/{org_a.pk}/").content.decode()
        assert "org_a_clerk" in page and "赵六" in page
        assert ("zhao@example.cn" in page) is shown, user.username
        rows = list(load_workbook(io.BytesIO(client.get(f"/orgs/{org_a.pk}/?export=staff").content)).active.values)
        clerk = next(r for r in rows if r[0] == "org_a_clerk")
        assert (clerk[2], clerk[3]) == (("zhao@example.cn", "13912345678") if shown else (None, None)), user.username
