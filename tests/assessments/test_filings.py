"""Filing services: recorded at once, corrected by a later filing of the same key, withdrawn, and
audited with the previous values. Filing is not approval (domain rule 1)."""

import pytest
from django.db import connection

from accounts.models import AuditEntry
from assessments.filings import selectors
from assessments.filings import services as filings
from assessments.filings.imports import FilingData
from assessments.models import Filing, FilingLevel
from certificates.catalog.models import Certificate
from core.errors import AppError, Forbidden, NotInScope
from tests.assessments.factories import FilingFactory
from tests.certificates.factories import CertificateFactory, CertificateLevelFactory
from tests.organizations.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def save(actor, institution, certificate, *, year=2020, levels=None, name="张老师", phone="13800000000"):
    return filings.filing_save(actor=actor, institution=institution, certificate=certificate, year=year,
                               levels=levels or {"junior": 120, "intermediate": 40}, contact_name=name,
                               contact_phone=phone)


def test_a_filing_is_recorded_at_once_and_counts(actor, hubei_user, hubei_institution, certificate):
    filing, outcome = save(actor(hubei_user), hubei_institution, certificate)
    assert outcome == "created"
    assert filing.total_students == 160 and filing.province_id == "42" and filing.withdrawn_at is None
    assert dict(filing.levels.values_list("level", "declared_students")) == {"junior": 120, "intermediate": 40}
    # No approval state exists on the model at all: a filing is a record, not an application.
    field_names = {f.name for f in Filing._meta.get_fields()}
    assert not field_names & {"status", "approved", "approved_at", "reviewed_by", "threshold"}
    entry = AuditEntry.objects.get(action="filing.created")
    assert entry.object_id == str(filing.pk) and entry.province_id == "42"
    assert entry.changes["levels"] == [None, {"junior": 120, "intermediate": 40}]
    assert entry.changes["total_students"] == [None, 160]


@pytest.mark.parametrize("students", [1, 250_000])
def test_no_threshold_small_or_large_scales_are_recorded(actor, hubei_user, hubei_institution, certificate, students):
    filing, _ = save(actor(hubei_user), hubei_institution, certificate, levels={"senior": students})
    assert filing.total_students == students


def test_a_later_filing_of_the_same_key_corrects_it_keeping_the_previous_values(
        actor, hubei_user, hubei_institution, certificate):
    first, _ = save(actor(hubei_user), hubei_institution, certificate)
    second, outcome = save(actor(hubei_user), hubei_institution, certificate, levels={"junior": 100, "senior": 5},
                           name="李老师")
    assert outcome == "corrected" and second.pk == first.pk
    assert Filing.objects.count() == 1
    assert dict(second.levels.values_list("level", "declared_students")) == {"junior": 100, "senior": 5}
    assert second.total_students == 105 and second.contact_name == "李老师"
    entry = AuditEntry.objects.get(action="filing.corrected")
    assert entry.changes == {
        "levels": [{"junior": 120, "intermediate": 40}, {"junior": 100, "senior": 5}],
        "total_students": [160, 105], "contact_name": ["张老师", "李老师"]}


def test_the_same_filing_again_changes_nothing(actor, hubei_user, hubei_institution, certificate):
    save(actor(hubei_user), hubei_institution, certificate)
    _, outcome = save(actor(hubei_user), hubei_institution, certificate)
    assert outcome == "unchanged"
    assert AuditEntry.objects.filter(action__startswith="filing.").count() == 1


def test_another_year_is_another_filing(actor, hubei_user, hubei_institution, certificate):
    save(actor(hubei_user), hubei_institution, certificate, year=2020)
    save(actor(hubei_user), hubei_institution, certificate, year=2021)
    assert Filing.objects.count() == 2


def test_a_province_cannot_file_for_another_provinces_institution(
        actor, hubei_user, shandong_institution, certificate):
    with pytest.raises(NotInScope) as caught:
        save(actor(hubei_user), shandong_institution, certificate)
    assert "不属于湖北省" in str(caught.value.message)
    assert not Filing.objects.exists()


@pytest.mark.parametrize("persona", ["ministry_user", "hubei_agency_user", "hubei_institution_user", "org_a_user"])
def test_only_the_provincial_department_files(request, actor, persona, hubei_institution, certificate):
    with pytest.raises(Forbidden):
        save(actor(request.getfixturevalue(persona)), hubei_institution, certificate)


@pytest.mark.parametrize(("status", "label"), [(Certificate.Status.APPLIED, "申报中"),
                                               (Certificate.Status.SUSPENDED, "暂停"),
                                               (Certificate.Status.WITHDRAWN, "已退出")])
def test_a_certificate_that_is_not_published_cannot_be_filed(actor, hubei_user, hubei_institution, status, label):
    certificate = CertificateFactory(status=status)
    CertificateLevelFactory(certificate=certificate)
    with pytest.raises(AppError) as caught:
        save(actor(hubei_user), hubei_institution, certificate, levels={"junior": 5})
    assert caught.value.field == "certificate" and f"“{label}”" in str(caught.value.message)


def test_a_level_the_certificate_does_not_offer_is_refused(actor, hubei_user, hubei_institution):
    certificate = CertificateFactory(name="只有初级的证书")
    CertificateLevelFactory(certificate=certificate, level="junior")
    with pytest.raises(AppError) as caught:
        save(actor(hubei_user), hubei_institution, certificate, levels={"junior": 5, "senior": 3})
    assert caught.value.field == "senior"
    assert str(caught.value.message) == "证书“只有初级的证书”没有“高级”等级（设有：初级）。"


@pytest.mark.parametrize("value", [0, -3])
def test_a_scale_that_is_not_a_positive_whole_number_is_refused(actor, hubei_user, hubei_institution, certificate,
                                                               value):
    with pytest.raises(AppError) as caught:
        save(actor(hubei_user), hubei_institution, certificate, levels={"junior": value})
    assert caught.value.field == "junior" and "正整数" in str(caught.value.message)


def test_at_least_one_level_is_needed(actor, hubei_user, hubei_institution, certificate):
    with pytest.raises(AppError) as caught:
        save(actor(hubei_user), hubei_institution, certificate, levels={"junior": None, "senior": None})
    assert caught.value.field == "levels"


@pytest.mark.parametrize(("kwargs", "field"), [({"year": 2017}, "year"), ({"phone": "12345"}, "contact_phone"),
                                               ({"name": "  "}, "contact_name")])
def test_year_and_contact_are_checked(actor, hubei_user, hubei_institution, certificate, kwargs, field):
    with pytest.raises(AppError) as caught:
        save(actor(hubei_user), hubei_institution, certificate, **kwargs)
    assert caught.value.field == field


def test_a_withdrawn_filing_stops_counting_and_filing_again_restores_it(
        actor, hubei_user, hubei_institution, certificate, ministry_user):
    filing, _ = save(actor(hubei_user), hubei_institution, certificate)
    assert selectors.national_totals(actor(ministry_user))["total"] == 160
    filings.filing_withdraw(actor=actor(hubei_user), filing=filing, reason="院校退出试点")
    filing.refresh_from_db()
    assert filing.withdrawn_at is not None and filing.withdrawal_reason == "院校退出试点"
    assert selectors.national_totals(actor(ministry_user))["total"] == 0
    assert selectors.level_totals(Filing.objects.all())["total"] == 0
    entry = AuditEntry.objects.get(action="filing.withdrawn")
    assert entry.changes["withdrawn"] == [False, True] and entry.note == "院校退出试点"
    with pytest.raises(AppError):
        filings.filing_withdraw(actor=actor(hubei_user), filing=filing)
    _, outcome = save(actor(hubei_user), hubei_institution, certificate)
    assert outcome == "corrected"
    assert selectors.national_totals(actor(ministry_user))["total"] == 160
    assert AuditEntry.objects.filter(action="filing.corrected").first().changes["withdrawn"] == [True, False]


def test_another_province_cannot_withdraw(actor, hubei_user, shandong_user, hubei_institution, certificate):
    filing, _ = save(actor(hubei_user), hubei_institution, certificate)
    with pytest.raises(NotInScope):
        filings.filing_withdraw(actor=actor(shandong_user), filing=filing)
    assert Filing.objects.get().withdrawn_at is None


def test_national_totals_per_province_and_certificate(actor, hubei_user, shandong_user, hubei_institution,
                                                     shandong_institution, certificate, other_certificate,
                                                     ministry_user):
    save(actor(hubei_user), hubei_institution, certificate, levels={"junior": 100})
    save(actor(hubei_user), hubei_institution, other_certificate, levels={"junior": 50})
    save(actor(shandong_user), shandong_institution, certificate, levels={"senior": 7}, year=2021)
    totals = selectors.national_totals(actor(ministry_user))
    assert totals["total"] == 157 and totals["filings"] == 3 and totals["institutions"] == 2
    by_province = {r["province"].code: r["students"] for r in totals["provinces"]}
    assert by_province["42"] == 150 and by_province["37"] == 7 and by_province["54"] == 0
    assert [(r["certificate__name"], r["students"]) for r in totals["certificates"]] == [("Web前端开发", 107),
                                                                                          ("老年照护", 50)]
    assert selectors.national_totals(actor(ministry_user), year=2021)["total"] == 7
    matrix = list(selectors.national_matrix(actor(ministry_user)))
    assert {(r["year"], r["certificate__code"], r["province__name"], r["students"]) for r in matrix} == {
        (2020, "X10001", "湖北省", 100), (2020, "X10002", "湖北省", 50), (2021, "X10001", "山东省", 7)}
    with pytest.raises(Forbidden):
        selectors.national_totals(actor(hubei_user))


def test_level_totals_per_certificate_and_level(actor, hubei_user, hubei_institution, certificate, hubei):
    other = InstitutionFactory(province=hubei)
    save(actor(hubei_user), hubei_institution, certificate, levels={"junior": 100, "intermediate": 10})
    save(actor(hubei_user), other, certificate, levels={"junior": 1, "senior": 2})
    totals = selectors.level_totals(selectors.filings_visible(actor(hubei_user)))
    assert totals["certificates"][0] | {} == {
        "certificate_id": certificate.pk, "name": "Web前端开发", "code": "X10001", "junior": 101, "intermediate": 10,
        "senior": 2, "total": 113, "filings": 2}
    assert totals["levels"] == {"junior": 101, "intermediate": 10, "senior": 2} and totals["total"] == 113


def _items(institutions, certificate, *, students=10):
    return [FilingData(institution_id=i.pk, certificate_id=certificate.pk, year=2020,
                       levels={"junior": students, "senior": 1}, contact_name="张老师", contact_phone="13800000000")
            for i in institutions]


def test_bulk_save_creates_corrects_and_leaves_identical_filings_alone(actor, hubei_user, hubei, certificate):
    institutions = InstitutionFactory.create_batch(5, province=hubei)
    outcome = filings.filings_bulk_save(actor=actor(hubei_user), items=_items(institutions, certificate))
    assert (outcome.created, outcome.corrected, outcome.unchanged) == (5, 0, 0)
    again = filings.filings_bulk_save(actor=actor(hubei_user), items=_items(institutions, certificate))
    assert (again.created, again.corrected, again.unchanged) == (0, 0, 5)
    items = _items(institutions[:2], certificate, students=99) + _items(institutions[2:], certificate)
    third = filings.filings_bulk_save(actor=actor(hubei_user), items=items)
    assert (third.created, third.corrected, third.unchanged) == (0, 2, 3)
    assert Filing.objects.count() == 5 and FilingLevel.objects.count() == 10
    assert sorted(Filing.objects.values_list("total_students", flat=True)) == [11, 11, 11, 100, 100]
    assert AuditEntry.objects.filter(action="filing.created").count() == 5
    corrected = AuditEntry.objects.filter(action="filing.corrected")
    assert corrected.count() == 2 and corrected.first().changes["total_students"] == [11, 100]


def test_bulk_save_refuses_another_provinces_institution(actor, hubei_user, hubei, shandong_institution, certificate):
    items = _items([InstitutionFactory(province=hubei), shandong_institution], certificate)
    with pytest.raises(NotInScope):
        filings.filings_bulk_save(actor=actor(hubei_user), items=items)
    assert not Filing.objects.exists()


@pytest.mark.postgres
def test_bulk_save_on_postgres_takes_the_copy_path_with_the_same_result(actor, hubei_user, hubei, certificate):
    institutions = InstitutionFactory.create_batch(filings.COPY_THRESHOLD + 50, province=hubei)
    filing_before = Filing.objects.create(institution=institutions[0], certificate=certificate, year=2020,
                                          province=hubei, contact_name="旧", contact_phone="13900000000",
                                          total_students=3)
    FilingLevel.objects.create(filing=filing_before, level="intermediate", declared_students=3)
    outcome = filings.filings_bulk_save(actor=actor(hubei_user), items=_items(institutions, certificate))
    assert connection.vendor == "postgresql"
    assert (outcome.created, outcome.corrected) == (filings.COPY_THRESHOLD + 49, 1)
    filing_before.refresh_from_db()
    assert filing_before.contact_name == "张老师" and filing_before.total_students == 11
    assert dict(filing_before.levels.values_list("level", "declared_students")) == {"junior": 10, "senior": 1}
    assert FilingLevel.objects.count() == 2 * len(institutions)
    assert AuditEntry.objects.filter(action="filing.created").count() == filings.COPY_THRESHOLD + 49
    entry = AuditEntry.objects.get(action="filing.corrected")
    assert entry.changes["contact_name"] == ["旧", "张老师"] and entry.actor_id == hubei_user.pk
    assert entry.object_id == str(filing_before.pk)


# --- one access decision (issue 13): the selector decides, the form and the API obey it -------------

@pytest.mark.parametrize(("persona", "expected"), [
    ("hubei_user", {"read", "file", "template", "imports"}),
    ("hubei_agency_user", {"read", "template", "imports"}),
    ("ministry_user", {"read", "imports", "national", "compare_provinces"}),
    ("org_a_user", {"read", "compare_provinces"}),
    ("hubei_alliance_user", {"read"}), ("hubei_institution_user", {"read"}), ("student_user", set()),
])
def test_what_each_role_may_do_on_the_filing_pages(request, actor, persona, expected):
    assert selectors.filings_page_access(actor(request.getfixturevalue(persona))) == expected


@pytest.mark.parametrize("persona", ["hubei_agency_user", "ministry_user", "org_a_user", "hubei_alliance_user",
                                     "hubei_institution_user"])
def test_a_role_that_reads_a_filing_gets_403_on_withdraw_from_the_form_and_the_api(request, as_user, persona,
                                                                                   hubei_institution, certificate):
    filing = FilingFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(request.getfixturevalue(persona))
    page = client.get(f"/assessments/filings/{filing.pk}/")
    assert page.status_code == 200 and f"/assessments/filings/{filing.pk}/correct/" not in page.content.decode()
    assert client.post(f"/assessments/filings/{filing.pk}/withdraw/", {"reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/filings/{filing.pk}/withdraw", {}, content_type="application/json").status_code == 403
    assert client.get(f"/assessments/filings/{filing.pk}/correct/").status_code == 403
    filing.refresh_from_db()
    assert filing.withdrawn_at is None


def test_another_province_gets_404_from_the_form_and_the_api(as_user, shandong_user, hubei_user, hubei_institution,
                                                             certificate):
    filing = FilingFactory(institution=hubei_institution, certificate=certificate)
    client = as_user(shandong_user)
    assert client.get(f"/assessments/filings/{filing.pk}/").status_code == 404
    assert client.post(f"/assessments/filings/{filing.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert client.post(f"/api/v1/filings/{filing.pk}/withdraw", {}, content_type="application/json").status_code == 404
    own = as_user(hubei_user).get(f"/assessments/filings/{filing.pk}/").content.decode()
    assert f"/assessments/filings/{filing.pk}/correct/" in own
