"""Rule 4 of domain.md: issuance is never tied to payment (不得强行把证书发放与费用支付问题挂钩).
A passed candidate of an institution that has paid nothing gets the certificate, and nothing under
certificates/ even knows that fees exist."""

import ast
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.scoping import actor_for
from assessments.models import Result
from certificates.issuance.models import IssuedCertificate
from certificates.issuance.services import PassedResult, issuance_requests_create
from certificates.issuance.worker import issuance_run
from fees import selectors, services
from fees.models import FeePayment
from tests.certificates.factories import seal_for
from tests.fees.conftest import finalized_session, items

pytestmark = pytest.mark.django_db


def _passes(session) -> list[PassedResult]:
    """The session's passes, handed to issuance the way the assessment pipeline hands them."""
    results = Result.objects.filter(registration__session=session, passed=True).select_related("registration__person")
    return [PassedResult(result_id=r.pk, session_id=session.pk, certificate_id=r.certificate_id, level=r.level,
                         org_id=r.org_id, person_id=r.registration.person_id, holder_name=r.registration.person.name,
                         id_type=r.registration.person.id_type, id_number=r.registration.person.id_number,
                         province_code=r.province_id, institution_id=r.institution_id, site_code=session.site.code,
                         score=r.score, passed_on=session.date) for r in results]


def test_a_passed_candidate_of_an_institution_with_unpaid_fees_gets_the_certificate(
        org_a, org_a_user, hubei_user, web_certificate, hubei, hubei_institution, hubei_institution_user):
    seal_for(org_a)
    version = services.fee_proposal_submit(actor=actor_for(org_a_user), certificate=web_certificate, level="junior",
                                           province=hubei, items=items(question_bank="150", exam_system="100"))
    services.fee_version_verify(actor=actor_for(hubei_user), version=version, effective_from=datetime.date(2020, 9, 1))
    session = finalized_session(certificate=web_certificate, province=hubei, institution=hubei_institution,
                                candidates=2)
    institution = actor_for(hubei_institution_user)
    [due] = selectors.dues(institution)
    assert due.outstanding == Decimal("500.00") and due.paid == 0 and not FeePayment.objects.exists()

    passes = _passes(session)
    # No issuing tasks on commit: the test drives issuance itself, as the certificates tests do.
    with override_settings(ISSUANCE_PARALLEL=0), transaction.atomic():
        assert issuance_requests_create(passes=passes) == 2
    issuance_run()

    issued = IssuedCertificate.objects.filter(person_id__in=[p.person_id for p in passes],
                                              certificate=web_certificate)
    assert issued.count() == 2 and all(c.pdf for c in issued)
    [due] = selectors.dues(institution)
    assert due.outstanding == Decimal("500.00")  # still unpaid: the certificates did not wait for it


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_under_certificates_imports_fees():
    root = Path(__file__).resolve().parents[2] / "certificates"
    offenders = {str(path.relative_to(root.parent)): sorted(m for m in _imported_modules(path)
                                                             if m == "fees" or m.startswith("fees."))
                 for path in root.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 10  # the walk really read the certificates app
