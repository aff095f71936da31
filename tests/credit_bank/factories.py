"""Credit-bank test helpers: an issued certificate (through the real issuance pipeline), an enrolment,
and rules made through the services, as an institution would."""

from decimal import Decimal

from accounts.scoping import actor_for
from certificates.catalog.models import Level
from organizations.institutions.models import Enrolment
from tests.certificates.factories import certificate_with_levels, issue_now, seal_for

MAJOR_NAME, MAJOR_CODE = "软件技术", "510203"


def enrol(person, institution, *, major_name=MAJOR_NAME, major_code=MAJOR_CODE, entry_year=2024) -> Enrolment:
    enrolment, _created = Enrolment.objects.get_or_create(
        person=person, institution=institution, major_name=major_name,
        defaults={"major_code": major_code, "entry_year": entry_year})
    return enrolment


def web_certificate(org, name="Web前端开发"):
    """A published certificate with three levels, its org holding a seal (so issuance proceeds)."""
    if not org.seals.exists():
        seal_for(org)
    return certificate_with_levels(org=org, name=name)


def issued_for(person, *, certificate, province, institution=None, level=Level.JUNIOR):
    """Issue ``certificate`` at ``level`` to ``person`` through the issuance pipeline (which fires
    the hook the credit bank listens to)."""
    (issued,) = issue_now(certificate=certificate, province=province, people=[person], institution=institution,
                          level=level)
    return issued


def make_rule(user, *, institution, certificate, level=Level.JUNIOR, course_code="WEB101", course_name="Web前端开发基础",
              course_credits=Decimal("2.0"), course_type="major_basic", major_name=MAJOR_NAME):
    from credit_bank.services.rules import rule_create

    return rule_create(actor=actor_for(user), institution=institution, major_name=major_name, certificate=certificate,
                       level=level, course_code=course_code, course_name=course_name, course_credits=course_credits,
                       course_type=course_type)


def request_conversion(student_user, outcome, rule, note=""):
    from credit_bank.services.conversions import conversion_request

    return conversion_request(actor=actor_for(student_user), outcome=outcome, rule=rule, note=note)


def approve(user, conversion, credits=None):
    from credit_bank.services.conversions import conversion_approve

    return conversion_approve(actor=actor_for(user), conversion=conversion, credits=credits)
