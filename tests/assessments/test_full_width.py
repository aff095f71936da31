"""Full-width input (a Chinese input method left in full-width mode) means the same as half-width
on every path: the filing form, the bulk file, the API, the institution registry form. And the
filing form names every wrong field at once."""

import pytest

from assessments.models import Filing, FilingImport
from organizations.institutions.models import Institution
from tests.assessments.test_imports import run, xlsx_file
from tests.organizations.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in str(text))


@pytest.fixture
def registered(hubei):
    return InstitutionFactory(province=hubei, name="湖北某职业学院", school_code="4142800004")


def test_a_bulk_file_with_a_full_width_school_code_and_numbers_is_saved(actor, hubei_user, registered, certificate):
    rows = [["４１４２８００００４", registered.name, "ｘ１０００１", "２０２０", "初级", "１２０", "张老师",
             "１３８００００００００"],
            ["　4142800004　", "", "Web前端开发", 2020, "高级", "１，０００", "张老师", "１３８ ００００ ００００"]]
    record = run(actor(hubei_user), xlsx_file(rows))
    assert record.status == FilingImport.Status.SUCCEEDED, (record.message, record.errors)
    filing = Filing.objects.get()
    assert (filing.institution, filing.certificate, filing.year) == (registered, certificate, 2020)
    assert dict(filing.levels.values_list("level", "declared_students")) == {"junior": 120, "senior": 1000}
    assert filing.contact_phone == "13800000000"


def test_the_filing_form_reads_full_width_numbers_and_phone(as_user, hubei_user, registered, certificate):
    response = as_user(hubei_user).post("/assessments/filings/new/", {
        "institution": registered.pk, "certificate": certificate.pk, "year": "２０２０", "junior": "５０",
        "senior": "１０", "contact_name": "　张老师　", "contact_phone": "（０２７）８７６５４３２１"})
    assert response.status_code == 302, response.context["form"].errors
    filing = Filing.objects.get()
    assert (filing.year, filing.total_students, filing.contact_name, filing.contact_phone) == (
        2020, 60, "张老师", "02787654321")


def test_the_api_reads_a_full_width_certificate_code_count_and_phone(as_user, hubei_user, registered, certificate):
    response = as_user(hubei_user).post("/api/v1/filings", {
        "institution": registered.pk, "certificate": "ｘ１０００１", "year": "２０２０", "levels": {"junior": "３０"},
        "contact_name": "张老师", "contact_phone": "１３８００００００００"}, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["total_students"] == 30 and response.json()["contact_phone"] == "13800000000"


def test_the_bulk_api_reads_a_full_width_school_code(as_user, hubei_user, registered, certificate):
    response = as_user(hubei_user).post("/api/v1/filings/bulk", {"rows": [{
        "school_code": "４１４２８００００４", "certificate": "Web前端开发", "year": "２０２０", "level": "初级",
        "declared_students": "１２", "contact_name": "张老师", "contact_phone": "１３８００００００００"}]},
        content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Filing.objects.get().institution == registered


def test_the_registry_form_stores_a_full_width_school_code_half_width(as_user, hubei_user):
    response = as_user(hubei_user).post("/orgs/institutions/new/", {
        "name": "湖北新院校", "school_code": "４１４２０７７７７７", "institution_type": "secondary", "city": "襄阳市"})
    assert response.status_code == 302
    assert Institution.objects.filter(school_code="4142077777").exists()


# --- every wrong field at once ---------------------------------------------------------------------

def test_the_filing_form_reports_a_bad_count_and_a_bad_phone_together(as_user, hubei_user, registered, certificate):
    response = as_user(hubei_user).post("/assessments/filings/new/", {
        "institution": registered.pk, "certificate": certificate.pk, "year": 2020, "junior": "0",
        "contact_name": "张老师", "contact_phone": "123"})
    errors = response.context["form"].errors
    assert set(errors) == {"junior", "contact_phone"}, errors
    assert "电话号码“123”格式不正确" in errors["contact_phone"][0]
    page = response.content.decode()
    assert "申报人数应为正整数" in page and "电话号码“123”格式不正确" in page
    assert not Filing.objects.exists()


def test_the_filing_form_reports_every_rule_the_service_refuses_together(as_user, hubei_user, registered):
    from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

    junior_only = CertificateFactory(name="只有初级")
    CertificateLevelFactory(certificate=junior_only, level="junior")
    response = as_user(hubei_user).post("/assessments/filings/new/", {
        "institution": registered.pk, "certificate": junior_only.pk, "year": 1999, "intermediate": 5, "senior": 10,
        "contact_name": "张老师", "contact_phone": "13800000000"})
    errors = response.context["form"].errors
    assert set(errors) == {"year", "intermediate", "senior"}, errors
    assert not Filing.objects.exists()


def test_the_api_names_every_wrong_field_of_one_filing(as_user, hubei_user, registered, certificate):
    response = as_user(hubei_user).post("/api/v1/filings", {
        "institution": registered.pk, "certificate": certificate.code, "year": 2020, "levels": {"junior": 0, "senior": -2},
        "contact_name": "张老师", "contact_phone": "123"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "junior"
    assert {e["field"] for e in body["errors"]} == {"junior", "senior", "contact_phone"}
    assert not Filing.objects.exists()


def test_the_site_session_and_trainer_apis_read_full_width_codes(as_user, org_a_user, hubei_institution_user,
                                                                 certificate):
    """Issue 16: a province code, certificate code, ID number (lower-case ｘ) and capacity typed in
    full width over the API are the values meant (they were compared as typed: '证书代码不在证书目录中')."""
    import datetime

    from assessments.models import AssessmentSession, Site, TrainerQualification
    from tests.accounts.factories import valid_id_number

    org = as_user(org_a_user)
    site = org.post("/api/v1/sites", {"code": "４２０２", "name": "江夏考点", "province": "４２",
                                      "address": "武汉市江夏区"}, content_type="application/json")
    assert site.status_code == 201, site.json()
    assert Site.objects.get(pk=site.json()["id"]).province_id == "42"
    session = org.post("/api/v1/sessions", {"certificate": "ｘ１０００１", "level": "junior", "site": site.json()["id"],
                                            "date": datetime.date.today().isoformat(), "capacity": "１０"},
                       content_type="application/json")
    assert session.status_code == 201, session.json()
    assert AssessmentSession.objects.get(pk=session.json()["id"]).capacity == 10
    id_number = valid_id_number()
    typed = full_width(id_number[:-1] + ("x" if id_number[-1] == "X" else id_number[-1]))
    trainer = as_user(hubei_institution_user).post("/api/v1/trainer-qualifications", {
        "name": "王老师", "id_number": typed, "subject": "软件技术", "certificate": "ｘ１０００１",
        "training_date": "2020-08-01"}, content_type="application/json")
    assert trainer.status_code == 201, trainer.json()
    assert TrainerQualification.objects.get().person.id_number == id_number


def test_searches_find_a_code_typed_in_full_width(registered, org_a, certificate):
    """Issue 16: a school code, credit code or certificate code typed in full width into a search box
    finds what the half-width code finds."""
    from certificates.catalog.filters import CertificateFilter
    from certificates.catalog.models import Certificate
    from organizations.institutions.selectors import institutions_matching
    from organizations.orgs.models import Org
    from organizations.orgs.selectors import orgs_matching

    assert list(institutions_matching(Institution.objects.all(), "４１４２８０")) == [registered]
    credit = full_width(org_a.credit_code.lower())
    assert list(orgs_matching(Org.objects.all(), credit)) == [org_a]
    found = CertificateFilter({"q": "ｘ１０００１"}, queryset=Certificate.objects.all()).qs
    assert list(found) == [certificate]


def test_the_filing_form_names_the_rules_with_the_wrong_fields_in_one_go(as_user, hubei_user, registered):
    """Issue 16: a year outside the range and a level the certificate does not offer are named in
    the same answer as a blank contact, a wrong phone and a negative count (they came one round later)."""
    from tests.certificates.factories import CertificateFactory, CertificateLevelFactory

    junior_only = CertificateFactory(name="只有初级")
    CertificateLevelFactory(certificate=junior_only, level="junior")
    response = as_user(hubei_user).post("/assessments/filings/new/", {
        "institution": registered.pk, "certificate": junior_only.pk, "year": "１９９９", "junior": "－５",
        "senior": "１０", "contact_name": "　", "contact_phone": "１２３"})
    errors = response.context["form"].errors
    assert set(errors) == {"year", "junior", "senior", "contact_name", "contact_phone"}, errors
    assert "年度应为" in errors["year"][0] and "没有“高级”等级" in errors["senior"][0]
    assert len(errors["junior"]) == 1 and "__all__" not in errors
    assert not Filing.objects.exists()
