"""The filings demo step: the shape of the public figures, idempotent, and nothing without a catalog."""

import io

import pytest
from django.db.models import Count, Sum

from assessments.models import Filing, FilingLevel, TrainerQualification
from certificates.batches.models import SelectionBatch
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from pilot.demo import seed_personas
from pilot.demo.filings import DECLARED_TOTAL, seed_filings
from tests.certificates.factories import SelectionBatchFactory, certificate_with_levels

pytestmark = pytest.mark.django_db


def test_without_a_published_certificate_nothing_is_created_and_it_says_so():
    seed_personas(None)
    before = Institution.objects.count()
    out = io.StringIO()
    seed_filings(out)
    assert "未生成备案" in out.getvalue()
    assert Institution.objects.count() == before and not Filing.objects.exists()


def test_the_demo_has_the_shape_of_the_public_figures_and_runs_twice_unchanged():
    seed_personas(None)
    web = Org.objects.get(name="北京新奥时代科技有限责任公司")
    care = Org.objects.get(name="北京中福长者文化科技有限公司")
    second = SelectionBatchFactory(number=2)
    for name, org in (("Web前端开发", web), ("老年照护", care), ("物流管理", web), ("汽车运用与维修", care)):
        certificate_with_levels(name=name, org=org)
    certificate_with_levels(name="智能财税", org=web, batch=second)
    seed_filings(io.StringIO())
    counts = (Institution.objects.count(), Filing.objects.count(), FilingLevel.objects.count(),
              TrainerQualification.objects.count())
    seed_filings(io.StringIO())
    assert counts == (Institution.objects.count(), Filing.objects.count(), FilingLevel.objects.count(),
                      TrainerQualification.objects.count())

    total = Filing.objects.aggregate(n=Sum("total_students"))["n"]
    assert abs(total - DECLARED_TOTAL) / DECLARED_TOTAL < 0.02
    assert FilingLevel.objects.aggregate(n=Sum("declared_students"))["n"] == total
    pilots = dict(Filing.objects.filter(year=2019).values("province_id").annotate(n=Count("*"))
                  .values_list("province_id", "n"))
    assert pilots["44"] > pilots["11"] > pilots.get("54", 0) >= 1
    assert pilots["44"] > pilots["32"]
    by_certificate = dict(Filing.objects.filter(year=2019).values("certificate__name").annotate(n=Count("*"))
                          .values_list("certificate__name", "n"))
    assert by_certificate["汽车运用与维修"] > by_certificate["老年照护"]
    assert "智能财税" not in by_certificate  # a batch-2 certificate has no 2019 pilots
    assert Filing.objects.filter(institution__school_code="4142010834").exists()
    assert TrainerQualification.objects.filter(qualified=True).exists()
    assert TrainerQualification.objects.filter(confirmed_at__isnull=True).exists()
    assert SelectionBatch.objects.count() == 2
