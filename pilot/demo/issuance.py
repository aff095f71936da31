"""Demo data for issuance (issue 6): e-seals for the demo orgs, their certificates, a session's passes
issued into signed e-certificates (李小明 and 赵丽华 among them), a paper-copy price, and one pass
waiting with its reason. Idempotent: passes are keyed by result id, the rest by natural keys."""

import datetime
import decimal
import io

from accounts.identity import gb11643_check_char
from accounts.models import IdType, Person, Province
from accounts.services import person_find_or_create
from certificates.batches.models import SelectionBatch
from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel, Level
from certificates.issuance.models import IssuanceRequest
from certificates.issuance.services import PassedResult, issuance_requests_create
from certificates.issuance.worker import issuance_run
from certificates.paper_copies.models import PaperCopyOffer
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from organizations.seals.models import OrgSeal

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
CERTIFICATES = [
    # (org name, certificate code, certificate name, field)
    ("北京新奥时代科技有限责任公司", "1X-WEB-01", "Web前端开发", "信息技术"),
    ("北京中福长者文化科技有限公司", "1X-CARE-01", "老年照护", "医药卫生"),
]
STUDENTS = ["陈思远", "刘雨桐", "王浩然", "周欣怡", "吴俊杰", "郑佳琪", "孙博文", "马晓燕"]


def demo_seal_png(name: str) -> bytes:
    """A round red e-seal with the org's name, drawn for the demo (real orgs upload theirs)."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    size = 360
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (196, 22, 28, 235)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=12)
    star = [(size / 2 + (60 if k % 2 == 0 else 24) * math.cos(math.radians(-90 + k * 36)),
             size / 2 + (60 if k % 2 == 0 else 24) * math.sin(math.radians(-90 + k * 36))) for k in range(10)]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(FONT, 30)
    text = name[:16]
    span = 240 if len(text) > 6 else 30 * len(text)
    for i, char in enumerate(text):  # the name along the upper arc, as on a real seal
        degrees = 270 - span / 2 + i * (span / max(1, len(text) - 1))
        angle = math.radians(degrees)
        x, y = size / 2 + 126 * math.cos(angle), size / 2 + 126 * math.sin(angle)
        glyph = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((20, 20), char, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(270 - degrees, resample=Image.BICUBIC)
        image.alpha_composite(glyph, (int(x - 20), int(y - 20)))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _id(region: str, birth: datetime.date, seq: str) -> str:
    body = f"{region}{birth:%Y%m%d}{seq}"
    return body + gb11643_check_char(body)


def seed_issuance(out) -> None:
    from core.uploads import stored_file_save

    batch, _ = SelectionBatch.objects.get_or_create(number=1, defaults={
        "name": "第一批", "opened_on": datetime.date(2019, 4, 1), "status": SelectionBatch.Status.PUBLISHED,
        "published_on": datetime.date(2019, 6, 1)})
    certificates = []
    for org_name, code, name, field in CERTIFICATES:
        org = Org.objects.get(name=org_name)
        if not OrgSeal.objects.filter(org=org).exists():
            stored_file_save(OrgSeal(org=org, version=1, width_px=360, height_px=360), demo_seal_png(org.name),
                             original_name="电子公章.png", content_type="image/png", extension=".png")
        certificate = (Certificate.objects.filter(org=org, name=name).first()
                       or Certificate.objects.create(code=code, name=name, org=org, batch=batch, field=field,
                                                     status=Certificate.Status.PUBLISHED))
        for level, kind in ((Level.JUNIOR, AssessmentType.COMPUTER), (Level.INTERMEDIATE, AssessmentType.COMPUTER),
                            (Level.SENIOR, AssessmentType.PRACTICAL_GENERAL)):
            CertificateLevel.objects.get_or_create(certificate=certificate, level=level,
                                                   defaults={"assessment_type": kind})
        PaperCopyOffer.objects.get_or_create(org=org, defaults={"price": decimal.Decimal("30.00")})
        certificates.append(certificate)

    whvc = Institution.objects.get(school_code="4142010834")
    hubei, shandong = Province.objects.get(code="42"), Province.objects.get(code="37")
    li = Person.objects.get(name="李小明", id_number__startswith="420106")
    zhao = Person.objects.get(name="赵丽华", id_number__startswith="370102")
    passes = [(1_000_001, certificates[0], li, Level.JUNIOR, hubei, whvc, li.name),
              (1_000_002, certificates[1], zhao, Level.INTERMEDIATE, shandong, None, zhao.name)]
    for i, name in enumerate(STUDENTS):
        person, _, _ = person_find_or_create(actor=None, id_type=IdType.RESIDENT_ID, name=name,
                                             id_number=_id("420111", datetime.date(2003, 1 + i, 10 + i), f"{300 + i}"))
        passes.append((1_000_100 + i, certificates[i % 2], person, Level.JUNIOR, hubei, whvc, name))
    # A name the certificate fonts cannot draw: it waits, and the org and institution see why.
    rare, _, _ = person_find_or_create(actor=None, id_type=IdType.RESIDENT_ID, name="王𪚥",
                                       id_number=_id("420111", datetime.date(2002, 12, 3), "399"))
    passes.append((1_000_199, certificates[0], rare, Level.JUNIOR, hubei, whvc, rare.name))
    issuance_requests_create(passes=[PassedResult(
        result_id=result_id, session_id=2026_09_01, certificate_id=certificate.pk, level=level,
        org_id=certificate.org_id, person_id=person.pk, holder_name=name, id_type=person.id_type,
        id_number=person.id_number, province_code=province.code, institution_id=institution.pk if institution else None,
        site_code="00101", score=decimal.Decimal("86.5"), passed_on=datetime.date(2026, 9, 20))
        for result_id, certificate, person, level, province, institution, name in passes])
    issued, _more = issuance_run(max_seconds=120)
    if out is not None and issued:
        waiting = IssuanceRequest.objects.filter(status="blocked").count()
        out.write(f"签发电子证书 {issued} 份；暂缓 {waiting} 份（原因见“合格未发证”）。\n")
