"""Demo org registry data: portal org codes for the demo orgs, and a drawn e-seal for one of them.

The seal goes through the same upload service as a real one, so it is normalized the same way.
The other demo org is left without a seal on purpose: the portal shows what that blocks.
"""

import io
import math
import subprocess
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from organizations.orgs.models import Org
from organizations.orgs.services import org_code_ensure
from organizations.seals.selectors import org_seal_current
from organizations.seals.services import org_seal_upload

SEALED_ORG = "北京新奥时代科技有限责任公司"
SEAL_RED = (214, 25, 32)
_FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")


def cjk_font_path() -> str | None:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    try:
        found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    files = [line.split(":")[0].strip() for line in found.splitlines() if line.strip()]
    return files[0] if files else None


def _star(cx: float, cy: float, outer: float) -> list[tuple[float, float]]:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def demo_seal_png(org_name: str, *, size: int = 1000) -> bytes:
    """A red round seal: ring, five-pointed star, the org's name along the upper arc and
    "电子公章" below the star, drawn on white paper as a scanner would deliver it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    centre, margin = size / 2, size * 0.04
    ring = size * 0.035
    draw.ellipse((margin, margin, size - margin, size - margin), outline=SEAL_RED, width=round(ring))
    draw.polygon(_star(centre, centre, size * 0.15), fill=SEAL_RED)
    font_path = cjk_font_path()
    if font_path:
        name_font = ImageFont.truetype(font_path, round(size * 0.095))
        label_font = ImageFont.truetype(font_path, round(size * 0.075))
        radius = centre - margin - ring - size * 0.075
        # The name runs clockwise over about 240 degrees of the upper arc, centred at the top.
        span = min(250.0, 22.0 * len(org_name))
        step = span / max(1, len(org_name) - 1)
        for index, char in enumerate(org_name):
            angle = -90 - span / 2 + index * step
            glyph = Image.new("L", (round(size * 0.12), round(size * 0.12)), 0)
            ImageDraw.Draw(glyph).text((glyph.width / 2, glyph.height / 2), char, font=name_font, fill=255,
                                       anchor="mm")
            glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
            x = centre + radius * math.cos(math.radians(angle)) - glyph.width / 2
            y = centre + radius * math.sin(math.radians(angle)) - glyph.height / 2
            image.paste(Image.new("RGB", glyph.size, SEAL_RED), (round(x), round(y)), glyph)
        draw.text((centre, centre + size * 0.26), "电子公章", font=label_font, fill=SEAL_RED, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def seed_orgs(out) -> None:
    for org in Org.objects.filter(code__isnull=True).order_by("created_at", "pk"):
        org_code_ensure(org=org)
    org = Org.objects.filter(name=SEALED_ORG).first()
    if org is not None and org_seal_current(org) is None:
        upload = SimpleUploadedFile("demo-seal.png", demo_seal_png(org.name), content_type="image/png")
        org_seal_upload(actor=None, org=org, upload=upload)
