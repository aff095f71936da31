import datetime

import factory

from assessments.models import (
    AssessmentSession,
    Filing,
    FilingLevel,
    Registration,
    Result,
    Site,
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
