"""The indicators demo step: trainings shaped by the September rule, three months computed,
candidates to decide on (none carded by it), idempotent."""

import io

import pytest
from django.core.management import call_command

from assessments.models import TeacherTraining
from organizations.orgs.models import Org
from organizations.supervision.models import OrgAction
from pilot.demo.indicators import MONTHS
from pilot.indicators.models import IndicatorRun, OrgIndicator
from pilot.indicators.selectors import candidates_of

pytestmark = pytest.mark.django_db


def test_the_demo_shows_yellow_card_candidates_and_runs_twice_unchanged():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "行为评价指标演示数据" in out.getvalue()
    runs = IndicatorRun.objects.filter(month__in=MONTHS, status="done")
    assert runs.count() == 3
    november = runs.get(month=MONTHS[-1])
    candidates = candidates_of(november)
    rules = {t["rule"] for c in candidates for t in c["tripped"]}
    assert "training" in rules
    training = [c for c in candidates if c["actionable"] and any(t["rule"] == "training" for t in c["tripped"])]
    assert training, "the demo needs an active org that trips the September rule"
    # Orgs carded by the supervision step are shown as such, not offered a second card.
    carded = [c for c in candidates if c["org"].status != Org.Status.ACTIVE]
    assert carded and not any(c["can_card"] for c in carded)
    actions = OrgAction.objects.count()
    counts = (TeacherTraining.objects.count(), OrgIndicator.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (TeacherTraining.objects.count(), OrgIndicator.objects.count())
    assert OrgAction.objects.count() == actions and IndicatorRun.objects.get(month=MONTHS[-1]).runs == 1
