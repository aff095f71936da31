import datetime

import factory

from assessments.models import (
    AssessmentSession,
    CertificateTraining,
    Filing,
    FilingLevel,
    Registration,
    Result,
    Site,
    TeacherTraining,
    TrainerQualification,
)
from tests.accounts.factories import PersonFactory
from tests.certificates.factories import CertificateFactory
from tests.organizations.factories import InstitutionFactory


class FilingFactory(factory.django.DjangoModelFactory):
    """A filing with one 初级 level of ``total_students`` students (add levels with ``levels=``)."""

    class Meta:
        model = Filing
        skip_postgeneration_save = True

    institution = factory.SubFactory(InstitutionFactory)
    certificate = factory.SubFactory(CertificateFactory)
    year = 2020
    province = factory.SelfAttribute("institution.province")
    contact_name = "张老师"
    contact_phone = "13800000000"
    total_students = 100

    @factory.post_generation
    def levels(self, create, extracted, **kwargs):
        if not create:
            return
        levels = extracted or {"junior": self.total_students}
        for level, n in levels.items():
            FilingLevel.objects.create(filing=self, level=level, declared_students=n)
        if sum(levels.values()) != self.total_students:
            Filing.objects.filter(pk=self.pk).update(total_students=sum(levels.values()))
            self.total_students = sum(levels.values())


class TrainerQualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainerQualification

    institution = factory.SubFactory(InstitutionFactory)
    person = factory.SubFactory(PersonFactory)
    subject = "软件技术"
    certificate = factory.SubFactory(CertificateFactory)
    training_date = datetime.date(2020, 8, 20)


# --- sites, sessions, registrations, results ------------------------------------------------------

def _province(code: str = "42"):
    from accounts.models import Province

    return Province.objects.get(pk=code)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    org = factory.SubFactory("tests.organizations.factories.OrgFactory")
    code = factory.Sequence(lambda n: f"{n % 10000:04d}")
    name = factory.Sequence(lambda n: f"第{n}考点")
    province = factory.LazyFunction(_province)
    city = "武汉市"
    address = "洪山区珞喻路 463 号"


class SessionFactory(factory.django.DjangoModelFactory):
    """A session of the certificate's 初级 (the certificate needs its levels: use
    ``certificate_with_levels``), at a site of the certificate's org, today, for 30 candidates."""

    class Meta:
        model = AssessmentSession

    certificate = factory.SubFactory(CertificateFactory)
    org = factory.SelfAttribute("certificate.org")
    level = "junior"
    assessment_type = "computer"
    site = factory.SubFactory(SiteFactory, org=factory.SelfAttribute("..org"))
    province = factory.SelfAttribute("site.province")
    date = factory.LazyFunction(datetime.date.today)
    capacity = 30


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)
    institution = None
    channel = Registration.Channel.INSTITUTION
    major_name = "软件技术"
    name_given = factory.SelfAttribute("person.name")
    org = factory.SelfAttribute("session.org")
    certificate = factory.SelfAttribute("session.certificate")
    level = factory.SelfAttribute("session.level")
    province = factory.SelfAttribute("session.province")
    session_date = factory.SelfAttribute("session.date")


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Result

    registration = factory.SubFactory(RegistrationFactory)
    score = 80
    passed = factory.LazyAttribute(lambda o: o.score >= 60)
    org = factory.SelfAttribute("registration.org")
    certificate = factory.SelfAttribute("registration.certificate")
    level = factory.SelfAttribute("registration.level")
    province = factory.SelfAttribute("registration.province")
    institution = factory.SelfAttribute("registration.institution")
    session_date = factory.SelfAttribute("registration.session_date")


# --- trainings, plans and the monthly report (issue 5, items 1, 2 and 6) --------------------------

class TeacherTrainingFactory(factory.django.DjangoModelFactory):
    """A finished offline training of 30 teachers for the certificate's 初级 (give ``province``)."""

    class Meta:
        model = TeacherTraining

    certificate = factory.SubFactory(CertificateFactory)
    org = factory.SelfAttribute("certificate.org")
    level = "junior"
    start_date = datetime.date(2020, 8, 10)
    end_date = datetime.date(2020, 8, 12)
    mode = "offline"
    teachers_trained = 30


class CertificateTrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateTraining

    certificate = factory.SubFactory(CertificateFactory)
    org = factory.SelfAttribute("certificate.org")
    level = "junior"
    month = datetime.date(2020, 9, 1)
    students = 120
    social_learners = 8


def pipeline_candidate(*, certificate, province, date: datetime.date, level: str = "junior", institution=None,
                       session=None, absent: bool = False, cancelled: bool = False, score=None, passed: bool = True,
                       result: bool | None = None, issuance: str | None = None):
    """One candidate through the pipeline, written directly (the pipeline's own services belong to
    another part of issue 5): a session at the org's test site in ``province`` on ``date`` (or the
    given ``session``), a registration, a result unless absent or cancelled (``result`` forces it),
    and an issuance request in status ``issuance``. Returns the registration."""
    from decimal import Decimal

    from assessments.models import AssessmentSession, Registration, Result, Site
    from certificates.issuance.models import IssuanceRequest

    if session is None:
        site, _created = Site.objects.get_or_create(org=certificate.org, code=f"T{province.pk}", defaults={
            "name": f"{province.name}测试考点", "province": province, "address": "测试地址"})
        session = AssessmentSession.objects.create(
            org=certificate.org, certificate=certificate, level=level, assessment_type="computer", site=site,
            province=province, date=date, capacity=500)
    person = PersonFactory()
    registration = Registration.objects.create(
        session=session, person=person, institution=institution, channel="institution" if institution else "self",
        name_given=person.name, absent=absent, status="cancelled" if cancelled else "registered",
        org=session.org, certificate=session.certificate, level=session.level, province=session.province,
        session_date=session.date)
    if result if result is not None else not (absent or cancelled):
        score = Decimal(score if score is not None else (80 if passed else 40))
        made = Result.objects.create(registration=registration, score=score, passed=passed, org=session.org,
                                     certificate=session.certificate, level=session.level, province=session.province,
                                     institution=institution, session_date=session.date)
        if issuance:
            IssuanceRequest.objects.create(
                result_id=made.pk, session_id=session.pk, certificate=session.certificate, level=session.level,
                org=session.org, person=person, holder_name=person.name, id_type=person.id_type,
                id_number=person.id_number, province=session.province, institution=institution,
                site_code=session.site.code, score=score, passed_on=session.date, status=issuance)
    return registration
