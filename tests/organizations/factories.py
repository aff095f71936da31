import factory

from organizations.models import Alliance, Institution, Org
from organizations.validators import credit_code_check_char


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
