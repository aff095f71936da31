"""The e-certificate PDF, modelled on the reference style (参考样式): A4, title 职业技能等级证书, the
holder, ID, certificate, level, issuing org with its e-seal, issue date, number and a QR code that
opens the verification page.

Fast path (what issuance uses): the static design of one org seal version and language variant —
border, title, labels, seal — is rendered ONCE by WeasyPrint from templates/certificates/pdf/
certificate.html and cached; each certificate then only draws its variable text and QR code with
reportlab, in a TrueType CJK font (WenQuanYi Zen Hei: reportlab cannot embed the CFF outlines of
Noto CJK) embedded as a subset, and pypdf lays that overlay onto the background page. The text is
real, extractable text.

Glyph coverage is checked before rendering (``glyph_plan``): a name with a character the fast font
lacks (𠮷, say) goes to the full-font WeasyPrint path with Noto CJK; a character no installed font
covers raises ``GlyphMissing`` — never a blank box.

``render_naive`` is the same design rendered from scratch by WeasyPrint with a full CJK font: the
slow path, kept for rare names and as the benchmark's baseline.
"""

import base64
import datetime
import functools
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.base_url import public_base_url
from core.errors import AppError

FAST_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FAST_FONT_FAMILY = "WenQuanYi Zen Hei"
FULL_FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FULL_FONT_FAMILY = "Noto Sans CJK SC"
FAST_FONT = "CertSans"
MM = 72 / 25.4
PAGE_W, PAGE_H = 210, 297  # mm, A4 portrait

# Where things sit, in mm from the top-left corner; the background template and the overlay both
# read this, so labels and values always line up.
LAYOUT = {
    "label_x": 32, "value_x": 78, "value_w": 104, "first_row_y": 112, "row_h": 15,
    "qr_x": 30, "qr_y": 224, "qr_size": 34, "seal_x": 128, "seal_y": 214, "seal_size": 42,
    "org_y": 232, "date_y": 242, "sign_x": 150,
}
ROWS = ["name", "id_type", "id_number", "certificate", "level", "org", "issued_on", "number"]
LABELS = {
    "zh": {"name": "姓　　名", "id_type": "证件类型", "id_number": "证件号码", "certificate": "证书名称",
           "level": "等　　级", "org": "发证机构", "issued_on": "发证日期", "number": "证书编号"},
    "en": {"name": "Name", "id_type": "ID type", "id_number": "ID number", "certificate": "Certificate",
           "level": "Level", "org": "Issued by", "issued_on": "Date of issue", "number": "Certificate No."},
}
LEVEL_EN = {"junior": "Junior", "intermediate": "Intermediate", "senior": "Senior"}
ID_TYPE_EN = {"resident_id": "Resident ID card", "hmt_residence": "Residence permit (HK/Macao/Taiwan)",
              "passport": "Passport", "foreign_permanent": "Foreign permanent residence ID", "other": "Other"}
VARIANTS = ("zh", "bilingual")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate (already decided: name and ID as the request carried)."""

    number: str
    version: int
    holder_name: str
    id_type: str
    id_type_label: str
    id_number: str
    certificate_name: str
    level: str
    level_label: str
    org_name: str
    issued_on: datetime.date
    verify_url: str
    # Reads the org's seal image (PNG) from storage; None for imported certificates. A callable so
    # the storage is read only when the background is rendered, once per seal version per process.
    seal_png: Callable[[], bytes] | None
    seal_key: str  # identifies the seal version: the background cache key
    variant: str = "zh"
    extra: dict = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        bilingual = self.variant == "bilingual"
        date = f"{self.issued_on.year}年{self.issued_on.month}月{self.issued_on.day}日"
        return {
            "name": self.holder_name,
            "id_type": self.id_type_label + (f" / {ID_TYPE_EN.get(self.id_type, '')}" if bilingual else ""),
            "id_number": self.id_number,
            "certificate": self.certificate_name,
            "level": self.level_label + (f" / {LEVEL_EN.get(self.level, '')}" if bilingual else ""),
            "org": self.org_name,
            "issued_on": date + (f" / {self.issued_on:%Y-%m-%d}" if bilingual else ""),
            "number": self.number,
        }


def glyph_missing_message(chars: list[str]) -> str:
    """Characters no certificate font can draw, named for the org (in the active language)."""
    listed = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)
    return _("姓名或证书信息中的字符 %(chars)s 超出证书字体范围，无法生成证书。"
             "请核对姓名用字，或联系平台增补字体。") % {"chars": listed}


class GlyphMissing(Exception):
    """A character that no certificate font can draw; the message names it for the org."""

    def __init__(self, chars: list[str]):
        self.chars = chars
        super().__init__(glyph_missing_message(chars))


# --- fonts and glyph coverage ----------------------------------------------------------------

_font_lock = threading.Lock()


@functools.cache
def _fast_font():
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    rl_config.useA85 = 0  # Flate alone: smaller and faster than Flate + ASCII85
    with _font_lock:
        font = TTFont(FAST_FONT, FAST_FONT_PATH, subfontIndex=0)
        pdfmetrics.registerFont(font)
    return font


@functools.cache
def _full_font_cmap() -> frozenset[int]:
    from fontTools.ttLib import TTCollection

    collection = TTCollection(FULL_FONT_PATH, lazy=True)
    return frozenset(collection.fonts[2].getBestCmap())  # face 2: Noto Sans CJK SC


def glyph_plan(text: str) -> str:
    """``"fast"`` when the overlay font draws every character, ``"full"`` when only the full CJK
    font does; raises GlyphMissing for characters no font covers."""
    fast = _fast_font().face.charToGlyph
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in fast})
    if not missing:
        return "fast"
    full = _full_font_cmap()
    uncovered = [c for c in missing if ord(c) not in full]
    if uncovered:
        raise GlyphMissing(uncovered)
    return "full"


def name_drawable(name: str) -> None:
    """AppError naming the characters of ``name`` that no certificate font can draw."""
    try:
        glyph_plan(name)
    except GlyphMissing as missing:
        listed = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in missing.chars)
        raise AppError(_("姓名中的字符 %(chars)s 超出证书字体范围，证书无法显示。请核对姓名用字；"
                         "如确为本人姓名用字，请联系平台增补字体。") % {"chars": listed},
                       code="name_glyph", field="name") from None


# --- the background, once per seal version and variant -----------------------------------------

def _template_context(data: CertificateData, *, with_values: bool, font_family: str) -> dict:
    labels = LABELS["zh"]
    rows = []
    for i, key in enumerate(ROWS):
        rows.append({"key": key, "label": labels[key], "label_en": LABELS["en"][key] if data.variant == "bilingual" else "",
                     "y": LAYOUT["first_row_y"] + i * LAYOUT["row_h"],
                     "value": data.values()[key] if with_values else ""})
    return {"rows": rows, "layout": LAYOUT, "bilingual": data.variant == "bilingual", "data": data,
            "with_values": with_values, "font_family": font_family,
            "seal_url": _png_data_url(data.seal_png()) if data.seal_png else "",
            "qr_svg": _qr_svg(data.verify_url) if with_values else "",
            "site": public_base_url()}


def _png_data_url(png: bytes) -> str:
    """The image inline in the HTML: WeasyPrint then reads nothing from a file system."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _weasyprint(html: str) -> bytes:
    from weasyprint import HTML

    # No shared cache across documents: with per-document QR codes it only grows (design.md).
    return HTML(string=html, base_url="/").write_pdf()


_backgrounds: dict[tuple[str, str], bytes] = {}
_BACKGROUND_CACHE_MAX = 64


def background_pdf(data: CertificateData) -> bytes:
    key = (data.seal_key, data.variant)
    cached = _backgrounds.get(key)
    if cached is None:
        html = render_to_string("certificates/pdf/certificate.html",
                                _template_context(data, with_values=False, font_family=FAST_FONT_FAMILY))
        cached = _weasyprint(html)
        if len(_backgrounds) >= _BACKGROUND_CACHE_MAX:
            _backgrounds.pop(next(iter(_backgrounds)))
        _backgrounds[key] = cached
    return cached


@functools.lru_cache(maxsize=64)
def _background_page(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages[0]


# --- the per-certificate overlay -------------------------------------------------------------

def _qr_matrix(url: str) -> list[list[bool]]:
    import qrcode

    # A fixed mask pattern skips scoring all eight (a third of the overlay's time); any mask is valid.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=2)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def _qr_svg(url: str) -> str:
    """The QR code as inline SVG rectangles (for the WeasyPrint path)."""
    matrix = _qr_matrix(url)
    n = len(matrix)
    rects = "".join(f'<rect x="{x}" y="{y}" width="{run}" height="1"/>' for y, row in enumerate(matrix)
                    for x, run in _runs(row))
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges">{rects}</svg>'


qr_svg = _qr_svg  # for the other signed documents (certificates.credential.report)


def _runs(row: list[bool]):
    x = 0
    while x < len(row):
        if row[x]:
            start = x
            while x < len(row) and row[x]:
                x += 1
            yield start, x - start
        else:
            x += 1


def _draw_qr(canvas, url: str) -> None:
    """The QR code as a 1-bit image, one pixel per module, scaled up without interpolation: smaller
    and faster than a path of rectangles."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    matrix = _qr_matrix(url)
    n = len(matrix)
    image = Image.new("1", (n, n), 1)
    image.putdata([0 if cell else 1 for row in matrix for cell in row])
    size = LAYOUT["qr_size"] * MM
    canvas.drawImage(ImageReader(image), LAYOUT["qr_x"] * MM, (PAGE_H - LAYOUT["qr_y"]) * MM - size, size, size)


def _fit_size(text: str, width_mm: float, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > 8 and stringWidth(text, FAST_FONT, size) > width_mm * MM:
        size -= 0.5
    return size


def _overlay(data: CertificateData) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    _fast_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_W * MM, PAGE_H * MM), pageCompression=1, invariant=1)
    values = data.values()
    for i, key in enumerate(ROWS):
        y = LAYOUT["first_row_y"] + i * LAYOUT["row_h"]
        size = 15 if key == "name" else 12.5
        text = values[key]
        size = _fit_size(text, LAYOUT["value_w"], size)
        canvas.setFont(FAST_FONT, size)
        canvas.setFillColorRGB(0.08, 0.08, 0.1)
        canvas.drawString(LAYOUT["value_x"] * MM, (PAGE_H - y) * MM, text)
    canvas.setFont(FAST_FONT, 12)
    org_size = _fit_size(data.org_name, 70, 12)
    canvas.setFont(FAST_FONT, org_size)
    canvas.drawCentredString(LAYOUT["sign_x"] * MM, (PAGE_H - LAYOUT["org_y"]) * MM, data.org_name)
    canvas.setFont(FAST_FONT, 11)
    canvas.drawCentredString(LAYOUT["sign_x"] * MM, (PAGE_H - LAYOUT["date_y"]) * MM, values["issued_on"].split(" / ")[0])
    _draw_qr(canvas, data.verify_url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _finish(writer, data: CertificateData) -> bytes:
    writer.add_metadata({
        "/Title": f"职业技能等级证书 {data.number}", "/Author": data.org_name,
        "/Subject": f"{data.certificate_name}（{data.level_label}）", "/Creator": "1+X证书制度试点管理平台",
        "/CertificateNumber": data.number, "/CertificateVersion": str(data.version)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_fast(data: CertificateData) -> bytes:
    """Background (cached) + reportlab overlay, merged by pypdf. Unsigned."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    page = writer.add_page(_background_page(background_pdf(data)))
    overlay = PdfReader(io.BytesIO(_overlay(data))).pages[0]
    if not _stack(writer, page, overlay):
        page.merge_page(overlay)
    return _finish(writer, data)


def _stack(writer, page, overlay) -> bool:
    """Lay ``overlay`` on ``page`` by appending its content stream and resources, without parsing
    either content stream (pypdf's merge_page parses both: most of the merge time). The background's
    drawing is wrapped in q/Q so none of its graphics state leaks into the overlay. Returns False
    (the caller merges the slow way) if a resource name is used by both."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    resources = page["/Resources"].get_object()
    theirs = overlay["/Resources"].get_object()
    for category in ("/Font", "/XObject", "/ExtGState"):
        if category in theirs and category in resources:
            if set(theirs[category].get_object()) & set(resources[category].get_object()):
                return False
    for category in ("/Font", "/XObject", "/ExtGState"):
        if category not in theirs:
            continue
        if category not in resources:
            resources[NameObject(category)] = DictionaryObject()
        target = resources[category].get_object()
        for name, value in theirs[category].get_object().items():
            target[NameObject(name)] = value.clone(writer)
    wrap_open, wrap_close = DecodedStreamObject(), DecodedStreamObject()
    wrap_open.set_data(b"q\n")
    wrap_close.set_data(b"\nQ\n")
    contents = page["/Contents"].get_object()
    background = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    overlay_contents = overlay["/Contents"].get_object()
    added = list(overlay_contents) if isinstance(overlay_contents, ArrayObject) else [overlay.raw_get("/Contents")]
    stacked = [writer._add_object(wrap_open), *background, writer._add_object(wrap_close)]
    for ref in added:
        cloned = ref.get_object().clone(writer)
        stacked.append(cloned.indirect_reference or writer._add_object(cloned))
    page[NameObject("/Contents")] = ArrayObject(stacked)
    return True


def render_naive(data: CertificateData, *, font_family: str = FULL_FONT_FAMILY) -> bytes:
    """The whole certificate rendered from scratch by WeasyPrint with a full CJK font. Unsigned."""
    from pypdf import PdfReader, PdfWriter

    html = render_to_string("certificates/pdf/certificate.html",
                            _template_context(data, with_values=True, font_family=font_family))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_weasyprint(html))))
    return _finish(writer, data)


def render_certificate(data: CertificateData) -> bytes:
    """The unsigned certificate: the fast path when its font covers every character, else the
    full-font path; GlyphMissing when no font does."""
    plan = glyph_plan("".join(data.values().values()))
    if plan == "fast":
        return render_fast(data)
    return render_naive(data, font_family=f'"{FAST_FONT_FAMILY}", "{FULL_FONT_FAMILY}"')
