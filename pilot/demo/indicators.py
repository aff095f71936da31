"""Demo org behaviour indicators (行为监督评价指标) and yellow-card candidates.

The other orgs of batches 1–3 record teacher trainings shaped by the speech's September rule: most
started both nationally and in Hubei before 10 September 2020, some only nationally, some only
after the deadline, a few not at all (idle "because of the epidemic"). Then the indicators of
September to November 2020 are computed, so the candidates page has orgs to decide on — the
ministry still confirms each card itself. Idempotent: trainings are looked up by org, certificate,
province and start date; a month is computed only if it has no figures yet.
"""

import datetime

from assessments.models import TeacherTraining
from certificates.catalog.models import Certificate
from organizations.orgs.models import Org
from pilot.demo.reports import DEMO_ORGS
from pilot.indicators.models import IndicatorRun
from pilot.indicators.selectors import candidates_of
from pilot.indicators.services import indicator_run_generate, indicator_run_request

MONTHS = (datetime.date(2020, 9, 1), datetime.date(2020, 10, 1), datetime.date(2020, 11, 1))
NATIONAL = ("37", "44", "32", "33", "51", "41", "13", "35")
D = datetime.date
# (province or None for a national one from NATIONAL, start, days, teachers, in the Hubei special action)
# Teachers at a hundredth of the speech's figures, like the rest of the demo.
ON_TIME = ((None, D(2020, 6, 15), 3, 16, False), ("42", D(2020, 8, 20), 2, 8, True))
NATIONAL_ONLY = ((None, D(2020, 7, 20), 3, 12, False),)
LATE = ((None, D(2020, 9, 21), 2, 8, False), ("42", D(2020, 10, 12), 2, 5, True))
IDLE = ()
# Seven in ten on time; one each only nationally, only after the deadline, not at all.
PATTERNS = (ON_TIME,) * 7 + (NATIONAL_ONLY, LATE, IDLE)


def _trainings() -> int:
    # Orgs the supervision step already carded stay idle, as its reason says.
    orgs = (Org.objects.filter(batch_number__in=(1, 2, 3), status=Org.Status.ACTIVE).exclude(name__in=DEMO_ORGS)
            .order_by("name"))
    first_certificate = {}
    for certificate in Certificate.objects.filter(org__in=orgs, status=Certificate.Status.PUBLISHED).order_by("code"):
        first_certificate.setdefault(certificate.org_id, certificate)
    made = 0
    for index, org in enumerate(orgs):
        certificate = first_certificate.get(org.pk)
        if certificate is None:
            continue
        for province, start, days, teachers, special in PATTERNS[index % len(PATTERNS)]:
            _training, created = TeacherTraining.objects.get_or_create(
                org=org, certificate=certificate, province_id=province or NATIONAL[index % len(NATIONAL)],
                start_date=start, defaults={
                    "level": "junior", "end_date": start + datetime.timedelta(days=days - 1), "mode": "offline",
                    "teachers_trained": teachers, "hubei_special": special,
                    "note": "湖北专项行动师资培训" if special else ""})
            made += created
    return made


def seed_indicators(out) -> None:

    trainings = _trainings()
    latest = None
    for month in MONTHS:
        run = IndicatorRun.objects.filter(month=month, generated_at__isnull=False).first()
        if run is None:
            run = indicator_run_request(actor=None, month=month, trigger=IndicatorRun.Trigger.SCHEDULE, enqueue=False)
            run = indicator_run_generate(run_id=run.pk)
        latest = run
    if out is not None and latest is not None:
        candidates = candidates_of(latest)
        pending = sum(1 for c in candidates if c["actionable"])
        out.write(f"行为评价指标演示数据：新增师资培训 {trainings} 期，已计算 2020年9月至11月的指标；"
                  f"11月黄牌候选 {len(candidates)} 个，其中 {pending} 个待研判。"
                  f" / indicators demo: {trainings} trainings added, September–November 2020 computed, "
                  f"{len(candidates)} yellow-card candidates in November ({pending} to decide on).")
