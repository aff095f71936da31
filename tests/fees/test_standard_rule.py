"""Issue 16, fees: at any date exactly one standard applies to a certificate level in a province,
whether it was verified for all levels (各等级统一) or for one — in the service, and on PostgreSQL in
the database (an exclusion constraint), also under two verifications at once. A new standard says
which it supersedes; existing overlaps are resolved by the migration the way amounts due were."""

import datetime
import importlib
import threading
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction

from accounts.models import AuditEntry
from accounts.scoping import actor_for
from certificates.catalog.models import AssessmentType, Level
from core.errors import AppError
from fees import selectors, services
from fees.models import FeeStandard, FeeStandardLevel, FeeThread
from tests.certificates.factories import CertificateFactory, CertificateLevelFactory
from tests.fees.conftest import items

pytestmark = pytest.mark.django_db
D = datetime.date
ALL = ""  # a standard verified for all levels (各等级统一)


@pytest.fixture
def web(org_a):
    """Web前端开发 with its three levels assessed the same way (computer), so that one standard may be
    verified for all levels."""
    certificate = CertificateFactory(org=org_a, name="Web前端开发")
    for level in Level.values:
        CertificateLevelFactory(certificate=certificate, level=level, assessment_type=AssessmentType.COMPUTER)
    return certificate


def verify(org_user, province_user, certificate, province, level, amount, effective_from):
    version = services.fee_proposal_submit(actor=actor_for(org_user), certificate=certificate, level=level,
                                           province=province, items=items(question_bank=amount))
    return services.fee_version_verify(actor=actor_for(province_user), version=version, effective_from=effective_from)


def in_force(certificate, level, on):
    return selectors.standard_in_force(certificate_id=certificate.pk, level=level, province_code="42", on=on)


def test_an_all_levels_standard_from_the_same_date_as_a_levels_own_is_refused_naming_it(org_a_user, hubei_user,
                                                                                        web, hubei):
    """The issue's case: 初级 300.00 from 2027-01-01, then 各等级统一 250.00 from the same date."""
    junior = verify(org_a_user, hubei_user, web, hubei, "junior", "300", D(2027, 1, 1))
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web, level=ALL, province=hubei,
                                           items=items(question_bank="250"))
    with pytest.raises(AppError) as err:
        services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2027, 1, 1))
    message = str(err.value.message)
    assert err.value.code == "overlap" and err.value.field == "effective_from"
    assert f"湖北省 Web前端开发 初级 300.00 元/人次（自 2027-01-01 起，核定标准第 {junior.pk} 号）" in message
    assert "须晚于 2027-01-01" in message
    assert FeeStandard.objects.count() == 1 and FeeStandardLevel.objects.count() == 1
    assert FeeThread.objects.get(pk=version.thread_id).status == FeeThread.Status.NEGOTIATING
    refused = AuditEntry.objects.get(action="fee.refused", changes__attempted__1="fee.verified")
    assert refused.changes["code"] == [None, "overlap"] and refused.actor_role == "province"
    assert refused.province_id == "42" and "核定标准第" in refused.note


def test_a_levels_own_standard_after_an_all_levels_one_supersedes_it_for_that_level_only(org_a_user, hubei_user,
                                                                                         web, hubei):
    everyone = verify(org_a_user, hubei_user, web, hubei, ALL, "230", D(2020, 9, 1))
    assert sorted(everyone.levels.values_list("level", flat=True)) == sorted(Level.values)
    junior = verify(org_a_user, hubei_user, web, hubei, "junior", "300", D(2027, 1, 1))
    row = everyone.levels.get(level="junior")
    assert row.effective_until == D(2026, 12, 31) and row.superseded_by == junior
    everyone.refresh_from_db()
    assert everyone.effective_until is None  # still the standard of 中级 and 高级
    assert selectors.standards_superseded_by(junior) == [everyone]
    assert in_force(web, "junior", D(2026, 12, 31)) == everyone and in_force(web, "junior", D(2027, 1, 1)) == junior
    assert in_force(web, "intermediate", D(2027, 6, 1)) == everyone
    superseded = AuditEntry.objects.get(action="fee.superseded")
    assert superseded.object_id == str(everyone.pk) and superseded.changes["superseded_by"] == [None, junior.pk]
    assert superseded.changes["levels"] == [None, ["junior"]]

    # 各等级统一 from the date 初级 got its own standard: refused; from a later date it supersedes both.
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web, level=ALL, province=hubei,
                                           items=items(question_bank="250"))
    with pytest.raises(AppError, match="核定标准第"):
        services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2027, 1, 1))
    later = services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2027, 3, 1))
    assert selectors.standards_superseded_by(later) == [everyone, junior]
    everyone.refresh_from_db()
    junior.refresh_from_db()
    assert everyone.effective_until == D(2027, 2, 28) and junior.effective_until == D(2027, 2, 28)
    for level in Level.values:
        assert in_force(web, level, D(2027, 3, 1)) == later


def test_a_date_before_a_later_standard_is_refused_naming_the_later_one(org_a_user, hubei_user, web, hubei):
    verify(org_a_user, hubei_user, web, hubei, "junior", "200", D(2020, 9, 1))
    successor = verify(org_a_user, hubei_user, web, hubei, "junior", "220", D(2022, 1, 1))
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web, level=ALL, province=hubei,
                                           items=items(question_bank="210"))
    with pytest.raises(AppError) as err:
        services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=D(2021, 1, 1))
    assert f"核定标准第 {successor.pk} 号" in str(err.value.message)
    assert FeeStandardLevel.objects.count() == 2


def test_at_any_date_one_standard_per_level(org_a_user, hubei_user, web, hubei):
    """Whatever succession was accepted, no level has two rows on one day."""
    verify(org_a_user, hubei_user, web, hubei, ALL, "230", D(2020, 9, 1))
    verify(org_a_user, hubei_user, web, hubei, "senior", "280", D(2021, 9, 1))
    verify(org_a_user, hubei_user, web, hubei, ALL, "240", D(2023, 1, 1))
    verify(org_a_user, hubei_user, web, hubei, "junior", "260", D(2024, 1, 1))
    rows = list(FeeStandardLevel.objects.all())
    for day in (D(2020, 9, 1), D(2021, 8, 31), D(2021, 9, 1), D(2022, 12, 31), D(2023, 1, 1), D(2024, 1, 1)):
        for level in Level.values:
            assert len([r for r in rows if r.level == level and r.applies_on(day)]) == 1, (day, level)
    assert in_force(web, "senior", D(2022, 6, 1)).amount == Decimal("280.00")
    assert in_force(web, "senior", D(2024, 6, 1)).amount == Decimal("240.00")
    assert in_force(web, "junior", D(2024, 6, 1)).amount == Decimal("260.00")


@pytest.mark.postgres
def test_the_database_refuses_two_standards_for_one_level_at_once(org_a_user, hubei_user, web, hubei):
    junior = verify(org_a_user, hubei_user, web, hubei, "junior", "300", D(2027, 1, 1))
    everyone = verify(org_a_user, hubei_user, web, hubei, ALL, "250", D(2028, 1, 1))
    with pytest.raises(IntegrityError, match="fees_feestandardlevel_one_in_force"), transaction.atomic():
        FeeStandardLevel.objects.create(standard=everyone, certificate=web, province=hubei, level="junior",
                                        effective_from=D(2027, 6, 1))
    with pytest.raises(IntegrityError, match="fees_feestandardlevel_one_in_force"), transaction.atomic():
        FeeStandardLevel.objects.filter(standard=junior).update(effective_until=None)
    assert FeeStandardLevel.objects.get(standard=junior).effective_until == D(2027, 12, 31)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_conflicting_verifications_at_once_one_wins_the_other_is_refused_in_chinese(provinces, org_a):
    """Two connections verify 初级 300.00 and 各等级统一 250.00, both from 2027-01-01, at the same moment."""
    from fees.caps import caps_ensure
    from tests.personas import make_persona

    caps_ensure()
    hubei = provinces["42"]
    certificate = CertificateFactory(org=org_a, name="Web前端开发")
    for level in Level.values:
        CertificateLevelFactory(certificate=certificate, level=level, assessment_type=AssessmentType.COMPUTER)
    org_user = make_persona("org", scope_id=org_a.pk)
    province_users = [make_persona("province", province=hubei) for _ in range(2)]
    versions = [services.fee_proposal_submit(actor=actor_for(org_user), certificate=certificate, level=level,
                                             province=hubei, items=items(question_bank=amount))
                for level, amount in (("junior", "300"), (ALL, "250"))]
    barrier = threading.Barrier(2)
    outcomes: list = []

    def run(user, version):
        try:
            barrier.wait()
            services.fee_version_verify(actor=actor_for(user), version=version, effective_from=D(2027, 1, 1))
            outcomes.append(("ok", version.thread.level))
        except AppError as error:
            outcomes.append((error.code, str(error.message)))
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=pair) for pair in zip(province_users, versions, strict=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(code for code, _detail in outcomes) == ["ok", "overlap"]
    refusal = next(detail for code, detail in outcomes if code == "overlap")
    assert "与已核定的标准冲突" in refusal and "须晚于 2027-01-01" in refusal
    assert FeeStandard.objects.count() == 1
    for level in Level.values:
        assert FeeStandardLevel.objects.filter(level=level).count() <= 1
    assert AuditEntry.objects.filter(action="fee.refused", changes__code__1="overlap").count() == 1


def test_the_migration_resolves_existing_overlaps_as_amounts_due_were_computed(org_a_user, hubei_user, web, hubei):
    """Rows verified before the rule: 初级 230 (until 2026-12-31), 初级 300 and 各等级统一 250 both from
    2027-01-01. The level's own standard wins where both were in force; 250 applies to 中级 and 高级."""
    first = verify(org_a_user, hubei_user, web, hubei, "junior", "230", D(2020, 9, 1))
    junior = verify(org_a_user, hubei_user, web, hubei, "junior", "300", D(2027, 1, 1))
    everyone = verify(org_a_user, hubei_user, web, hubei, ALL, "250", D(2028, 1, 1))
    # Back to the state the old rule allowed: no level rows, the all-levels one from the same date.
    FeeStandardLevel.objects.all().delete()
    FeeStandard.objects.filter(pk=everyone.pk).update(effective_from=D(2027, 1, 1))
    FeeStandard.objects.filter(pk=junior.pk).update(effective_until=None)
    migration = importlib.import_module("fees.migrations.0005_fee_standard_levels")
    migration.levels_materialize(django_apps, None)

    assert in_force(web, "junior", D(2026, 12, 31)) == first
    assert in_force(web, "junior", D(2027, 1, 1)) == junior
    assert in_force(web, "intermediate", D(2027, 1, 1)) == everyone
    assert in_force(web, "senior", D(2026, 12, 31)) is None
    assert first.levels.get().superseded_by == junior
    assert FeeStandard.objects.get(pk=everyone.pk).effective_until is None
    assert FeeStandard.objects.get(pk=first.pk).effective_until == D(2026, 12, 31)


def test_the_verification_page_says_which_standard_is_superseded(as_user, org_a_user, hubei_user, web, hubei):
    old = verify(org_a_user, hubei_user, web, hubei, ALL, "230", D(2020, 9, 1))
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web, level="junior",
                                           province=hubei, items=items(question_bank="300"))
    client = as_user(hubei_user)
    response = client.post(f"/fees/threads/{version.thread_id}/", {
        "form": "verify", "version": version.pk, "effective_from": "2027-01-01"}, follow=True)
    page = response.content.decode()
    assert "已核定：300.00 元/人次" in page
    assert ("自 2027-01-01 起替代：湖北省 Web前端开发 各等级统一 230.00 元/人次"
            f"（自 2020-09-01 起，核定标准第 {old.pk} 号）") in page
    api = client.get(f"/api/v1/fees/threads/{version.thread_id}").json()
    assert api["standards"][0]["supersedes"] == [old.pk]
    assert api["standards"][0]["levels"] == [{"level": "junior", "effective_from": "2027-01-01",
                                              "effective_until": None, "superseded_by": None}]


def test_a_conflicting_verification_in_the_page_names_the_standard_and_saves_nothing(as_user, org_a_user, hubei_user,
                                                                                      web, hubei):
    junior = verify(org_a_user, hubei_user, web, hubei, "junior", "300", D(2027, 1, 1))
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web, level=ALL, province=hubei,
                                           items=items(question_bank="250"))
    response = as_user(hubei_user).post(f"/fees/threads/{version.thread_id}/", {
        "form": "verify", "version": version.pk, "effective_from": "2027-01-01"})
    assert response.status_code == 200
    assert f"核定标准第 {junior.pk} 号" in response.content.decode()
    assert FeeStandard.objects.count() == 1
