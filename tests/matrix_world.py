"""A small pilot with one object of every kind on each side of a boundary, for the access matrix.

Hubei: the student 李小明 (``student_person``) registered by the Hubei institution and assessed by
org A, passed, issued, enrolled, with a credit-bank outcome, a conversion request and a paper copy
order; a social learner; a pass in a session not yet finalized; a trainer; a filing; a teacher
training; a complaint against org A; a fee thread. Shandong: the same handled by the Shandong
institution and org B. Every person has a distinct valid ID number, so a full number found in a
response names exactly one person.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import Person
from accounts.scoping import actor_for
from assessments.models import Registration, Result
from certificates.credential.services import credential_page_set
from certificates.paper_copies.services import paper_offer_set, paper_order_create
from credit_bank.models import Outcome
from fees.caps import caps_ensure
from fees.services import fee_proposal_submit
from tests.assessments.factories import (
    CertificateTrainingFactory,
    FilingFactory,
    TeacherTrainingFactory,
    TrainerQualificationFactory,
    pipeline_candidate,
)
from tests.credit_bank.factories import enrol, issued_for, make_rule, request_conversion, web_certificate
from tests.fees.conftest import items
from tests.organizations.factories import ComplaintFactory


@dataclass
class World:
    objects: list = field(default_factory=list)  # every object the matrix opens by URL

    def add(self, *objs):
        self.objects.extend(objs)
        return objs[0] if len(objs) == 1 else objs


def _candidate_for(person, **kwargs) -> Registration:
    """A pipeline candidate who is ``person`` (the factory makes a new person each time)."""
    registration = pipeline_candidate(**kwargs)
    made = registration.person
    Registration.objects.filter(pk=registration.pk).update(person=person, name_given=person.name)
    Person.objects.filter(pk=made.pk).delete()
    registration.refresh_from_db()
    return registration


def build_world(p) -> World:
    """``p``: the persona fixtures by name (tests/personas.py)."""
    world = World()
    hubei, shandong = p["hubei"], p["shandong"]
    hi, si = p["hubei_institution"], p["shandong_institution"]
    org_a, org_b = p["org_a"], p["org_b"]
    student = p["student_person"]
    caps_ensure()
    cert_a = web_certificate(org_a)
    cert_b = web_certificate(org_b, name="老年照护")
    world.add(cert_a, cert_b, cert_a.batch)

    oct_, nov = datetime.date(2026, 10, 12), datetime.date(2026, 11, 3)
    sides = [(hubei, hi, cert_a, p["hubei_institution_user"], student), (shandong, si, cert_b, None, None)]
    for province, institution, certificate, institution_user, person in sides:
        if person is None:
            registration = pipeline_candidate(certificate=certificate, province=province, date=oct_,
                                              institution=institution)
            person = registration.person
        else:
            registration = _candidate_for(person, certificate=certificate, province=province, date=oct_,
                                          institution=institution)
        registration.session.status = "finalized"
        registration.session.save()
        result = Result.objects.get(registration=registration)
        world.add(registration, registration.session, registration.session.site, result)
        issued = issued_for(person, certificate=certificate, province=province, institution=institution)
        world.add(issued)
        enrol(person, institution)
        outcome = Outcome.objects.filter(account__person=person).first()
        if outcome is not None:
            world.add(outcome)
        if institution_user is not None and outcome is not None:
            rule = make_rule(institution_user, institution=institution, certificate=certificate)
            world.add(rule, request_conversion(p["student_user"], outcome, rule))
        world.add(TrainerQualificationFactory(institution=institution, certificate=certificate))
        world.add(FilingFactory(institution=institution, certificate=certificate, year=2026, province=province))
        world.add(TeacherTrainingFactory(org=certificate.org, certificate=certificate, province=province,
                                         start_date=datetime.date(2026, 8, 1), end_date=datetime.date(2026, 8, 3)))
        world.add(CertificateTrainingFactory(certificate=certificate, province=province))
        world.add(ComplaintFactory(org=certificate.org, contact_name="王举报人", contact="13912345678"))
        with transaction.atomic():
            world.add(fee_proposal_submit(actor=actor_for(p[f"{'org_a' if certificate.org == org_a else 'org_b'}_user"]),
                                          certificate=certificate, level="junior", province=province,
                                          items=items(question_bank="150", exam_system="100")).thread)
        # Not finalized yet: the score is the org's alone.
        open_registration = pipeline_candidate(certificate=certificate, province=province, date=nov,
                                               institution=institution, score=67)
        open_registration.session.status = "closed"
        open_registration.session.save()
        world.add(open_registration, open_registration.session)
        # A social learner (no institution).
        world.add(pipeline_candidate(certificate=certificate, province=province, date=oct_))

    # The student's paper copy of their certificate.
    paper_offer_set(actor=actor_for(p["org_a_user"]), org=org_a, price="30.00")
    student_issued = next(o for o in world.objects if type(o).__name__ == "IssuedCertificate" and o.person_id == student.pk)
    world.add(paper_order_create(actor=actor_for(p["student_user"]), issued=student_issued, recipient=student.name,
                                 phone="13700001111", address="湖北省武汉市洪山区珞喻路1号", postcode="430074"))
    # The student's public credential page (/c/<token>/), turned on.
    world.add(credential_page_set(actor=actor_for(p["student_user"]), issued=student_issued, public=True))
    world.add(org_a, org_b, hi, si, hubei, shandong)
    return world
