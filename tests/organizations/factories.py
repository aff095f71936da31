import factory

from organizations.complaints.models import Complaint
from organizations.institutions.models import Alliance, Institution
from organizations.orgs.models import Org
from organizations.orgs.validators import credit_code_check_char


def valid_credit_code(n: int) -> str:
    body = f"9111010{n:010d}"[:17]
    return body + credit_code_check_char(body)


class OrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Org

    name = factory.Sequence(lambda n: f"培训评价组织{n}")
    credit_code = factory.Sequence(valid_credit_code)
    org_type = Org.OrgType.ENTERPRISE
    batch_number = 1


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    name = factory.Sequence(lambda n: f"院校联盟{n}")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"职业技术学院{n}")
    school_code = factory.Sequence(lambda n: f"41{n:08d}")
    institution_type = Institution.InstitutionType.HIGHER_VOCATIONAL
    city = "武汉市"


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    org = factory.SubFactory(OrgFactory)
    reference = factory.Sequence(lambda n: f"TS2026-TEST-{n:04d}")
    category = Complaint.Category.EXCESSIVE_FEES
    text = "考核费用每人次860元，超过上限，另收培训资料费200元。"
    contact_name = "张投诉"
    contact = "13800138000"


# --- evidence samples, made in the tests (real files, not fixtures on disk) --------------------

def sample_png(size=(64, 48), text_chunk: str | None = None) -> bytes:
    import io

    from PIL import Image, PngImagePlugin

    info = None
    if text_chunk:
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", text_chunk)
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def sample_jpeg(size=(64, 48), artist: str | None = None) -> bytes:
    """A JPEG photo; with ``artist`` its EXIF names the photographer (and carries a GPS tag)."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, (20, 90, 160))
    buffer = io.BytesIO()
    if artist:
        exif = Image.Exif()
        exif[0x013B] = artist  # Artist
        exif[0x8825] = {1: "N", 2: (30.0, 35.0, 0.0)}  # GPSInfo: a position in Wuhan
        image.save(buffer, format="JPEG", exif=exif.tobytes())
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


def sample_pdf(*, author: str | None = None, javascript: str | None = None, attachment: bytes | None = None) -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if author:
        writer.add_metadata({"/Author": author})
    if javascript:
        from pypdf.actions import JavaScript

        writer.add_open_action(JavaScript(javascript))
    if attachment is not None:
        writer.add_attachment("payload.exe", attachment)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
# --- seal images made in the tests ---------------------------------------------------------------

SEAL_RED = (214, 25, 32)


def seal_image(size: int = 800, *, transparent: bool = False, margin: int = 100, ink=SEAL_RED):
    """A round seal (ring, filled star-like centre, a bar for the name) drawn with Pillow, on white
    paper or on a transparent background, with ``margin`` pixels of empty border."""
    from PIL import Image, ImageDraw

    background = (255, 255, 255, 0) if transparent else (255, 255, 255)
    image = Image.new("RGBA" if transparent else "RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    box = (margin, margin, size - margin, size - margin)
    draw.ellipse(box, outline=ink, width=max(2, size // 30))
    centre, r = size / 2, (size - 2 * margin) / 6
    draw.regular_polygon((centre, centre, r), n_sides=5, fill=ink)
    draw.rectangle((centre - 2 * r, centre + 1.3 * r, centre + 2 * r, centre + 1.6 * r), fill=ink)
    return image


def image_bytes(image, fmt: str = "PNG", **options) -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def seal_upload(name: str = "seal.png", *, data: bytes | None = None, content_type: str = "image/png", **kwargs):
    """An uploaded file as Django hands it to a view: a drawn seal unless ``data`` is given."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    if data is None:
        data = image_bytes(seal_image(**kwargs))
    return SimpleUploadedFile(name, data, content_type=content_type)
def school_code(n: int, province_code: str = "42") -> str:
    """A 10-digit national school code (学校标识码) in the shape 41 + province + six digits."""
    return f"41{province_code}{n:06d}"
