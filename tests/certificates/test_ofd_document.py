"""The certificate as an OFD package: well-formed parts that reference only files it holds, every field
as extractable text, fonts embedded as subsets, the seal image, deterministic bytes."""

import datetime
import io
import posixpath
import zipfile

import pytest
from fontTools.ttLib import TTFont
from lxml import etree

from certificates.issuance import pdf
from certificates.ofd import document, layout
from tests.certificates.factories import seal_png

NS = {"ofd": "http://www.ofdspec.org/2016"}


@pytest.fixture
def data():
    seal = seal_png()

    def make(**changes):
        values = dict(number="X000142000122261000001", version=2, holder_name="李小明", id_type="resident_id",
                      id_type_label="居民身份证", id_number="420106200305151234", certificate_name="Web前端开发",
                      level="junior", level_label="初级", org_name="北京新奥时代科技有限责任公司",
                      issued_on=datetime.date(2026, 11, 26), verify_url="http://127.0.0.1:8000/verify/t/abcdefghij",
                      seal_png=lambda: seal, seal_key="seal-ofd-test")
        values.update(changes)
        return pdf.CertificateData(**values)

    return make


class Package:
    """An OFD package opened the way a reader opens it: from OFD.xml down."""

    def __init__(self, content: bytes):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.files = {name: archive.read(name) for name in archive.namelist()}
        self.ofd = self.xml("OFD.xml")
        self.root = self.ofd.findtext(".//ofd:DocRoot", namespaces=NS)
        self.doc_dir = posixpath.dirname(self.root)
        self.document = self.xml(self.root)
        self.res = {}  # resource ID -> (element, path of its file)
        for tag in ("PublicRes", "DocumentRes"):
            for loc in self.document.iterfind(f"ofd:CommonData/ofd:{tag}", NS):
                res_path = posixpath.join(self.doc_dir, loc.text)
                res = self.xml(res_path)
                base = posixpath.join(posixpath.dirname(res_path), res.get("BaseLoc", ""))
                for element in res.iter(f"{{{NS['ofd']}}}Font", f"{{{NS['ofd']}}}MultiMedia"):
                    file = element.findtext("ofd:FontFile", namespaces=NS) or element.findtext("ofd:MediaFile", namespaces=NS)
                    self.res[element.get("ID")] = (element, posixpath.join(base, file))
        page_loc = self.document.find("ofd:Pages/ofd:Page", NS).get("BaseLoc")
        self.content = self.xml(posixpath.join(self.doc_dir, page_loc))

    def xml(self, path: str):
        return etree.fromstring(self.files[path])

    def texts(self) -> str:
        return "".join(code.text for code in self.content.iterfind(".//ofd:TextCode", NS))

    def font(self, font_id: str) -> TTFont:
        return TTFont(io.BytesIO(self.files[self.res[font_id][1]]))

    def custom(self, name: str) -> str:
        return self.ofd.findtext(f".//ofd:CustomData[@Name='{name}']", namespaces=NS)


def test_the_package_parses_and_every_referenced_file_is_in_it(data):
    package = Package(document.render_ofd(data()))
    assert package.root == document.DOC_ROOT
    assert package.document.findtext(".//ofd:PhysicalBox", namespaces=NS) == "0 0 210 297"
    for _element, path in package.res.values():
        assert path in package.files, path
    ids = [int(e.get("ID")) for tree in (package.document, package.content) for e in tree.iter() if e.get("ID")]
    ids += [int(i) for i in package.res]
    assert len(ids) == len(set(ids))
    assert max(ids) == int(package.document.findtext(".//ofd:MaxUnitID", namespaces=NS))
    for obj in package.content.iterfind(".//ofd:TextObject", NS):
        assert package.res[obj.get("Font")][0].tag.endswith("Font")
    assert package.custom(document.CUSTOM_NUMBER) == "X000142000122261000001"
    assert package.custom(document.CUSTOM_VERSION) == "2"
    info = package.ofd.find(".//ofd:DocInfo", NS)
    assert info.findtext("ofd:Creator", namespaces=NS) == document.CREATOR
    assert info.findtext("ofd:CreationDate", namespaces=NS) == "2026-11-26"
    assert len(info.findtext("ofd:DocID", namespaces=NS)) == 32
    assert package.document.find("ofd:Pages/ofd:Page", NS).get("ID") == document.PAGE_ID
    assert next(iter(package.files)) == "OFD.xml"


@pytest.mark.parametrize("variant", pdf.VARIANTS)
def test_every_field_and_label_is_extractable_text(data, variant):
    certificate = data(variant=variant)
    text = Package(document.render_ofd(certificate)).texts()
    for value in certificate.values().values():
        assert value in text, value
    for label in pdf.LABELS["zh"].values():
        assert label in text
    assert "职业技能等级证书" in text and "扫码查验真伪" in text
    english = ("Vocational Skill Level Certificate", "Junior", "Resident ID card", *pdf.LABELS["en"].values())
    assert all((word in text) == (variant == "bilingual") for word in english)


def test_text_sits_where_the_pdf_puts_it(data):
    package = Package(document.render_ofd(data()))
    name = next(o for o in package.content.iterfind(".//ofd:TextObject", NS)
                if o.findtext("ofd:TextCode", namespaces=NS) == "李小明")
    x, top, _, _ = (float(v) for v in name.get("Boundary").split())
    baseline = top + float(name.find("ofd:TextCode", NS).get("Y"))
    assert (x, baseline) == (pdf.LAYOUT["value_x"], pdf.LAYOUT["first_row_y"])
    assert float(name.get("Size")) == pytest.approx(15 * layout.PT, abs=0.001)
    deltas = [float(v) for v in name.find("ofd:TextCode", NS).get("DeltaX").split()]
    assert len(deltas) == 2 and all(d > 0 for d in deltas)


def test_a_long_value_is_set_smaller_to_fit_as_in_the_pdf(data):
    long_name = "工业互联网设备数据采集与边缘计算应用开发及运维管理综合实训"
    package = Package(document.render_ofd(data(certificate_name=long_name)))
    obj = next(o for o in package.content.iterfind(".//ofd:TextObject", NS)
               if o.findtext("ofd:TextCode", namespaces=NS) == long_name)
    assert float(obj.get("Size")) < 12.5 * layout.PT
    assert float(obj.get("Boundary").split()[2]) <= pdf.LAYOUT["value_w"]


def test_the_embedded_font_is_a_subset_with_every_character_used(data):
    content = document.render_ofd(data())
    package = Package(content)
    (font_id,) = {o.get("Font") for o in package.content.iterfind(".//ofd:TextObject", NS)}
    element, path = package.res[font_id]
    assert element.get("FontName") == pdf.FAST_FONT_FAMILY
    assert len(package.files[path]) < 100 * 1024 < len(open(pdf.FAST_FONT_PATH, "rb").read()) / 100
    font = package.font(font_id)
    cmap = font.getBestCmap()
    glyf = font["glyf"]
    for char in set(package.texts()):
        assert ord(char) in cmap, char
        if not char.isspace():
            assert glyf[cmap[ord(char)]].numberOfContours > 0, char
    assert len(font.getGlyphOrder()) < 200


def test_a_rare_name_comes_out_in_the_noto_subset(data):
    package = Package(document.render_ofd(data(holder_name="𠮷田")))
    assert "𠮷田" in package.texts()
    rare = next(o for o in package.content.iterfind(".//ofd:TextObject", NS)
                if o.findtext("ofd:TextCode", namespaces=NS) == "𠮷")
    element, _ = package.res[rare.get("Font")]
    assert element.get("FontName") == pdf.FULL_FONT_FAMILY
    font = package.font(rare.get("Font"))
    assert 0x20BB7 in font.getBestCmap()
    assert font["glyf"][font.getBestCmap()[0x20BB7]].numberOfContours > 0


def test_a_character_no_font_has_is_the_pdfs_error(data):
    with pytest.raises(pdf.GlyphMissing) as missing:
        document.render_ofd(data(holder_name="王𪚥"))
    assert "U+2A6A5" in str(missing.value)


def test_the_same_data_gives_the_same_bytes(data):
    first = document.render_ofd(data())
    document.render_ofd(data(holder_name="张三丰", variant="bilingual"))
    assert document.render_ofd(data()) == first
    assert document.render_ofd(data(version=3)) != first


def test_the_seal_image_is_placed_for_a_sealed_certificate_and_absent_without_seal(data):
    sealed = Package(document.render_ofd(data()))
    (image,) = sealed.content.iterfind(".//ofd:ImageObject", NS)
    media, path = sealed.res[image.get("ResourceID")]
    assert media.get("Type") == "Image" and media.get("Format") == "PNG"
    assert sealed.files[path] == seal_png()
    size = pdf.LAYOUT["seal_size"]
    assert image.get("Boundary") == f"{pdf.LAYOUT['seal_x']} {pdf.LAYOUT['seal_y']} {size} {size}"
    assert tuple(float(v) for v in image.get("Boundary").split()) == document.SEAL_BOUNDARY

    imported = Package(document.render_ofd(data(seal_png=None, seal_key="no-seal")))
    assert imported.content.find(".//ofd:ImageObject", NS) is None
    assert not any(name.endswith(".png") for name in imported.files)


def test_the_qr_code_is_one_filled_path_inside_its_square(data):
    package = Package(document.render_ofd(data()))
    qr = [p for p in package.content.iterfind(".//ofd:PathObject", NS) if p.get("Fill") == "true"]
    assert len(qr) == 1
    size = pdf.LAYOUT["qr_size"]
    assert qr[0].get("Boundary") == f"{pdf.LAYOUT['qr_x']} {pdf.LAYOUT['qr_y']} {size} {size}"
    numbers = [float(v) for v in qr[0].findtext("ofd:AbbreviatedData", namespaces=NS).split() if v not in "MLC"]
    assert numbers and all(0 <= v <= size + 0.001 for v in numbers)

