"""seed_scale at a small size: what it generates holds together (keys, counts, markers), running it
again changes nothing, --reset regenerates, --delete removes only its own data, and the national
size is refused on SQLite. The monthly report over it counts exactly what is there."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F, Sum

from accounts.identity import normalize_resident_id
from accounts.models import Person, PersonName
from assessments.models import (
    AssessmentPlan,
    AssessmentSession,
    Filing,
    HubeiCommitment,
    Registration,
    Result,
    TeacherTraining,
)
from assessments.reports.services import monthly_report_generate, monthly_report_request
from certificates.catalog.models import Certificate
from certificates.issuance.models import IssuanceRequest, IssuedCertificate, NumberSequence
from certificates.issuance.numbering import SCHEME
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from tests.assessments.factories import pipeline_candidate

pytestmark = pytest.mark.django_db

SMALL = ["--orgs", "6", "--institutions", "60", "--registrations", "3000"]


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_scale", *args, stdout=out)
    return out.getvalue()


def scale_counts() -> tuple:
    return (Org.objects.filter(credit_code__startswith="9199").count(), Registration.objects.count(),
            Result.objects.count(), IssuanceRequest.objects.count(), IssuedCertificate.objects.count(), Person.objects.count(),
            AssessmentSession.objects.count(), Filing.objects.count())


def test_a_small_pilot_holds_together(provinces):
    seed(*SMALL)
    assert Org.objects.filter(credit_code__startswith="9199").count() == 6
    assert Certificate.objects.filter(code__startswith="SC").count() == 8  # about 1.3 per org
    assert Institution.objects.filter(name__endswith="（规模）").count() == 60
    assert Registration.objects.count() == 3000
    # Results for everyone who sat (neither absent nor cancelled), issuance for passes of finalized sessions.
    sat = Registration.objects.filter(absent=False, status="registered").count()
    assert Result.objects.count() == sat and 2700 < sat < 3000
    assert not Result.objects.filter(registration__absent=True).exists()
    finalized_passes = Result.objects.filter(passed=True, registration__session__status="finalized").count()
    assert IssuanceRequest.objects.count() == finalized_passes > 0
    assert set(IssuanceRequest.objects.values_list("status", flat=True)) <= {"issued", "pending", "blocked", "failed"}
    # The rows repeat their session's facts.
    assert not Registration.objects.exclude(session_date=F("session__date")).exists()
    assert not Result.objects.exclude(org_id=F("registration__org_id")).exists()
    # Candidates are persons with valid ID numbers and a name history; capacity is respected.
    person = Person.objects.order_by("?").first()
    assert normalize_resident_id(person.id_number) == person.id_number and person.id_number[2:6] == "9901"
    assert PersonName.objects.filter(person=person, name=person.name).exists()
    assert not AssessmentSession.objects.annotate(n=Count("registrations")).filter(n__gt=F("capacity")).exists()
    # Filings declare about 10% more than registered; plans, trainings and Hubei commitments exist.
    declared = Filing.objects.aggregate(n=Sum("total_students"))["n"]
    assert 3000 <= declared <= 3000 * 1.1 + 60 * 8 * 3
    assert AssessmentPlan.objects.filter(year=2020, version=1).count() == 6
    assert TeacherTraining.objects.exists() and HubeiCommitment.objects.count() <= 6
    # Every request marked issued has its certificate, numbered by the scheme, gap-free per prefix.
    issued = IssuedCertificate.objects.all()
    assert issued.count() == IssuanceRequest.objects.filter(status="issued").count() > 0
    assert not issued.exclude(request__person_id=F("person_id")).exists()
    assert all(SCHEME.pattern.match(n) for n in issued.values_list("number", flat=True))
    for sequence in NumberSequence.objects.all():
        serials = sorted(int(n[-6:]) for n in issued.filter(number__startswith=sequence.prefix)
                         .values_list("number", flat=True))
        assert serials == list(range(1, sequence.last_value + 1))


def test_running_again_changes_nothing_and_reset_regenerates(provinces):
    seed(*SMALL)
    before = scale_counts()
    assert "未重复生成" in seed(*SMALL)
    assert scale_counts() == before
    seed("--reset", *SMALL)
    assert scale_counts() == before  # the same seed makes the same pilot


def test_delete_removes_only_the_scale_data(provinces, certificate, hubei):
    own = pipeline_candidate(certificate=certificate, province=hubei, date=datetime.date(2020, 10, 10),
                             issuance="issued")
    seed(*SMALL)
    seed("--delete")
    assert scale_counts() == (0, 1, 1, 1, 0, 1, 1, 0)
    assert Registration.objects.get() == own and Person.objects.get() == own.person
    assert not Certificate.objects.filter(code__startswith="SC").exists()
    assert "没有规模数据可删除" in seed("--delete")


def test_the_national_size_is_refused_on_sqlite(provinces, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="需要 PostgreSQL"):
        seed()
    assert not Org.objects.exists()


def test_the_monthly_report_counts_exactly_what_the_pilot_holds(provinces):
    seed(*SMALL)
    report = monthly_report_request(actor=None, month=datetime.date(2020, 12, 1), enqueue=False)
    report = monthly_report_generate(report_id=report.pk)
    ytd = report.figures["total"]["ytd"]
    assert ytd["registered"] == Registration.objects.filter(status="registered").count()
    assert ytd["assessed"] == Result.objects.count()
    assert ytd["passed"] == Result.objects.filter(passed=True).count()
    assert ytd["issued"] + ytd["passed_not_issued"] == IssuanceRequest.objects.count()
    assert ytd["sessions"] == AssessmentSession.objects.count()
    assert ytd["teachers_trained"] == TeacherTraining.objects.aggregate(n=Sum("teachers_trained"))["n"]
    assert 0 < ytd["planned_candidates"]
