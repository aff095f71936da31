"""The e-certificate PDF: real extractable CJK text, glyph coverage, size, both variants."""

import datetime
import io

import pytest
from pypdf import PdfReader

from certificates.issuance import pdf
from tests.certificates.factories import seal_png


@pytest.fixture
def data(tmp_path):
    seal = seal_png()

    def make(**changes):
        values = dict(number="X000142000122261000001", version=1, holder_name="李小明", id_type="resident_id",
                      id_type_label="居民身份证", id_number="420106200305151234", certificate_name="Web前端开发",
                      level="junior", level_label="初级", org_name="北京新奥时代科技有限责任公司",
                      issued_on=datetime.date(2026, 11, 26), verify_url="http://127.0.0.1:8000/verify/t/abcdefghij",
                      seal_png=lambda: seal, seal_key=f"test-{tmp_path.name}")
        values.update(changes)
        return pdf.CertificateData(**values)

    return make


def text_of(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_fast_path_has_every_field_as_real_text(data):
    content = pdf.render_certificate(data())
    text = text_of(content).replace(" ", "")
    for expected in ("职业技能等级证书", "李小明", "居民身份证", "420106200305151234", "Web前端开发", "初级",
                     "北京新奥时代科技有限责任公司", "2026年11月26日", "X000142000122261000001"):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(content))
    assert reader.metadata["/CertificateNumber"] == "X000142000122261000001"
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297  # A4
    assert len(content) < 150 * 1024


def test_fonts_are_embedded(data):
    reader = PdfReader(io.BytesIO(pdf.render_certificate(data())))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = []
    for ref in fonts.values():
        font = ref.get_object()
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is not None:
                descriptors.append(descriptor.get_object())
    assert descriptors and all(any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors)


def test_a_rare_name_the_fast_font_has_stays_on_the_fast_path(data):
    assert pdf.glyph_plan("李䶮") == "fast"
    assert "李䶮" in text_of(pdf.render_certificate(data(holder_name="李䶮"))).replace(" ", "")


def test_a_name_only_the_full_font_has_takes_the_full_font_path(data):
    assert pdf.glyph_plan("𠮷田") == "full"
    assert "𠮷田" in text_of(pdf.render_certificate(data(holder_name="𠮷田"))).replace(" ", "")


def test_a_character_no_font_has_is_an_error_never_a_box(data):
    with pytest.raises(pdf.GlyphMissing) as missing:
        pdf.render_certificate(data(holder_name="王𪚥"))
    assert "U+2A6A5" in str(missing.value)


def test_the_bilingual_variant(data):
    text = text_of(pdf.render_certificate(data(variant="bilingual")))
    assert "Vocational Skill Level Certificate" in text and "Junior" in text and "Name" in text


def test_the_naive_path_renders_the_same_design(data):
    text = text_of(pdf.render_naive(data())).replace(" ", "")
    assert "李小明" in text and "X000142000122261000001" in text


def test_the_qr_code_encodes_the_verification_link(data):
    reader = PdfReader(io.BytesIO(pdf.render_certificate(data())))
    expected = pdf._qr_matrix("http://127.0.0.1:8000/verify/t/abcdefghij")
    n = len(expected)
    (qr,) = [image.image for image in reader.pages[0].images if image.image.size == (n, n)]
    gray = qr.convert("L")
    pixels = [gray.getpixel((i % n, i // n)) for i in range(n * n)]
    assert [[pixels[y * n + x] == 0 for x in range(n)] for y in range(n)] == expected
