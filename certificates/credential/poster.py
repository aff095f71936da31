"""The QR poster (PNG) a holder forwards in WeChat: portrait 1080×1440 (3:4, what a chat shows
whole without cropping), large type, and a QR code big enough to scan from a phone screen.

Text is drawn with the Noto Sans CJK SC faces the certificate PDFs use (certificates.issuance.pdf),
so every name the certificate could print draws here too. The poster carries the masked name only.
"""

import io

import qrcode
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from certificates.credential.selectors import CredentialFacts
from certificates.issuance.pdf import FULL_FONT_PATH

SIZE = (1080, 1440)
BOLD_FONT_PATH = FULL_FONT_PATH.replace("Regular", "Bold")
SC_FACE = 2  # Noto Sans CJK SC in the collection
INK, MUTED, ACCENT, PAPER = (33, 37, 41), (90, 98, 106), (176, 32, 38), (255, 253, 248)
MARGIN = 80


def _font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD_FONT_PATH if bold else FULL_FONT_PATH, size, index=SC_FACE)


def _fitted(draw, text: str, size: int, *, bold: bool = False, width: int = SIZE[0] - 2 * MARGIN):
    """The largest font up to ``size`` at which ``text`` fits on one line of ``width``."""
    while size > 24:
        font = _font(size, bold=bold)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= 4
    return _font(size, bold=bold)


def _centered(draw, y: int, text: str, font, fill) -> int:
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((SIZE[0] - (right - left)) / 2 - left, y - top), text, font=font, fill=fill)
    return y + (bottom - top)


def _qr_image(url: str, box: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB").resize(
        (box, box), Image.Resampling.NEAREST)


def poster_png(facts: CredentialFacts, url: str) -> bytes:
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, SIZE[0] - 24, SIZE[1] - 24), outline=ACCENT, width=6)
    y = 110
    y = _centered(draw, y, _("职业技能等级证书"), _font(84, bold=True), ACCENT) + 56
    y = _centered(draw, y, facts.certificate, _fitted(draw, facts.certificate, 68, bold=True), INK) + 28
    y = _centered(draw, y, facts.level, _font(56, bold=True), INK) + 52
    y = _centered(draw, y, _("持证人：%(name)s") % {"name": facts.masked_name}, _font(44), INK) + 22
    org = _("发证机构：%(org)s") % {"org": facts.org}
    y = _centered(draw, y, org, _fitted(draw, org, 40), MUTED) + 22
    issued_on = _("发证日期：%(date)s") % {"date": f"{facts.issued_on:%Y-%m-%d}"}
    y = _centered(draw, y, issued_on, _font(40), MUTED) + 22
    y = _centered(draw, y, _("证书编号：%(n)s") % {"n": facts.number}, _font(36), MUTED) + 50
    box = 440
    image.paste(_qr_image(url, box), ((SIZE[0] - box) // 2, y))
    y += box + 36
    _centered(draw, y, _("微信扫码或长按识别，查验证书真伪与状态"), _font(36), INK)
    _centered(draw, SIZE[1] - 90, _("1+X证书制度试点管理平台"), _font(32), MUTED)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
