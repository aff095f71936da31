"""Demo data for issuance (issue 6): e-seals for the demo orgs, their certificate levels and a
paper-copy price. The certificates themselves come from the pipeline step: every one is issued
from a passed result of a finalized session (``pilot.demo.pipeline``), never made up here.
Idempotent: looked up by natural keys."""

import datetime
import decimal
import io

from certificates.batches.models import SelectionBatch
from certificates.catalog.models import AssessmentType, Certificate, CertificateLevel, Level
from certificates.issuance.models import IssuanceRequest, IssuedCertificate
from certificates.paper_copies.models import PaperCopyOffer
from core.uploads import stored_file_save
from organizations.orgs.models import Org
from organizations.seals.models import OrgSeal

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
CERTIFICATES = [
    # (org name, certificate code, certificate name, field)
    ("北京新奥时代科技有限责任公司", "1X-WEB-01", "Web前端开发", "信息技术"),
    ("北京中福长者文化科技有限公司", "1X-CARE-01", "老年照护", "医药卫生"),
]


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


def demo_seals_ensure() -> list[Certificate]:
    """The demo orgs' e-seals, certificates with their levels and paper-copy prices (before any of
    their sessions is finalized, so that their passes are issued, not blocked for want of a seal)."""

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
    return certificates


def seed_issuance(out) -> None:
    demo_seals_ensure()
    if out is not None:
        issued = IssuedCertificate.objects.count()
        waiting = IssuanceRequest.objects.filter(status="blocked").count()
        out.write(f"电子证书：已签发 {issued} 份（均来自已确认成绩的合格考生）；暂缓 {waiting} 份（原因见“合格未发证”）。\n")
