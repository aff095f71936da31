"""The dashboard's figures reconcile (issue 15), on the demo data and on seed_scale data (small):
issued ≤ passed ≤ assessed ≤ registered per province, org, certificate level and month; no
certificate without a passing result (imported ones counted apart); no rate above 100 %; and each
headline figure, computed here with its own SQL over the source tables (independently of the
rollups), equals the dashboard's. A second ``seed_demo`` changes no figure."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.scoping import actor_for
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from pilot.dashboard import selectors
from pilot.dashboard.rollups import rollup_refresh_now

pytestmark = pytest.mark.django_db

RATES = ("pass_rate", "issue_rate", "plan_rate")


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"to_char({column}, 'YYYY-MM')"
    return f"strftime('%%Y-%%m', {column})"


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _one(sql: str, params=()) -> int:
    return _rows(sql, params)[0][0] or 0


def stage_counts() -> dict[tuple, dict[str, int]]:
    """registered, assessed, passed, issued per (province, org, certificate, level, month), in SQL."""
    key = "province_id, org_id, certificate_id, level"
    sources = {
        "registered": f"SELECT {key}, {_month('session_date')}, count(*) FROM assessments_registration "
                      f"WHERE status = 'registered' GROUP BY 1, 2, 3, 4, 5",
        "assessed": f"SELECT {key}, {_month('session_date')}, count(*) FROM assessments_result GROUP BY 1, 2, 3, 4, 5",
        "passed": f"SELECT {key}, {_month('session_date')}, count(*) FROM assessments_result WHERE passed "
                  f"GROUP BY 1, 2, 3, 4, 5",
        "issued": f"SELECT c.province_id, c.org_id, c.certificate_id, c.level, {_month('q.passed_on')}, count(*) "
                  f"FROM certificates_issuedcertificate c JOIN certificates_issuancerequest q ON q.id = c.request_id "
                  f"WHERE c.status = 'valid' AND c.origin = 'issued' GROUP BY 1, 2, 3, 4, 5",
    }
    groups: dict[tuple, dict[str, int]] = {}
    for measure, sql in sources.items():
        for *group, n in _rows(sql):
            groups.setdefault(tuple(group), dict.fromkeys(sources, 0))[measure] = n
    return groups


def headline_sql(year: int | None = None) -> dict[str, int]:
    """Each headline figure of the dashboard, straight from the source tables."""
    def in_year(column: str) -> str:
        if year is None:
            return "1 = 1"
        return f"{column} >= '{year}-01-01' AND {column} < '{year + 1}-01-01'"

    plan_year = "1 = 1" if year is None else f"p.year = {year}"
    filing_year = "1 = 1" if year is None else f"f.year = {year}"
    passed_open = ("SELECT count(*) FROM assessments_result r JOIN assessments_registration g ON g.id = r.registration_id "
                   "JOIN assessments_assessmentsession s ON s.id = g.session_id "
                   f"WHERE r.passed AND s.status IN ('scheduled', 'closed') AND {in_year('r.session_date')}")
    requests_waiting = ("SELECT count(*) FROM certificates_issuancerequest "
                        f"WHERE status IN ('pending', 'blocked', 'failed') AND {in_year('passed_on')}")
    return {
        "declared": _one("SELECT sum(l.declared_students) FROM assessments_filinglevel l JOIN assessments_filing f "
                         f"ON f.id = l.filing_id WHERE f.withdrawn_at IS NULL AND {filing_year}"),
        "planned": _one("SELECT sum(r.planned_candidates) FROM assessments_assessmentplanrow r JOIN "
                        f"assessments_assessmentplan p ON p.id = r.plan_id WHERE p.superseded_at IS NULL AND {plan_year}"),
        "teachers": _one(f"SELECT sum(teachers_trained) FROM assessments_teachertraining WHERE {in_year('end_date')}"),
        "trained_students": _one(f"SELECT sum(students) FROM assessments_certificatetraining WHERE {in_year('month')}"),
        "trained_social": _one(f"SELECT sum(social_learners) FROM assessments_certificatetraining "
                               f"WHERE {in_year('month')}"),
        "sessions": _one(f"SELECT count(*) FROM assessments_assessmentsession WHERE status <> 'cancelled' "
                         f"AND {in_year('date')}"),
        "registered": _one(f"SELECT count(*) FROM assessments_registration WHERE status = 'registered' "
                           f"AND {in_year('session_date')}"),
        "assessed": _one(f"SELECT count(*) FROM assessments_result WHERE {in_year('session_date')}"),
        "passed": _one(f"SELECT count(*) FROM assessments_result WHERE passed AND {in_year('session_date')}"),
        "issued": _one("SELECT count(*) FROM certificates_issuedcertificate c JOIN certificates_issuancerequest q "
                       f"ON q.id = c.request_id WHERE c.status = 'valid' AND c.origin = 'issued' "
                       f"AND {in_year('q.passed_on')}"),
        "not_issued": _one(passed_open) + _one(requests_waiting),
        "imported": _one("SELECT count(*) FROM certificates_issuedcertificate WHERE origin = 'imported' "
                         f"AND status = 'valid' AND {in_year('issued_on')}"),
    }


def dashboard_figures(actor, year: int | None = None) -> dict:
    filters = selectors.Filters(year=year)
    totals = selectors.totals(selectors.year_facts(actor, filters))
    totals["imported"] = selectors.imported_total(actor, filters)
    return totals


def assert_figures_reconcile(actor) -> dict:
    rollup_refresh_now(actor=None, trigger="test")
    # issued ≤ passed ≤ assessed ≤ registered in every province × org × certificate level × month.
    groups = stage_counts()
    assert groups
    broken = {k: v for k, v in groups.items()
              if not v["issued"] <= v["passed"] <= v["assessed"] <= v["registered"]}
    assert not broken, list(broken.items())[:5]
    # No certificate issued in the portal without a passing result behind it.
    orphans = _one("SELECT count(*) FROM certificates_issuedcertificate c WHERE c.origin = 'issued' AND NOT EXISTS ("
                   "SELECT 1 FROM certificates_issuancerequest q JOIN assessments_result r ON r.id = q.result_id "
                   "WHERE q.id = c.request_id AND r.passed)")
    assert orphans == 0
    # The headline figures equal their own SQL, nationally and for each year with data.
    years = sorted({int(month[:4]) for *_key, month in groups})
    for year in (None, *years):
        expected, shown = headline_sql(year), dashboard_figures(actor, year)
        assert {k: shown[k] for k in expected} == expected, year
    # No rate above 100 %: the totals, every breakdown row, every month.
    filters = selectors.Filters()
    yearly = selectors.year_facts(actor, filters)
    rows = [selectors.totals(yearly), *selectors.by_province(yearly), *selectors.by_org(yearly),
            *selectors.by_certificate(yearly), *selectors.by_month(selectors.facts(actor, filters))]
    for year in years:
        rows.append(selectors.totals(selectors.year_facts(actor, selectors.Filters(year=year))))
    over = [(r.get("name") or r.get("month"), rate, r[rate]) for r in rows for rate in RATES
            if r.get(rate) is not None and r[rate] > 100]
    assert not over, over[:5]
    return dashboard_figures(actor)


def test_the_demo_figures_reconcile_and_a_second_run_changes_none(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    from accounts.models import User

    actor = actor_for(User.objects.get(username="moe_officer"))
    figures = assert_figures_reconcile(actor)
    # The demo keeps the speech's shape at a hundredth: 3,000,000 declared, 170,000 teachers trained,
    # 410,000 + 40,000 trained, 47,000 assessed, 17,000 issued.
    assert 27_000 <= figures["declared"] <= 33_000
    assert 1_400 <= figures["teachers"] <= 2_000
    assert (figures["trained_students"], figures["trained_social"]) == (4_100, 400)
    assert 400 <= figures["assessed"] <= 520 and 150 <= figures["issued"] <= 200
    assert figures["issued"] <= figures["passed"] <= figures["assessed"] <= figures["registered"]
    assert figures["not_issued"] > 0  # passes still waiting, as the speech says there are
    # Every demo certificate was issued from a pass of 2020, after its assessment.
    late = IssuedCertificate.objects.filter(request__isnull=False).values_list("issued_on", "request__passed_on")
    assert late and all(passed < issued and issued.year == 2020 for issued, passed in late)
    # In the pilot year, every registration of an institution is within its filing for that certificate
    # and year, and every session's org planned that month, province and level.
    from assessments.models import AssessmentPlanRow, AssessmentSession, Filing, Registration

    for registration in Registration.objects.filter(institution__isnull=False, session_date__year=2020):
        assert Filing.objects.filter(institution_id=registration.institution_id, year=registration.session_date.year,
                                     certificate_id=registration.certificate_id).exists(), registration.pk
    for session in AssessmentSession.objects.filter(date__year=2020):
        assert AssessmentPlanRow.objects.filter(plan__org_id=session.org_id, plan__superseded_at__isnull=True,
                                                month=session.date.month, province_id=session.province_id,
                                                level=session.level).exists(), session.pk
    # The second run finds the demo and leaves it as it is.
    before = dashboard_figures(actor)
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert again.getvalue().splitlines()[0].startswith("演示数据已存在，未作改动")
    rollup_refresh_now(actor=None, trigger="test")
    assert dashboard_figures(actor) == before


def test_the_batch_rows_count_the_orgs_whose_certificates_the_batch_published(db):
    from certificates.catalog.models import Certificate

    call_command("seed_demo", stdout=io.StringIO())
    rows = {r["number"]: r for r in selectors.catalog_by_batch(selectors.Filters())}
    assert (rows[4]["certificates"], rows[4]["orgs"]) == (355, 270)
    for number, row in rows.items():
        published = Certificate.objects.filter(batch__number=number, status__in=["published", "suspended"])
        assert row["orgs"] == published.values("org_id").distinct().count()


SMALL = ["--orgs", "6", "--institutions", "60", "--registrations", "3000"]


def _issue_scale_requests() -> int:
    """Certificates for those of seed_scale's issued requests that have none yet, written as the issuing worker ties them (the
    PDFs are beside the point here), plus one imported certificate, which has no pass behind it."""
    requests = list(IssuanceRequest.objects.filter(status="issued").exclude(
        pk__in=IssuedCertificate.objects.filter(request__isnull=False).values("request_id")).order_by("pk"))
    IssuedCertificate.objects.bulk_create([IssuedCertificate(
        request=r, number=f"T{r.pk:021d}", person_id=r.person_id, certificate_id=r.certificate_id, level=r.level,
        org_id=r.org_id, province_id=r.province_id, institution_id=r.institution_id, holder_name=r.holder_name,
        id_type=r.id_type, id_number=r.id_number, issued_on=r.passed_on + datetime.timedelta(days=5 + r.pk % 40),
        token=f"t{r.pk}") for r in requests], batch_size=1000)
    first = IssuanceRequest.objects.order_by("pk").first()
    IssuedCertificate.objects.create(
        number="X000142000001191000001", person_id=first.person_id, certificate_id=first.certificate_id,
        level="senior", org_id=first.org_id, province_id=first.province_id, holder_name=first.holder_name,
        id_type=first.id_type, id_number=first.id_number, issued_on=datetime.date(2019, 12, 20),
        origin=IssuedCertificate.Origin.IMPORTED, token="imported-1")
    return len(requests)


def test_the_scale_figures_reconcile(provinces, ministry_user):
    call_command("seed_scale", *SMALL, stdout=io.StringIO())
    _issue_scale_requests()
    figures = assert_figures_reconcile(actor_for(ministry_user))
    assert figures["imported"] == 1 and figures["issued"] == IssuedCertificate.objects.count() - 1


def test_the_time_axis_shows_empty_months_and_breaks_long_gaps():
    def month(year, number, n=1):
        return {"year": year, "month": number, "registered": n}

    axis = selectors.month_axis([month(2020, 9), month(2020, 12), month(2026, 11), month(2026, 12)])
    assert [a["label"] for a in axis] == ["2020-09", "2020-10", "2020-11", "2020-12", "2021-01 … 2026-10", "2026-11",
                                          "2026-12"]
    assert [bool(a.get("empty")) for a in axis[:4]] == [False, True, True, False]
    assert axis[4]["gap"] and axis[4]["months"] == 70
    assert selectors.month_axis([]) == []
    # Six empty months are still drawn one by one; seven are a break.
    assert len(selectors.month_axis([month(2020, 1), month(2020, 8)])) == 8
    assert len(selectors.month_axis([month(2020, 1), month(2020, 9)])) == 3
