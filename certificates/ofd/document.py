"""The certificate as an OFD document (GB/T 33190-2016, 版式文档): the PDF's design, drawn from the
same CertificateData as the PDF (not a picture of it), unsigned. The signature layer
(certificates.ofd.signature, which also reads packages) adds Doc_0/Signs, its stamp on page PAGE_ID
at SEAL_BOUNDARY, and reads the certificate's number and version from the CustomDatas named by
CUSTOM_NUMBER and CUSTOM_VERSION.

The package::

    OFD.xml                        DocInfo (ID, title, author, date, number, version) → Doc_0/Document.xml
    Doc_0/Document.xml             A4 page area, resources, the page
    Doc_0/PublicRes.xml            the fonts          → Doc_0/Res/font_<id>.ttf (subsets)
    Doc_0/DocumentRes.xml          the seal image     → Doc_0/Res/seal.png (absent without a seal)
    Doc_0/Pages/Page_0/Content.xml text, paths (frame, rules, QR code), the seal

Text is Unicode in TextCode elements, every character placed by DeltaX from the embedded font's
advances, so a reader draws it where the PDF has it and can extract it. The same data gives the same
bytes.
"""

import functools
import io
import uuid
import zipfile

from lxml import etree
from lxml.builder import ElementMaker

from certificates.issuance.pdf import CertificateData
from core.base_url import public_base_url

from . import fonts, layout
from .layout import Image, Path, Text, num

OFD_NS = "http://www.ofdspec.org/2016"
CUSTOM_NUMBER = "CertificateNumber"  # DocInfo/CustomDatas/CustomData Name= the certificate's number
CUSTOM_VERSION = "CertificateVersion"  # and its version (the PDF's Info dictionary carries both too)
PAGE_ID = "1"  # the only page's ID, where the signature's stamp goes (StampAnnot PageRef)
SEAL_BOUNDARY = layout.SEAL_BOUNDARY  # the seal image's place on it (x, y, w, h mm): the stamp's Boundary
CREATOR = "1+X证书制度试点管理平台"
DOC_ROOT = "Doc_0/Document.xml"
CONTENT = "Pages/Page_0/Content.xml"  # relative to Doc_0, as Document.xml names it
RES_DIR = "Res"  # BaseLoc of both resource files, relative to Doc_0
SEAL_FILE = "seal.png"
PAGE_BOX = "0 0 210 297"  # A4 portrait, mm
ENTRY = "OFD.xml"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # fixed: an entry's time would otherwise make every render differ

_E = ElementMaker(namespace=OFD_NS, nsmap={"ofd": OFD_NS})


def _xml(element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8")


def _color(tag: str, rgb) -> etree._Element:
    return getattr(_E, tag)(Value=" ".join(str(c) for c in rgb))


def _box(boundary) -> str:
    return " ".join(num(v) for v in boundary)


@functools.lru_cache(maxsize=64)
def _static(variant: str, site: str, sealed: bool) -> tuple:
    """What is the same on every certificate of a variant (positions measured once)."""
    return tuple(layout.static_items(variant, site, sealed))


class _Page:
    """The page's objects, numbered with the document's resources in one ID space (OFD's MaxUnitID):
    the page is PAGE_ID, then the seal, then objects and fonts as they first appear."""

    def __init__(self):
        self.next_id = int(PAGE_ID) + 1
        self.font_ids: dict[str, int] = {}
        self.chars: dict[str, set[str]] = {}
        self.seal_id = 0
        self.objects: list = []

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def text(self, item: Text) -> None:
        x = item.x
        for run in fonts.runs(item.text):
            face = fonts.face(run.face)
            if run.face not in self.font_ids:
                self.font_ids[run.face] = self.new_id()
            self.chars.setdefault(run.face, set()).update(run.text)
            steps = [face.advance(c) * item.size + item.spacing for c in run.text]
            width = sum(steps)
            code = _E.TextCode(run.text, X="0", Y=num(item.size))
            if len(steps) > 1:
                code.set("DeltaX", " ".join(num(step) for step in steps[:-1]))
            self.objects.append(_E.TextObject(
                _color("FillColor", item.color), code, ID=str(self.new_id()),
                Boundary=_box((x, item.y - item.size, width, item.size * 1.3)),
                Font=str(self.font_ids[run.face]), Size=num(item.size)))
            x += width

    def path(self, item: Path) -> None:
        element = _E.PathObject(ID=str(self.new_id()), Boundary=_box(item.boundary),
                                Stroke="true" if item.stroke else "false", Fill="true" if item.fill else "false")
        if item.stroke:
            element.set("LineWidth", num(item.line_width))
            element.append(_color("StrokeColor", item.stroke))
        if item.fill:
            element.append(_color("FillColor", item.fill))
        element.append(_E.AbbreviatedData(item.data))
        self.objects.append(element)

    def image(self, item: Image) -> None:
        _, _, w, h = item.boundary
        self.objects.append(_E.ImageObject(ID=str(self.new_id()), Boundary=_box(item.boundary),
                                           CTM=f"{num(w)} 0 0 {num(h)} 0 0", ResourceID=str(self.seal_id),
                                           Alpha=str(item.alpha)))


def render_ofd(data: CertificateData, *, draw_seal: bool = True) -> bytes:
    """The unsigned OFD package of the certificate ``data`` (raises pdf.GlyphMissing, as the PDF
    does, for a character no certificate font draws). ``draw_seal=False`` leaves the seal image off
    the page, for a package about to be signed: readers draw the signature's stamp (the seal's own
    picture, at SEAL_BOUNDARY), and the page would otherwise show the seal twice."""
    fonts.check_coverage(data.values().values())
    sealed = data.seal_png is not None and draw_seal
    items = [*_static(data.variant, public_base_url(), sealed), *layout.variable_items(data)]
    page = _Page()
    if sealed:
        page.seal_id = page.new_id()
    for item in items:
        {Text: page.text, Path: page.path, Image: page.image}[type(item)](item)
    layer_id = page.new_id()
    files = {ENTRY: _ofd_xml(data)}
    font_elements = []
    for key, font_id in sorted(page.font_ids.items(), key=lambda kv: kv[1]):
        name = f"font_{font_id}.ttf"
        files[f"Doc_0/{RES_DIR}/{name}"] = fonts.face(key).subset("".join(sorted(page.chars[key])))
        font_elements.append(_E.Font(_E.FontFile(name), ID=str(font_id), FontName=fonts.face(key).family,
                                     FamilyName=fonts.face(key).family))
    common = [_E.MaxUnitID(str(page.next_id - 1)), _E.PageArea(_E.PhysicalBox(PAGE_BOX)),
              _E.PublicRes("PublicRes.xml")]
    if sealed:
        common.append(_E.DocumentRes("DocumentRes.xml"))
        media = _E.MultiMedia(_E.MediaFile(SEAL_FILE), ID=str(page.seal_id), Type="Image", Format="PNG")
        files["Doc_0/DocumentRes.xml"] = _xml(_E.Res(_E.MultiMedias(media), BaseLoc=RES_DIR))
        files[f"Doc_0/{RES_DIR}/{SEAL_FILE}"] = data.seal_png()
    files[DOC_ROOT] = _xml(_E.Document(_E.CommonData(*common),
                                       _E.Pages(_E.Page(ID=PAGE_ID, BaseLoc=CONTENT))))
    files["Doc_0/PublicRes.xml"] = _xml(_E.Res(_E.Fonts(*font_elements), BaseLoc=RES_DIR))
    files[f"Doc_0/{CONTENT}"] = _xml(_E.Page(_E.Content(_E.Layer(*page.objects, ID=str(layer_id), Type="Body"))))
    return _zip(files)


def _zip(files: dict[str, bytes]) -> bytes:
    """The package, OFD.xml first: fixed entry times, so the same files give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(files, key=lambda p: p != ENTRY):
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.create_system, info.external_attr = 3, 0o644 << 16  # Unix: not the platform's
            info.compress_type = zipfile.ZIP_STORED if path.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path], compresslevel=6)
    return out.getvalue()


def _ofd_xml(data: CertificateData) -> bytes:
    """The entry file: what the document is, and where its root lies."""
    info = _E.DocInfo(
        _E.DocID(uuid.uuid5(uuid.NAMESPACE_URL, f"x-certificate:{data.number}/{data.version}").hex),
        _E.Title(f"职业技能等级证书 {data.number}"),
        _E.Author(data.org_name),
        _E.Subject(f"{data.certificate_name}（{data.level_label}）"),
        _E.CreationDate(data.issued_on.isoformat()),
        _E.Creator(CREATOR),
        _E.CustomDatas(_E.CustomData(data.number, Name=CUSTOM_NUMBER),
                       _E.CustomData(str(data.version), Name=CUSTOM_VERSION)))
    return _xml(_E.OFD(_E.DocBody(info, _E.DocRoot(DOC_ROOT)), Version="1.0", DocType="OFD"))
