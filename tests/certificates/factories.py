import factory

from certificates.models import (
    ApplicationCertificate,
    AssessmentType,
    BatchApplication,
    Certificate,
    CertificateLevel,
    Level,
    SelectionBatch,
)
from organizations.models import Org
from tests.organizations.factories import OrgFactory, valid_credit_code


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


class BatchApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BatchApplication

    batch = factory.SubFactory(SelectionBatchFactory, number=4, status=SelectionBatch.Status.REVIEWING)
    applicant_name = factory.Sequence(lambda n: f"申报单位{n}")
    credit_code = factory.Sequence(lambda n: valid_credit_code(500_000 + n))
    org_type = Org.OrgType.ENTERPRISE


class ApplicationCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationCertificate

    application = factory.SubFactory(BatchApplicationFactory)
    name = factory.Sequence(lambda n: f"申报证书{n}")
    field = "信息技术"
    levels = factory.LazyFunction(lambda: [
        {"level": "junior", "assessment_type": "computer", "full_mark": "100", "pass_mark": "60"},
        {"level": "intermediate", "assessment_type": "practical_general", "full_mark": "100", "pass_mark": "60"}])


def approved_item(**kwargs) -> ApplicationCertificate:
    """An applied certificate approved after a public notice that ended last month."""
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    defaults = {"expert_score": 88, "notice_from": today - datetime.timedelta(days=40),
                "notice_until": today - datetime.timedelta(days=33), "outcome": ApplicationCertificate.Outcome.APPROVED,
                "decided_at": timezone.now()}
    return ApplicationCertificateFactory(**{**defaults, **kwargs})
