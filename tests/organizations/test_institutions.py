"""The institution registry: a province maintains its own institutions and their accounts; another
province's institution is a 404; the ministry reads every province's."""

import io

import openpyxl
import pytest

from accounts.models import AuditEntry, RoleBinding, User
from core.errors import AppError, Forbidden, NotInScope
from organizations.institutions import selectors, services
from organizations.institutions.models import Institution
from tests.organizations.factories import AllianceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    from accounts.scoping import actor_for

    return actor_for


def create(actor, **overrides):
    values = {"name": "武汉软件职业学院", "school_code": "4142012345", "institution_type": "higher_vocational",
              "city": "武汉市", "alliance": None, **overrides}
    return services.institution_create(actor=actor, **values)


# --- services ------------------------------------------------------------------------------------

def test_a_province_registers_an_institution_of_its_own_province(actor, hubei_user, hubei_alliance):
    institution = create(actor(hubei_user), alliance=hubei_alliance, school_code=" 4142012345 ")
    assert (institution.province_id, institution.school_code, institution.alliance) == ("42", "4142012345",
                                                                                        hubei_alliance)
    entry = AuditEntry.objects.get(action="institution.created")
    assert entry.changes["school_code"] == [None, "4142012345"] and entry.province_id == "42"


@pytest.mark.parametrize(("code", "message"), [("414201234", "学校标识码应为 10 位数字，当前为“414201234”。"),
                                               ("41420123456", "学校标识码应为 10 位数字，当前为“41420123456”。"),
                                               ("41420A2345", "学校标识码应为 10 位数字，当前为“41420A2345”。")])
def test_a_school_code_of_the_wrong_length_or_characters_is_refused(actor, hubei_user, code, message):
    with pytest.raises(AppError) as caught:
        create(actor(hubei_user), school_code=code)
    assert caught.value.field == "school_code" and str(caught.value.message) == message


def test_a_duplicate_school_code_is_refused_even_from_another_province(actor, hubei_user, shandong_institution):
    with pytest.raises(AppError) as caught:
        create(actor(hubei_user), school_code=shandong_institution.school_code)
    assert caught.value.code == "duplicate_school_code" and "山东省" in str(caught.value.message)


def test_a_duplicate_name_in_the_same_province_is_refused(actor, hubei_user, hubei_institution):
    with pytest.raises(AppError) as caught:
        create(actor(hubei_user), name=hubei_institution.name)
    assert caught.value.code == "duplicate_name"


def test_another_provinces_alliance_is_refused(actor, hubei_user, shandong):
    with pytest.raises(AppError) as caught:
        create(actor(hubei_user), alliance=AllianceFactory(province=shandong))
    assert caught.value.field == "alliance"


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_agency_user", "hubei_institution_user", "org_a_user"])
def test_only_a_provincial_department_registers_institutions(request, actor, persona):
    with pytest.raises(Forbidden):
        create(actor(request.getfixturevalue(persona)))


def test_an_update_is_audited_with_the_previous_values(actor, hubei_user, hubei_institution):
    services.institution_update(actor=actor(hubei_user), institution=hubei_institution, name="新名称",
                                school_code=hubei_institution.school_code, institution_type="secondary",
                                city="宜昌市", alliance=None)
    entry = AuditEntry.objects.get(action="institution.updated")
    assert entry.changes["name"][1] == "新名称" and entry.changes["institution_type"] == ["higher_vocational",
                                                                                          "secondary"]


def test_another_province_cannot_update(actor, shandong_user, hubei_institution):
    with pytest.raises(NotInScope):
        services.institution_update(actor=actor(shandong_user), institution=hubei_institution, name="x",
                                    school_code=hubei_institution.school_code, institution_type="secondary")


def test_the_province_creates_the_institution_account_with_a_one_time_code(actor, hubei_user, hubei_institution):
    user, code = services.institution_account_create(actor=actor(hubei_user), institution=hubei_institution,
                                                     username="whvc2", full_name="周老师")
    assert len(code) == 14 and not user.is_active
    binding = user.role_bindings.get()
    assert (binding.role, binding.province_id, binding.scope_id) == ("institution", "42", hubei_institution.pk)


def test_another_province_cannot_create_an_institution_account(actor, shandong_user, hubei_institution):
    with pytest.raises(NotInScope):
        services.institution_account_create(actor=actor(shandong_user), institution=hubei_institution,
                                            username="x1", full_name="x")
    assert not User.objects.filter(username="x1").exists()


# --- pages -----------------------------------------------------------------------------------------

def test_the_province_sees_only_its_own_institutions(as_user, hubei_user, hubei_institution, shandong_institution):
    response = as_user(hubei_user).get("/orgs/institutions/")
    assert response.status_code == 200
    assert hubei_institution.name in response.content.decode()
    assert shandong_institution.name not in response.content.decode()


def test_the_ministry_reads_every_province_and_exports(as_user, ministry_user, hubei_institution,
                                                       shandong_institution):
    client = as_user(ministry_user)
    page = client.get("/orgs/institutions/").content.decode()
    assert hubei_institution.name in page and shandong_institution.name in page and "登记院校" not in page
    response = client.get("/orgs/institutions/?province=37&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:2] == ["学校标识码", "院校名称"]
    assert [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)] == [shandong_institution.name]


@pytest.mark.parametrize("persona", ["org_a_user", "student_user", "hubei_institution_user"])
def test_the_registry_list_is_refused_to_other_roles(request, as_user, persona):
    assert as_user(request.getfixturevalue(persona)).get("/orgs/institutions/").status_code == 403


def test_another_provinces_institution_is_a_404(as_user, hubei_user, shandong_institution):
    client = as_user(hubei_user)
    assert client.get(f"/orgs/institutions/{shandong_institution.pk}/").status_code == 404
    assert client.get(f"/orgs/institutions/{shandong_institution.pk}/edit/").status_code == 404
    assert client.post(f"/orgs/institutions/{shandong_institution.pk}/accounts/new/",
                       {"username": "zz", "full_name": "z"}).status_code == 404


def test_the_agency_reads_but_may_not_edit(as_user, hubei_agency_user, hubei_institution):
    client = as_user(hubei_agency_user)
    assert client.get(f"/orgs/institutions/{hubei_institution.pk}/").status_code == 200
    assert client.get(f"/orgs/institutions/{hubei_institution.pk}/edit/").status_code == 403
    assert client.get("/orgs/institutions/new/").status_code == 403


def test_registering_through_the_form(as_user, hubei_user, hubei_alliance):
    client = as_user(hubei_user)
    response = client.post("/orgs/institutions/new/", {"name": "湖北新院校", "school_code": "4142077777",
                                                       "institution_type": "secondary", "city": "襄阳市",
                                                       "alliance": hubei_alliance.pk})
    institution = Institution.objects.get(school_code="4142077777")
    assert response.status_code == 302 and response["Location"] == f"/orgs/institutions/{institution.pk}/"
    bad = client.post("/orgs/institutions/new/", {"name": "另一所", "school_code": "12345",
                                                  "institution_type": "secondary"})
    assert "学校标识码应为 10 位数字，当前为“12345”。" in bad.content.decode()


def test_editing_through_the_form(as_user, hubei_user, hubei_institution):
    client = as_user(hubei_user)
    response = client.post(f"/orgs/institutions/{hubei_institution.pk}/edit/", {
        "name": "改名后的学院", "school_code": hubei_institution.school_code, "institution_type": "technician"})
    assert response.status_code == 302
    hubei_institution.refresh_from_db()
    assert hubei_institution.name == "改名后的学院"


def test_the_account_code_is_shown_once_on_the_institution_page(as_user, hubei_user, hubei_institution):
    client = as_user(hubei_user)
    response = client.post(f"/orgs/institutions/{hubei_institution.pk}/accounts/new/",
                           {"username": "whvc_new", "full_name": "钱老师"})
    assert response.status_code == 200 and "代码只显示这一次" in response.content.decode()
    assert RoleBinding.objects.filter(user__username="whvc_new", scope_id=hubei_institution.pk).exists()
    page = client.get(f"/orgs/institutions/{hubei_institution.pk}/").content.decode()
    assert "whvc_new" in page
    duplicate = client.post(f"/orgs/institutions/{hubei_institution.pk}/accounts/new/",
                            {"username": "whvc_new", "full_name": "钱老师"})
    assert duplicate.status_code == 400 and "已被使用" in duplicate.content.decode()


# --- API -----------------------------------------------------------------------------------------

def test_api_lists_in_scope_and_creates(as_user, hubei_user, shandong_institution, hubei_institution):
    client = as_user(hubei_user)
    body = client.get("/api/v1/institutions").json()
    assert [r["school_code"] for r in body["results"]] == [hubei_institution.school_code]
    created = client.post("/api/v1/institutions", {"name": "API学院", "school_code": "4142066666",
                                                   "institution_type": "secondary"}, content_type="application/json")
    assert created.status_code == 201 and created.json()["province"] == "42"
    bad = client.post("/api/v1/institutions", {"name": "API学院2", "school_code": "123",
                                               "institution_type": "secondary"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "school_code"
    assert client.get(f"/api/v1/institutions/{shandong_institution.pk}").status_code == 404
    assert client.put(f"/api/v1/institutions/{shandong_institution.pk}", {
        "name": "x", "school_code": shandong_institution.school_code, "institution_type": "secondary"},
        content_type="application/json").status_code == 404


def test_api_refuses_writes_by_other_roles(as_user, ministry_user, hubei_agency_user, hubei_institution):
    client = as_user(ministry_user)
    assert client.get("/api/v1/institutions").json()["count"] == Institution.objects.count()
    assert client.post("/api/v1/institutions", {"name": "x", "school_code": "4142066667",
                                                "institution_type": "secondary"},
                       content_type="application/json").status_code == 403
    agency = as_user(hubei_agency_user)
    assert agency.put(f"/api/v1/institutions/{hubei_institution.pk}", {
        "name": "x", "school_code": hubei_institution.school_code, "institution_type": "secondary"},
        content_type="application/json").status_code == 403


def test_institution_accounts_are_listed_only_for_the_owner(as_user, hubei_user, hubei_institution,
                                                            hubei_institution_user, ministry_user):
    page = as_user(ministry_user).get(f"/orgs/institutions/{hubei_institution.pk}/").content.decode()
    assert hubei_institution_user.username in page and "创建院校账户" not in page
    own = as_user(hubei_user).get(f"/orgs/institutions/{hubei_institution.pk}/").content.decode()
    assert "创建院校账户" in own


# --- access decisions ------------------------------------------------------------------------------

@pytest.mark.parametrize(("persona", "flags"), [
    ("ministry_user", {"read", "filter_by_province"}), ("hubei_user", {"read", "create"}),
    ("hubei_agency_user", {"read"}), ("hubei_institution_user", set()), ("hubei_alliance_user", set()),
    ("org_a_user", set()), ("student_user", set())])
def test_registry_access_per_persona(request, actor, persona, flags):
    assert selectors.registry_access(actor(request.getfixturevalue(persona))) == flags


def test_only_the_keeping_province_may_edit_file_and_create_accounts(actor, hubei_institution, hubei_user, ministry_user,
                                                                     hubei_agency_user, hubei_institution_user,
                                                                     hubei_alliance_user, shandong_user):
    assert selectors.institution_access(actor(hubei_user), hubei_institution.pk).may == {"edit", "create_account", "file"}
    for user in (ministry_user, hubei_agency_user, hubei_institution_user, hubei_alliance_user):
        assert selectors.institution_access(actor(user), hubei_institution.pk).may == set(), user.username
    with pytest.raises(NotInScope):
        selectors.institution_access(actor(shandong_user), hubei_institution.pk)


def test_the_detail_page_offers_only_what_the_reader_may_do(as_user, hubei_user, hubei_agency_user, hubei_institution):
    own = as_user(hubei_user).get(f"/orgs/institutions/{hubei_institution.pk}/").content.decode()
    assert f"/orgs/institutions/{hubei_institution.pk}/edit/" in own and "为该院校备案" in own
    agency = as_user(hubei_agency_user).get(f"/orgs/institutions/{hubei_institution.pk}/").content.decode()
    assert hubei_institution.name in agency
    assert f"/orgs/institutions/{hubei_institution.pk}/edit/" not in agency and "为该院校备案" not in agency


def test_a_read_only_role_gets_403_on_an_account_in_the_page_and_on_an_edit_in_the_api(as_user, hubei_agency_user,
                                                                                       hubei_institution):
    client = as_user(hubei_agency_user)
    assert client.post(f"/orgs/institutions/{hubei_institution.pk}/accounts/new/",
                       {"username": "agency_made", "full_name": "某"}).status_code == 403
    assert client.post(f"/orgs/institutions/{hubei_institution.pk}/edit/", {
        "name": "x", "school_code": hubei_institution.school_code, "institution_type": "secondary"}).status_code == 403
    assert client.put(f"/api/v1/institutions/{hubei_institution.pk}", {
        "name": "x", "school_code": hubei_institution.school_code, "institution_type": "secondary"},
        content_type="application/json").status_code == 403
    assert not User.objects.filter(username="agency_made").exists()
    hubei_institution.refresh_from_db()
    assert hubei_institution.name != "x"
