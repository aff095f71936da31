import factory

from certificates.batches.models import ApplicationCertificate, BatchApplication, SelectionBatch
from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel, Level
from organizations.orgs.models import Org
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
# --- issuance (issue 6) -------------------------------------------------------------------------

def seal_png(size: int = 240) -> bytes:
    """A red round seal image, as an org would upload it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, size - 6, size - 6), outline=(200, 24, 24, 255), width=max(4, size // 30))
    draw.regular_polygon((size // 2, size // 2, size // 7), 5, fill=(200, 24, 24, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def seal_for(org, version: int | None = None):
    """Give ``org`` an uploaded e-seal (the next version)."""
    from core.uploads import stored_file_save
    from organizations.seals.models import OrgSeal

    if version is None:
        version = (OrgSeal.objects.filter(org=org).order_by("-version").values_list("version", flat=True).first() or 0) + 1
    seal = OrgSeal(org=org, version=version, width_px=240, height_px=240)
    return stored_file_save(seal, seal_png(), original_name="seal.png", content_type="image/png", extension=".png")


_result_ids = iter(range(10_000_000, 99_999_999))


def passed_result(*, certificate, person, province, level="junior", institution=None, site_code="00012",
                  session_id=501, score="86.0", result_id=None, name=None):
    import datetime
    import decimal

    from certificates.issuance.services import PassedResult

    return PassedResult(
        result_id=result_id or next(_result_ids), session_id=session_id, certificate_id=certificate.pk, level=level,
        org_id=certificate.org_id, person_id=person.pk, holder_name=name or person.name, id_type=person.id_type,
        id_number=person.id_number, province_code=province.code,
        institution_id=institution.pk if institution else None, site_code=site_code,
        score=decimal.Decimal(score), passed_on=datetime.date(2026, 10, 20))


def issuance_requests(*, certificate, province, people, **kwargs) -> list:
    """Finalize passes for ``people`` the way the assessment pipeline does; returns the requests."""
    from django.db import transaction
    from django.test import override_settings

    from certificates.issuance.models import IssuanceRequest
    from certificates.issuance.services import issuance_requests_create

    passes = [passed_result(certificate=certificate, person=p, province=province, **kwargs) for p in people]
    # No issuing tasks on commit: a test drives issuance itself (a real worker, if one runs for this
    # session, would otherwise race the test for the requests).
    with override_settings(ISSUANCE_PARALLEL=0), transaction.atomic():
        issuance_requests_create(passes=passes)
    return list(IssuanceRequest.objects.filter(result_id__in=[p.result_id for p in passes]).order_by("pk"))


def issue_now(*, certificate, province, people, **kwargs) -> list:
    """Requests for ``people`` issued right away in this process; returns their certificates."""
    from certificates.issuance.models import IssuedCertificate
    from certificates.issuance.worker import issuance_run

    requests = issuance_requests(certificate=certificate, province=province, people=people, **kwargs)
    issuance_run()
    return list(IssuedCertificate.objects.filter(request__in=requests).order_by("pk"))
