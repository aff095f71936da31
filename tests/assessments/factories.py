import datetime

import factory

from assessments.models import Filing, FilingLevel, TrainerQualification
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
