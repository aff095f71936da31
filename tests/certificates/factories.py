import factory

from certificates.models import AssessmentType, Certificate, CertificateLevel, Level, SelectionBatch
from tests.organizations.factories import OrgFactory


class SelectionBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelectionBatch
        django_get_or_create = ("number",)

    number = 1
    name = factory.LazyAttribute(lambda o: f"第{o.number}批")
    opened_on = factory.Faker("date_between", start_date="-2y", end_date="-1y")
    status = SelectionBatch.Status.PUBLISHED


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    code = factory.Sequence(lambda n: f"X{n:05d}")
    name = factory.Sequence(lambda n: f"职业技能证书{n}")
    org = factory.SubFactory(OrgFactory)
    batch = factory.SubFactory(SelectionBatchFactory)
    field = "信息技术"
    status = Certificate.Status.PUBLISHED


class CertificateLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificateLevel

    certificate = factory.SubFactory(CertificateFactory)
    level = Level.JUNIOR
    assessment_type = AssessmentType.COMPUTER
    pass_mark = 60


def certificate_with_levels(**kwargs) -> Certificate:
    """A published certificate offering 初级, 中级 and 高级 (computer, computer, general practical)."""
    certificate = CertificateFactory(**kwargs)
    for level, kind in ((Level.JUNIOR, AssessmentType.COMPUTER), (Level.INTERMEDIATE, AssessmentType.COMPUTER),
                        (Level.SENIOR, AssessmentType.PRACTICAL_GENERAL)):
        CertificateLevelFactory(certificate=certificate, level=level, assessment_type=kind)
    return certificate
