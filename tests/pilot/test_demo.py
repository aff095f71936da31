import io

import pytest
from django.core.management import call_command

from accounts.models import Person, RoleBinding, User
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from pilot.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_seed_demo_builds_every_persona_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    counts = (User.objects.count(), RoleBinding.objects.count(), Person.objects.count(), Org.objects.count(),
              Institution.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (User.objects.count(), RoleBinding.objects.count(), Person.objects.count(),
                      Org.objects.count(), Institution.objects.count())
    roles = set(RoleBinding.objects.values_list("role", flat=True))
    assert roles == {"ministry", "province", "province_agency", "alliance", "institution", "org", "student"}
    assert User.objects.get(username="hubei_edu").check_password(DEMO_PASSWORD)
    assert RoleBinding.objects.filter(role="province", province__in=["42", "37"]).count() == 2
    # The dashboard has its figures from the first run on.
    from pilot.models import PilotYearFact, RollupRefresh

    assert RollupRefresh.objects.filter(status="done").exists() and PilotYearFact.objects.exists()
