"""A small pilot for the dashboard's tests and its browser journey: two certificates of two orgs,
candidates in Hubei (October, November) and Shandong, at every stage from registration to a
certificate, with the rollups refreshed."""

import datetime

import pytest

from certificates.issuance.models import IssuedCertificate
from pilot.dashboard.rollups import rollup_refresh_now
from tests.assessments.factories import FilingFactory, TeacherTrainingFactory, pipeline_candidate
from tests.certificates.factories import certificate_with_levels


def issued(registration, *, number: str, on: datetime.date, status="valid") -> IssuedCertificate:
    """A certificate for a registration's pass, written directly (issuance has its own tests), tied to
    the pass's issuance request as the issuing worker ties it."""
    from certificates.issuance.models import IssuanceRequest

    person = registration.person
    return IssuedCertificate.objects.create(
        request=IssuanceRequest.objects.get(result_id=registration.result.pk),
        number=number, person=person, certificate=registration.certificate, level=registration.level,
        org=registration.org, province=registration.province, institution=registration.institution,
        holder_name=person.name, id_type=person.id_type, id_number=person.id_number, issued_on=on, status=status,
        revoked_reason="测试撤销" if status == "revoked" else "", token=f"tok{number}")


@pytest.fixture
def dashboard_pilot(hubei, shandong, hubei_institution, shandong_institution):
    """Two certificates of two orgs; candidates in Hubei (October, November) and Shandong."""
    cert_a = certificate_with_levels(name="物流管理", status="published")
    cert_b = certificate_with_levels(name="老年照护", status="published")
    oct_, nov = datetime.date(2026, 10, 12), datetime.date(2026, 11, 3)
    regs = {
        # Hubei, October: 3 passes (one issued, one waiting, one blocked), 1 fail, 1 absent.
        "issued": pipeline_candidate(certificate=cert_a, province=hubei, date=oct_, institution=hubei_institution,
                                     issuance="issued"),
        "waiting": pipeline_candidate(certificate=cert_a, province=hubei, date=oct_, institution=hubei_institution,
                                      issuance="pending"),
        "blocked": pipeline_candidate(certificate=cert_a, province=hubei, date=oct_, institution=hubei_institution,
                                      issuance="blocked"),
        "failed_exam": pipeline_candidate(certificate=cert_a, province=hubei, date=oct_, institution=hubei_institution,
                                          passed=False),
        "absent": pipeline_candidate(certificate=cert_a, province=hubei, date=oct_, institution=hubei_institution,
                                     absent=True),
        # Hubei, November: a pass in a session not finalized yet (no issuance request), a social learner.
        "open": pipeline_candidate(certificate=cert_a, province=hubei, date=nov),
        # Shandong, November, other org: one issued, one failed issuance.
        "sd_issued": pipeline_candidate(certificate=cert_b, province=shandong, date=nov,
                                        institution=shandong_institution, issuance="issued"),
        "sd_failed": pipeline_candidate(certificate=cert_b, province=shandong, date=nov,
                                        institution=shandong_institution, issuance="failed"),
    }
    regs["open"].session.status = "closed"
    regs["open"].session.save()
    for reg in (regs["issued"], regs["waiting"], regs["blocked"], regs["failed_exam"], regs["absent"], regs["sd_issued"],
                regs["sd_failed"]):
        reg.session.status = "finalized"
        reg.session.save()
    issued(regs["issued"], number="X000142000001261000001", on=datetime.date(2026, 10, 20))
    issued(regs["sd_issued"], number="X000237000001261000001", on=datetime.date(2026, 11, 10))
    FilingFactory(institution=hubei_institution, certificate=cert_a, year=2026, province=hubei)
    TeacherTrainingFactory(org=cert_a.org, certificate=cert_a, province=hubei, teachers_trained=30,
                           start_date=datetime.date(2026, 8, 1), end_date=datetime.date(2026, 8, 3))
    TeacherTrainingFactory(org=cert_b.org, certificate=cert_b, province=hubei, teachers_trained=12,
                           hubei_special=True, start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 2))
    rollup_refresh_now(actor=None, trigger="test")
    return {"a": cert_a, "b": cert_b, "regs": regs}


