"""Org behaviour indicators (行为监督评价指标): what each figure counts on crafted data, the
pass-rate anomaly with its statistics, the September rule and the other yellow-card rules, one run
per month that a re-run replaces, the monthly task on a real worker."""

import datetime
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Notification
from accounts.scoping import actor_for
from assessments.models import AssessmentPlan, AssessmentPlanRow, AssessmentSession, Site
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.paper_copies.models import PaperCopyOrder
from organizations.complaints.models import Complaint
from organizations.orgs.models import Org
from pilot.indicators import scoring, selectors, services
from pilot.indicators.models import IndicatorRun, OrgIndicator
from tests.assessments.factories import TeacherTrainingFactory, pipeline_candidate
from tests.certificates.factories import certificate_with_levels
from tests.organizations.factories import OrgFactory

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2020, 10, 1)
D = datetime.date


def compute(month=OCTOBER) -> IndicatorRun:
    run = services.indicator_run_request(actor=None, month=month, enqueue=False)
    return services.indicator_run_generate(run_id=run.pk)


def row_of(org, month=OCTOBER) -> OrgIndicator:
    return OrgIndicator.objects.get(run__month=month, org=org)


def aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def certificate(org_a):
    return certificate_with_levels(org=org_a, name="Web前端开发", code="X10001")


@pytest.fixture
def other_certificate(org_b):
    return certificate_with_levels(org=org_b, name="老年照护", code="X10002")


def site(org, province, code: str) -> Site:
    return Site.objects.create(org=org, code=code, name=f"{province.name}第{code}考点", province=province, address="测试地址")


def cohort(*, certificate, at: Site, n: int, passed: int, date=D(2020, 10, 10), level="junior") -> AssessmentSession:
    """A finalized session at ``at`` with ``n`` candidates assessed, the first ``passed`` of them passing."""
    session = AssessmentSession.objects.create(
        org=certificate.org, certificate=certificate, level=level, assessment_type="computer", site=at,
        province=at.province, date=date, capacity=500, status=AssessmentSession.Status.FINALIZED)
    for i in range(n):
        pipeline_candidate(certificate=certificate, province=at.province, date=date, session=session, passed=i < passed)
    return session


# --- the pass-rate anomaly (考核放水) ---------------------------------------------------------------

def test_the_robust_z_score_flags_one_lenient_unit_and_ignores_small_ones():
    units = [scoring.Unit(key=(i,), n=40, passed=p) for i, p in enumerate((22, 24, 25, 23, 26))]
    lenient = scoring.Unit(key=("lenient",), n=40, passed=39)
    small = scoring.Unit(key=("small",), n=8, passed=8)
    strict = scoring.Unit(key=("strict",), n=40, passed=4)
    flagged = scoring.lenient_outliers([*units, lenient, small, strict], min_n=30, z_threshold=3.0)
    assert [o.unit.key for o in flagged] == [("lenient",)]  # a strict site is not leniency; a small one is left out
    outlier = flagged[0]
    # The peers: five normal sites and the strict one (the small one does not count).
    assert outlier.peers == 6 and outlier.median == pytest.approx((0.575 + 0.6) / 2)
    # spread = sqrt((1.4826 · MAD)² + m(1 − m)/n), MAD of the peers' rates about their median
    m, mad = 0.5875, 0.0375
    assert outlier.spread == pytest.approx(((1.4826 * mad) ** 2 + m * (1 - m) / 40) ** 0.5)
    assert outlier.z == pytest.approx((0.975 - m) / outlier.spread) and outlier.z > 3
    # Too few peers of sufficient size: nothing to compare with, nothing flagged.
    assert scoring.lenient_outliers([units[0], units[1], lenient], min_n=30, z_threshold=3.0) == []


def test_a_lenient_site_among_normal_ones_is_flagged_with_its_statistics(certificate, org_a, hubei):
    for number, passed in enumerate((22, 24, 25, 23, 26), start=1):
        cohort(certificate=certificate, at=site(org_a, hubei, f"N{number}"), n=40, passed=passed)
    lenient = site(org_a, hubei, "LEN")
    cohort(certificate=certificate, at=lenient, n=40, passed=39)
    small = site(org_a, hubei, "SML")
    cohort(certificate=certificate, at=small, n=8, passed=8)
    compute()
    row = row_of(org_a)
    assert row.anomalies == 1
    [evidence] = row.evidence["anomalies"]["rows"]
    assert evidence["kind"] == "site" and evidence["where"] == lenient.name and evidence["level"] == "junior"
    assert evidence["n"] == 40 and evidence["passed"] == 39 and evidence["rate"] == 97.5
    assert evidence["median"] == 60.0 and evidence["peers"] == 5 and evidence["z"] >= 3
    assert evidence["spread"] > 0 and evidence["certificate"] == "Web前端开发"
    assert small.name not in str(row.evidence["anomalies"])
    assert row.components["anomalies"] == 75.0


def test_a_province_and_a_certificate_level_far_above_their_peers_are_flagged(org_a, org_b, provinces):
    # One certificate level assessed in five provinces, one of them far more leniently.
    certificate = certificate_with_levels(org=org_a, name="物流管理", code="X20001")
    codes = ("42", "37", "44", "32", "51")
    for code, passed in zip(codes, (30, 31, 29, 30, 40), strict=True):
        cohort(certificate=certificate, at=site(org_a, provinces[code], f"P{code}"), n=40, passed=passed)
    # Computer-assessed 初级 of five other certificates pass about half; one passes nearly all.
    for n, passed in enumerate((20, 21, 19, 20, 39)):
        other = certificate_with_levels(org=org_b, name=f"证书{n}", code=f"X3000{n}")
        cohort(certificate=other, at=site(org_b, provinces["42"], f"C{n}"), n=40, passed=passed)
    compute()
    provinces_flagged = [r for r in row_of(org_a).evidence["anomalies"]["rows"] if r["kind"] == "province"]
    assert [r["where"] for r in provinces_flagged] == ["四川省"] and provinces_flagged[0]["rate"] == 100.0
    levels = [r for r in row_of(org_b).evidence["anomalies"]["rows"] if r["kind"] == "level"]
    assert [(r["certificate"], r["assessment_type"]) for r in levels] == [("证书4", "computer")]
    assert levels[0]["peers"] == 5  # the other computer-assessed 初级 levels, 物流管理 among them


# --- teacher training and the September rule ----------------------------------------------------------

@pytest.fixture
def three_orgs(provinces):
    """National only; both before the deadline; both but only after it."""
    national_only = certificate_with_levels(org=OrgFactory(name="只在全国培训"), code="X40001")
    both = certificate_with_levels(org=OrgFactory(name="全国湖北均已培训"), code="X40002")
    late = certificate_with_levels(org=OrgFactory(name="截止后才培训"), code="X40003")
    TeacherTrainingFactory(certificate=national_only, province=provinces["37"], start_date=D(2020, 8, 3),
                           end_date=D(2020, 8, 5))
    TeacherTrainingFactory(certificate=both, province=provinces["37"], start_date=D(2020, 7, 1), end_date=D(2020, 7, 2))
    TeacherTrainingFactory(certificate=both, province=provinces["42"], start_date=D(2020, 9, 10),
                           end_date=D(2020, 9, 12), hubei_special=True)
    TeacherTrainingFactory(certificate=late, province=provinces["42"], start_date=D(2020, 9, 20),
                           end_date=D(2020, 9, 22))
    # A training of last year does not count for this year's deadline.
    TeacherTrainingFactory(certificate=national_only, province=provinces["42"], start_date=D(2019, 9, 1),
                           end_date=D(2019, 9, 2))
    return national_only.org, both.org, late.org


def test_training_started_nationally_and_in_hubei_and_when(three_orgs):
    national_only, both, late = three_orgs
    compute()
    row = row_of(national_only)
    assert (row.training_first_national, row.training_first_hubei, row.trainings) == (D(2020, 8, 3), None, 1)
    assert row.evidence["training"]["national"][0]["province"] == "山东省" and not row.evidence["training"]["hubei"]
    row = row_of(both)
    assert (row.training_first_national, row.training_first_hubei, row.trainings) == (D(2020, 7, 1), D(2020, 9, 10), 2)
    assert row.teachers_trained == 60 and row.components["training"] == 100.0
    assert row_of(late).training_first_hubei == D(2020, 9, 20) and row_of(late).components["training"] == 50.0


def test_the_september_rule(three_orgs):
    national_only, both, late = three_orgs
    run = compute()
    found = {c["org"].name: c for c in selectors.candidates_of(run)}
    assert "全国湖北均已培训" not in found
    assert [t["rule"] for t in found["只在全国培训"]["tripped"]] == ["training"]
    assert "截至2020-09-10未在湖北启动师资培训" in found["只在全国培训"]["reason"]
    assert "截至2020-09-10未在全国和湖北启动师资培训" in found["截止后才培训"]["reason"]
    assert "湖北 2020-09-20" in found["截止后才培训"]["reason"]
    # Orgs with no training at all trip it too; before the deadline nobody does.
    august = compute(D(2020, 8, 1))
    assert not [c for c in selectors.candidates_of(august) if c["tripped"][0]["rule"] == "training"]


def test_orgs_selected_after_the_deadline_are_not_held_to_it(three_orgs):
    from certificates.batches.models import SelectionBatch

    SelectionBatch.objects.filter(number=1).update(published_on=D(2019, 6, 12))
    for number, published in ((4, D(2020, 9, 20)), (5, D(2020, 12, 1))):
        SelectionBatch.objects.create(number=number, name=f"第{number}批", opened_on=D(2020, 5, 1),
                                      status="published", published_on=published)
    september = OrgFactory(name="九月下旬入选", batch_number=4)
    december = OrgFactory(name="十二月入选", batch_number=5)
    run = compute()
    assert not OrgIndicator.objects.filter(run=run, org=december).exists()  # not in the pilot yet
    row = row_of(september)
    assert row.selected_on == D(2020, 9, 20) and row.components["training"] is None
    names = {c["org"].name for c in selectors.candidates_of(run)}
    assert "九月下旬入选" not in names and "只在全国培训" in names
    assert row_of(three_orgs[0]).selected_on == D(2019, 6, 12)


def test_the_deadline_is_the_ministrys_to_tune(three_orgs, actor, ministry_user):
    national_only, both, late = three_orgs
    run = compute()
    services.rules_set(actor=actor(ministry_user), **{**_rules(), "training_deadline_month": 9,
                                                      "training_deadline_day": 30})
    names = {c["org"].name for c in selectors.candidates_of(run)}
    assert "截止后才培训" not in names and "只在全国培训" in names
    entry = AuditEntry.objects.get(action="indicator.rules_set")
    assert entry.changes == {"training_deadline_day": [10, 30]} and entry.actor == ministry_user


@pytest.fixture
def actor():
    return actor_for


def _rules() -> dict:
    rules = selectors.rules_current()
    return {name: getattr(rules, name) for name in services.RULE_FIELDS}


# --- plan fulfilment ------------------------------------------------------------------------------

def plan(org, certificate, province, planned: int, month: int = 10):
    made, _created = AssessmentPlan.objects.get_or_create(org=org, year=2020, version=1, defaults={
        "source": "form", "first_month": 9, "last_month": 12, "submitted_at": aware(D(2020, 8, 25))})
    AssessmentPlanRow.objects.create(plan=made, month=month, province=province, certificate=certificate, level="junior",
                                     planned_candidates=planned, planned_sessions=1)


def test_plan_fulfilment_and_its_threshold(certificate, other_certificate, org_a, org_b, hubei, actor, ministry_user):
    plan(org_a, certificate, hubei, 100)
    plan(org_b, other_certificate, hubei, 50)
    plan(org_b, other_certificate, hubei, 999, month=11)  # November is after the as-of date
    cohort(certificate=certificate, at=site(org_a, hubei, "A1"), n=40, passed=30)
    cohort(certificate=other_certificate, at=site(org_b, hubei, "B1"), n=30, passed=20)
    # Assessed before the planning window: not measured against the plan.
    cohort(certificate=certificate, at=site(org_a, hubei, "A2"), n=5, passed=5, date=D(2020, 6, 1))
    run = compute()
    a, b = row_of(org_a), row_of(org_b)
    assert (a.planned, a.assessed, a.fulfilment) == (100, 40, Decimal("40.0"))
    assert (b.planned, b.assessed, b.fulfilment) == (50, 30, Decimal("60.0"))
    assert a.evidence["plan"]["rows"][0] == {"certificate": "Web前端开发", "code": "X10001", "level": "junior",
                                             "province": "湖北省", "planned": 100, "assessed": 40, "fulfilment": 40.0}
    found = {c["org"].pk: [t["rule"] for t in c["tripped"]] for c in selectors.candidates_of(run)}
    assert "plan" in found[org_a.pk] and "plan" not in found.get(org_b.pk, [])
    services.rules_set(actor=actor(ministry_user), **{**_rules(), "plan_fulfilment_threshold": 35})
    found = {c["org"].pk: [t["rule"] for t in c["tripped"]] for c in selectors.candidates_of(run)}
    assert "plan" not in found.get(org_a.pk, [])


# --- complaints, fees, issuance, paper copies --------------------------------------------------------

def complaint(org, category, status, filed=D(2020, 9, 15), reference=None):
    made = Complaint.objects.create(org=org, reference=reference or f"TS2020-{Complaint.objects.count():04d}-TEST",
                                    category=category, text="投诉内容", status=status)
    Complaint.objects.filter(pk=made.pk).update(created_at=aware(filed), status_changed_at=aware(filed))
    return made


def test_repeated_upheld_complaints(org_a, org_b):
    complaint(org_a, "excessive_fees", "upheld")
    complaint(org_a, "bundled_sales", "upheld")
    complaint(org_b, "excessive_fees", "upheld")
    complaint(org_b, "excessive_fees", "dismissed")
    complaint(org_b, "lenient_assessment", "investigating")
    complaint(org_b, "inaction", "upheld", filed=D(2019, 12, 1))  # last year
    run = compute()
    a = row_of(org_a)
    assert a.complaints_upheld == 2 and a.complaints_by_category == {"excessive_fees": 1, "bundled_sales": 1}
    assert {r["category"] for r in a.evidence["complaints"]["rows"]} == {"excessive_fees", "bundled_sales"}
    assert row_of(org_b).complaints_upheld == 1
    found = {c["org"].pk: c for c in selectors.candidates_of(run)}
    assert [t["rule"] for t in found[org_a.pk]["tripped"]] == ["training", "complaints"]
    assert "属实投诉 2 件（捆绑销售 1 件、高收费 1 件）" in found[org_a.pk]["reason"]
    assert "complaints" not in [t["rule"] for t in found[org_b.pk]["tripped"]]


def test_fee_proposals_refused_over_the_cap_are_counted_from_the_audit_log(org_a, org_a_user, org_b, certificate,
                                                                         hubei):
    from core.errors import AppError
    from fees import services as fees
    from fees.caps import caps_ensure
    from tests.fees.conftest import items

    caps_ensure()
    for amount in ("301", "350"):
        with pytest.raises(AppError):
            fees.fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="junior",
                                     province=hubei, items=items(question_bank=amount))
    with pytest.raises(AppError):  # refused for another reason: not counted
        fees.fee_proposal_submit(actor=actor_for(org_a_user), certificate=certificate, level="junior",
                                 province=hubei, items=items(printing="10"))
    AuditEntry.objects.filter(action="fee.refused").update(at=aware(D(2020, 10, 5)))
    assert AuditEntry.objects.filter(action="fee.refused", changes__code__1="over_cap",
                                     changes__org__1=org_a.pk).count() == 2
    compute()
    row = row_of(org_a)
    assert row.fee_refusals == 2 and len(row.evidence["fees"]["rows"]) == 2
    assert "超过" in row.evidence["fees"]["rows"][0]["note"] and row.components["fees"] == 60.0
    assert row_of(org_b).fee_refusals == 0


def issued(request: IssuanceRequest, on: datetime.date) -> IssuedCertificate:
    IssuanceRequest.objects.filter(pk=request.pk).update(status="issued", processed_at=aware(on))
    return IssuedCertificate.objects.create(
        number=f"X{request.pk:021d}", request=request, person=request.person, certificate=request.certificate,
        level=request.level, org=request.org, province=request.province, holder_name=request.holder_name,
        id_type=request.id_type, id_number=request.id_number, issued_on=on, token=f"t{request.pk:031d}")


def test_issuance_timeliness_and_passes_still_waiting(certificate, org_a, hubei):
    session = None
    requests = []
    for status in ("issued", "issued", "issued", "pending", "blocked", "failed"):
        registration = pipeline_candidate(certificate=certificate, province=hubei, date=D(2020, 9, 1),
                                          session=session, issuance=status)
        session = registration.session
        requests.append(IssuanceRequest.objects.get(result_id=registration.result.pk))
    issued(requests[0], D(2020, 9, 8))   # 7 days
    issued(requests[1], D(2020, 9, 21))  # 20 days
    issued(requests[2], D(2020, 10, 12))  # 41 days: late
    IssuanceRequest.objects.filter(pk=requests[4].pk).update(block_code="no_seal")
    compute()
    row = row_of(org_a)
    assert (row.issued, row.issuance_days_avg, row.issuance_days_max, row.issued_late) == (3, Decimal("22.7"), 41, 1)
    assert row.passed_not_issued == 3 and row.oldest_waiting_days == 60  # 1 September to 31 October
    waiting = row.evidence["issuance"]["waiting"]
    assert {w["status"] for w in waiting} == {"pending", "blocked", "failed"} and waiting[0]["days"] == 60
    assert row.components["issuance"] == pytest.approx(2 * 100 / 6, abs=0.1)
    # As of September, the October issue was still waiting.
    compute(D(2020, 9, 1))
    september = row_of(org_a, D(2020, 9, 1))
    assert (september.issued, september.passed_not_issued) == (2, 4)


def test_paper_copies_not_mailed_with_their_age(certificate, org_a, hubei):
    registration = pipeline_candidate(certificate=certificate, province=hubei, date=D(2020, 9, 1), issuance="pending")
    certificate_issued = issued(IssuanceRequest.objects.get(result_id=registration.result.pk), D(2020, 9, 5))
    for status, ordered in (("ordered", D(2020, 10, 1)), ("printed", D(2020, 10, 25)), ("mailed", D(2020, 9, 10)),
                            ("cancelled", D(2020, 9, 10))):
        order = PaperCopyOrder.objects.create(
            issued=certificate_issued, person=registration.person, org=org_a, recipient="李小明", phone="13800000000",
            address="武汉市洪山区", price=Decimal("30.00"), status=status,
            tracking_number="SF1" if status == "mailed" else "")
        PaperCopyOrder.objects.filter(pk=order.pk).update(created_at=aware(ordered),
                                                          mailed_at=aware(D(2020, 9, 12)) if status == "mailed" else None)
    compute()
    row = row_of(org_a)
    assert (row.paper_unfulfilled, row.paper_oldest_days) == (2, 30)
    assert [(r["status"], r["days"]) for r in row.evidence["paper"]["rows"]] == [("ordered", 30), ("printed", 6)]
    assert row.components["paper"] == pytest.approx(100 - 100 / 3, abs=0.1)  # 1 of 3 orders overdue


# --- the score, the ranking, the runs --------------------------------------------------------------

def test_the_composite_score_weights_and_ranking(three_orgs, org_a):
    national_only, both, late = three_orgs
    Org.objects.filter(pk=org_a.pk).update(status=Org.Status.DELISTED)
    run = compute()
    rows = {r.org_id: r for r in OrgIndicator.objects.filter(run=run)}
    # Only training, complaints and fees apply (no plan, no passes, no results, no paper orders).
    assert rows[both.pk].components == {"training": 100.0, "plan": None, "issuance": None, "anomalies": None,
                                        "complaints": 100.0, "fees": 100.0, "paper": None}
    assert rows[both.pk].score == Decimal("100.0") and rows[both.pk].rank == 1
    assert rows[late.pk].score == Decimal(str(round((20 * 50 + 10 * 100 + 5 * 100) / 35, 1)))
    assert rows[org_a.pk].rank is None  # a delisted org is not ranked
    assert sum(scoring.WEIGHTS.values()) == 100


def test_a_rerun_replaces_the_months_figures_and_never_duplicates_them(three_orgs, provinces):
    national_only, both, late = three_orgs
    first = compute()
    count = OrgIndicator.objects.filter(run=first).count()
    TeacherTrainingFactory(certificate=national_only.certificates.first(), province=provinces["42"],
                           start_date=D(2020, 9, 1), end_date=D(2020, 9, 2))
    second = compute()
    assert second.pk == first.pk and second.runs == 2 and IndicatorRun.objects.count() == 1
    assert OrgIndicator.objects.filter(run=second).count() == count
    assert row_of(national_only).training_first_hubei == D(2020, 9, 1)
    assert AuditEntry.objects.filter(action="indicator.generated").count() == 2
    # Each month keeps its own figures: the history.
    compute(D(2020, 9, 1))
    assert OrgIndicator.objects.filter(org=national_only).count() == 2


def test_a_month_is_claimed_once_and_only_a_month_that_began(ministry_user, hubei_user, actor):
    from core.errors import AppError, Forbidden

    services.indicator_run_request(actor=actor(ministry_user), month=OCTOBER, enqueue=False)
    with pytest.raises(AppError, match="正在计算中"):
        services.indicator_run_request(actor=actor(ministry_user), month=OCTOBER, enqueue=False)
    with pytest.raises(AppError, match="尚未开始"):
        services.indicator_run_request(actor=actor(ministry_user), month=D(2099, 1, 1), enqueue=False)
    with pytest.raises(Forbidden):
        services.indicator_run_request(actor=actor(hubei_user), month=OCTOBER, enqueue=False)
    run = IndicatorRun.objects.get()
    assert services.indicator_run_generate(run_id=run.pk) is not None
    assert services.indicator_run_generate(run_id=run.pk) is None  # done: not claimed again


def test_the_beat_schedule_runs_on_the_first_of_each_month(settings):
    from pilot.celery import app

    app.loader.import_default_modules()  # what a worker does at start: autodiscovery finds pilot.tasks
    entry = settings.CELERY_BEAT_SCHEDULE["pilot-indicators-monthly"]
    assert entry["task"] == "pilot.indicator_run_scheduled" and entry["schedule"].day_of_month == {1}
    assert "pilot.indicator_run_scheduled" in app.tasks and "pilot.indicator_run" in app.tasks


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_monthly_task_run_by_a_real_worker(celery_worker_process, three_orgs, ministry_user):
    from pilot.indicators.tasks import indicator_run_scheduled

    national_only, both, late = three_orgs
    indicator_run_scheduled.delay(today="2020-11-01")
    deadline = time.monotonic() + 120
    run = None
    while time.monotonic() < deadline:
        run = IndicatorRun.objects.filter(month=OCTOBER).first()
        if run is not None and run.is_finished:
            break
        time.sleep(0.3)
    assert run is not None and run.status == "done", run and run.message
    assert run.trigger == "schedule" and run.as_of == D(2020, 10, 31)
    assert row_of(national_only).training_first_national == D(2020, 8, 3)
    note = Notification.objects.get(user=ministry_user, category="supervision")
    assert note.title_text.startswith("2020年10月行为评价指标已计算，黄牌候选") and "month=2020-10" in note.link
    assert Org.objects.get(pk=national_only.pk).status == Org.Status.ACTIVE  # nothing carded automatically
