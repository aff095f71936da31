import io

import pytest
from django.core.management import call_command

from accounts.models import Person, RoleBinding, User
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from pilot.demo import DEMO_PASSWORD


# One test, not two: each seed of the demo takes a while, and a rebuild needs a demo to rebuild.
@pytest.mark.django_db(transaction=True)
def test_seed_demo_builds_every_persona_is_idempotent_and_rebuilds_from_scratch():
    from django_celery_beat.models import PeriodicTask

    from certificates.issuance.models import IssuedCertificate

    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), RoleBinding.objects.count(), Person.objects.count(), Org.objects.count(),
              Institution.objects.count())
    # The first batch's certificates attest their skills (issue 17, item 4); a second run keeps them.
    from accounts.models import AuditEntry
    from certificates.catalog.models import CertificateLevel

    skills = dict(CertificateLevel.objects.exclude(skills="").values_list("pk", "skills"))
    assert CertificateLevel.objects.filter(certificate__name="Web前端开发", level="junior",
                                           skills__contains="能使用 HTML5 和 CSS3 完成静态网页制作").exists()
    skills_audited = AuditEntry.objects.filter(action="certificate.skills_updated").count()
    call_command("seed_demo", stdout=io.StringIO())
    assert skills == dict(CertificateLevel.objects.exclude(skills="").values_list("pk", "skills"))
    assert AuditEntry.objects.filter(action="certificate.skills_updated").count() == skills_audited
    assert counts == (User.objects.count(), RoleBinding.objects.count(), Person.objects.count(),
                      Org.objects.count(), Institution.objects.count())
    roles = set(RoleBinding.objects.values_list("role", flat=True))
    assert roles == {"ministry", "province", "province_agency", "alliance", "institution", "org", "student"}
    assert User.objects.get(username="hubei_edu").check_password(DEMO_PASSWORD)
    assert RoleBinding.objects.filter(role="province", province__in=["42", "37"]).count() == 2
    # The dashboard has its figures from the first run on.
    from pilot.models import PilotYearFact, RollupRefresh

    assert RollupRefresh.objects.filter(status="done").exists() and PilotYearFact.objects.exists()
    # Fees (issue 16): one standard per certificate level and province at any date, and the Hubei
    # department has the proposal waiting for its verification on its workbench.
    from accounts.scoping import actor_for
    from core.navigation import todos_for
    from fees.models import FeeStandard, FeeStandardLevel

    rows = list(FeeStandardLevel.objects.all())
    assert rows and FeeStandard.objects.exclude(levels__isnull=False).count() == 0
    for row in rows:
        assert not [other for other in rows if other.pk != row.pk and (other.certificate_id, other.province_id,
                    other.level) == (row.certificate_id, row.province_id, row.level)
                    and other.applies_on(row.effective_from)]
    assert any("待核定的费用标准" in t.title for t in todos_for(actor_for(User.objects.get(username="hubei_edu"))))

    # --rebuild builds it again from scratch.
    User.objects.create(username="left_over")  # anything outside the demo goes too
    counts = (IssuedCertificate.objects.count(), Person.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--rebuild", stdout=out)
    assert "演示数据已就绪" in out.getvalue()
    assert not User.objects.filter(username="left_over").exists()
    assert counts == (IssuedCertificate.objects.count(), Person.objects.count())
    # The schedules the data migrations create are back (a transactional test starts without them).
    assert PeriodicTask.objects.filter(task="assessments.monthly_report_scheduled").exists()
    assert PeriodicTask.objects.filter(task="credit_bank.sweep_outcomes").exists()
