"""The independent OFD reader of issue #20 (ofd.js in the system Chromium) proven on real files.

Its sample files (shipped in the npm package) carry seals of both SES_Signature versions; a minimal OFD
made here shows Chinese text coming out and a page that looks like the same page drawn as PDF.
"""

import io
import zipfile

import pytest

from tests.e2e.ofd_reader import compare_pages, ofdjs_sample, pdf_page_png

pytestmark = pytest.mark.e2e

NS = "http://www.ofdspec.org/2016"
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # scripts/system-deps installs fonts-wqy-zenhei
FONT_FAMILY = "WenQuanYi Zen Hei"
TITLE = "职业技能等级证书"
HOLDER = "持证人：张三"
# Text objects in millimetres on an A4 page: (x, y, size, text, advance between characters)
LINES = [(45, 60, 12, TITLE, 15), (45, 100, 6, HOLDER, 7.5), (45, 115, 6, "证书编号：2026-0001", 6)]
FRAME = (15, 15, 180, 267)  # a stroked rectangle
PICTURE = (140, 220, 40, 40)  # a square picture (dark, like a QR code)


def picture_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (120, 120), "white")
    draw = ImageDraw.Draw(image)
    for row in range(6):
        for column in range(6):
            if (row * 7 + column * 3) % 5 < 3:
                draw.rectangle([column * 20, row * 20, column * 20 + 19, row * 20 + 19], fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def minimal_ofd(lines=LINES, *, prefix: str = "ofd:") -> bytes:
    """OFD.xml, Doc_0/Document.xml, its PublicRes (font, picture) and one page: text objects whose characters
    advance by DeltaX (the ``g`` shorthand), a stroked frame and a picture. ``prefix=""`` writes the same
    parts in the default namespace."""
    p = prefix
    xmlns = f'xmlns:ofd="{NS}"' if p else f'xmlns="{NS}"'
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    text_objects = "".join(
        f'<{p}TextObject ID="{10 + index}" Boundary="{x} {y - size} {size * 12} {size * 1.5}" Font="2" Size="{size}">'
        f'<{p}FillColor Value="0 0 0"/>'
        f'<{p}TextCode X="0" Y="{size}" DeltaX="g {len(text) - 1} {advance}">{text}</{p}TextCode>'
        f'</{p}TextObject>'
        for index, (x, y, size, text, advance) in enumerate(lines))
    fx, fy, fw, fh = FRAME
    px, py, pw, ph = PICTURE
    parts = {
        "OFD.xml": f'{head}<{p}OFD {xmlns} Version="1.0" DocType="OFD"><{p}DocBody><{p}DocInfo>'
                   f'<{p}DocID>6f0d1c0ffee04e1bb1c0a1b2c3d4e5f6</{p}DocID><{p}Title>{TITLE}</{p}Title>'
                   f'<{p}CreationDate>2026-12-07</{p}CreationDate></{p}DocInfo>'
                   f'<{p}DocRoot>Doc_0/Document.xml</{p}DocRoot></{p}DocBody></{p}OFD>',
        "Doc_0/Document.xml": f'{head}<{p}Document {xmlns}><{p}CommonData><{p}MaxUnitID>20</{p}MaxUnitID>'
                              f'<{p}PageArea><{p}PhysicalBox>0 0 210 297</{p}PhysicalBox></{p}PageArea>'
                              f'<{p}PublicRes>PublicRes.xml</{p}PublicRes></{p}CommonData>'
                              f'<{p}Pages><{p}Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></{p}Pages>'
                              f'</{p}Document>',
        "Doc_0/PublicRes.xml": f'{head}<{p}Res {xmlns} BaseLoc="Res"><{p}Fonts>'
                               f'<{p}Font ID="2" FontName="{FONT_FAMILY}" FamilyName="{FONT_FAMILY}"/></{p}Fonts>'
                               f'<{p}MultiMedias><{p}MultiMedia ID="3" Type="Image" Format="PNG">'
                               f'<{p}MediaFile>picture.png</{p}MediaFile></{p}MultiMedia></{p}MultiMedias>'
                               f'</{p}Res>',
        "Doc_0/Res/picture.png": picture_png(),
        "Doc_0/Pages/Page_0/Content.xml": (
            f'{head}<{p}Page {xmlns}><{p}Content><{p}Layer ID="4">'
            f'<{p}PathObject ID="5" Boundary="{fx} {fy} {fw} {fh}" LineWidth="0.8">'
            f'<{p}StrokeColor Value="0 0 0"/>'
            f'<{p}AbbreviatedData>M 0 0 L {fw} 0 L {fw} {fh} L 0 {fh} C</{p}AbbreviatedData></{p}PathObject>'
            f'<{p}ImageObject ID="6" Boundary="{px} {py} {pw} {ph}" CTM="{pw} 0 0 {ph} 0 0" ResourceID="3"/>'
            f'{text_objects}</{p}Layer></{p}Content></{p}Page>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def same_page_as_pdf(lines=LINES) -> bytes:
    """The page of ``minimal_ofd`` drawn by reportlab: same font, positions and picture."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "OfdReaderTestFont" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("OfdReaderTestFont", FONT_PATH, subfontIndex=0))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    top = A4[1]
    fx, fy, fw, fh = FRAME
    pdf.setLineWidth(0.8 * mm)
    pdf.rect(fx * mm, top - (fy + fh) * mm, fw * mm, fh * mm)
    px, py, pw, ph = PICTURE
    pdf.drawImage(ImageReader(io.BytesIO(picture_png())), px * mm, top - (py + ph) * mm, pw * mm, ph * mm)
    for x, y, size, text, advance in lines:
        pdf.setFont("OfdReaderTestFont", size * mm)
        for index, char in enumerate(text):
            pdf.drawString((x + index * advance) * mm, top - y * mm, char)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_a_minimal_ofd_renders_its_chinese_text_frame_and_picture(ofd_reader):
    rendering = ofd_reader.render(minimal_ofd())

    assert rendering.error is None, rendering.console
    assert len(rendering.pages) == 1
    page = rendering.pages[0]
    assert page.text == [TITLE, HOLDER, "证书编号：2026-0001"]
    assert page.pictures == [True]
    assert page.seals == []
    # A4 at the scale ofd.js picked for 800 CSS pixels: 3.8 px/mm.
    assert rendering.px_per_mm == pytest.approx(3.8)
    assert (page.width, page.height) == pytest.approx((210 * 3.8, 297 * 3.8), abs=1)
    assert page.png.startswith(b"\x89PNG")


def test_the_ofd_page_looks_like_the_same_page_as_pdf_and_unlike_a_moved_one(ofd_reader):
    rendering = ofd_reader.render(minimal_ofd())
    assert rendering.error is None
    dpi = rendering.px_per_mm * 25.4
    pdf_png = pdf_page_png(same_page_as_pdf(), dpi=dpi)

    alike = compare_pages(rendering.png, pdf_png)
    assert alike.looks_alike(), alike

    moved = [(x, y + 120, size, text, advance) for x, y, size, text, advance in LINES]
    unlike = compare_pages(rendering.png, pdf_page_png(same_page_as_pdf(moved), dpi=dpi))
    assert not unlike.looks_alike(), unlike
    assert unlike.mean_diff > alike.mean_diff and unlike.ink_overlap < alike.ink_overlap
    assert unlike.centroid_shift > alike.centroid_shift

    blank = compare_pages(rendering.png, pdf_page_png(same_page_as_pdf([]), dpi=dpi))
    assert not blank.looks_alike(), blank


def test_the_reader_reads_only_the_ofd_prefix(ofd_reader):
    """ofd.js matches elements by their literal ``ofd:`` prefix: an OFD written in the default namespace
    (valid XML, same document) does not open. Our writer has to use the prefix to pass this reader."""
    rendering = ofd_reader.render(minimal_ofd(prefix=""))

    assert rendering.pages == []
    assert rendering.error and rendering.error.startswith("parse:")


def test_a_v4_seal_whose_picture_is_an_ofd_document_is_drawn_and_its_signature_checks(ofd_reader):
    rendering = ofd_reader.render(ofdjs_sample("999.ofd"))

    assert rendering.error is None
    first = rendering.pages[0]
    assert "重庆增值税电子普通发票" in first.text
    [seal] = first.seals
    assert (seal.ses_version, seal.picture_type) == (4, "ofd")
    assert seal.drawn and seal.vector_marks > 0
    assert "全国统一发票监制章" in seal.text
    assert seal.signature_ok  # the reader's own SM2 check of SES_Signature v4
    assert rendering.seal_drawn


def test_png_seals_of_both_versions_are_drawn_on_the_page(ofd_reader):
    v4 = ofd_reader.render(ofdjs_sample("h.ofd"))
    assert v4.error is None
    assert {(seal.ses_version, seal.picture_type, seal.signature_ok) for seal in v4.seals} == {(4, "png", True)}
    assert all(seal.drawn and seal.picture_loaded for seal in v4.seals)
    assert {seal.signature_id for seal in v4.seals} == {"s001", "s007"}

    v1 = ofd_reader.render(ofdjs_sample("n.ofd"))
    assert v1.error is None
    assert "关于同意张阿三同志辞职的批复" in v1.text
    [seal] = v1.seals
    assert (seal.ses_version, seal.picture_type) == (1, "png")
    assert seal.drawn and seal.picture_loaded
    # The seal sits where its StampAnnot says, on the second page, inside it.
    assert seal in v1.pages[1].seals
    x, y, w, h = seal.box
    assert 0 <= x and x + w <= v1.pages[1].width and 0 <= y and y + h <= v1.pages[1].height
    # The seal is seen in the screenshot: red ink where the seal box is.
    second = ofd_reader.render(ofdjs_sample("n.ofd"), screenshot_pages=2).pages[1]
    assert red_share(second.png, seal.box) > 0.02
    assert red_share(second.png, (x, y + h + 10, w, h)) == 0  # below it: black text only


def red_share(png: bytes, box) -> float:
    """The share of seal-red pixels in ``box`` (x, y, w, h) of a screenshot."""
    from PIL import Image, ImageChops

    x, y, w, h = (int(v) for v in box)
    red, green, blue = Image.open(io.BytesIO(png)).convert("RGB").crop((x, y, x + w, y + h)).split()
    mask = ImageChops.darker(red.point(lambda v: 255 if v > 180 else 0),
                             ImageChops.darker(green.point(lambda v: 255 if v < 90 else 0),
                                               blue.point(lambda v: 255 if v < 90 else 0)))
    return mask.histogram()[255] / (w * h)


def test_one_changed_byte_fails_the_readers_checks(ofd_reader):
    sample = ofdjs_sample("h.ofd")

    # In the seal: its name inside SignedValue.dat, under the SM2 signature of SES_Signature. The signed
    # files are untouched, so their SM3 digests still hold (checked for the last signature only: that is
    # all ofd.js keeps).
    tampered_seal = rewrite(sample, "Doc_0/Signs/Sign_1/SignedValue.dat",
                            lambda data: data.replace(b"OFD R&W", b"OFE R&W", 1))
    seals = {seal.signature_id: seal for seal in ofd_reader.render(tampered_seal, check_digests=True).seals}
    assert (seals["s001"].signature_ok, seals["s001"].digests_ok) == (True, None)
    assert (seals["s007"].signature_ok, seals["s007"].digests_ok) == (False, True)

    # In the content: one digit of a page, under the SM3 digests of Signature.xml.
    tampered_page = rewrite(sample, "Doc_0/Pages/Page_0/Content.xml", change_one_digit)
    after = ofd_reader.render(tampered_page, check_digests=True)
    assert after.error is None and after.seal_drawn
    seals = {seal.signature_id: seal for seal in after.seals}
    assert (seals["s007"].signature_ok, seals["s007"].digests_ok) == (True, False)


def rewrite(ofd: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(ofd))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == name:
                changed = change(data)
                assert changed != data and len(changed) == len(data)
                data = changed
            archive.writestr(info, data)
    return out.getvalue()


def change_one_digit(data: bytes) -> bytes:
    at = data.index(b'Boundary="') + len(b'Boundary="')
    digit = data[at:at + 1]
    assert digit.isdigit()
    return data[:at] + (b"1" if digit != b"1" else b"2") + data[at + 1:]
