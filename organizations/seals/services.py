"""Electronic seals (电子公章): the checks an upload must pass, its normalization, and versions.

A seal is printed on every e-certificate, so what is stored is not the upload but a clean
re-encoding of it: trimmed to the seal, at 300 dpi for its printed size, with a transparent
background, as a small palette PNG. Nothing of the uploaded file's bytes (metadata, appended data)
survives the re-encoding.
"""

import io
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.scoping import Actor
from core.errors import AppError
from core.uploads import check_image, stored_file_save
from organizations.orgs.models import Org
from organizations.orgs.selectors import org_access_of
from organizations.seals.models import OrgSeal
from organizations.supervision.selectors import org_standing

MAX_BYTES = 2 * 1024 * 1024
MIN_SIDE = 100
MAX_SIDE = 4000
# Round and square seals are about 1:1; oval seals (e.g. 45 x 30 mm) reach 1.5:1.
MAX_ASPECT = 1.6
PRINT_DPI = 300
DEFAULT_PRINTED_MM = 40
PRINTED_MM_RANGE = (20, 60)
# Paper darker than this (in every channel) is not a scan of a seal on paper.
_MIN_PAPER_LEVEL = 150
# Differences from the paper below this (of 255) are paper texture and scanner noise, not ink.
_NOISE_LEVEL = 28
_ALPHA_VISIBLE = 8
_PALETTE_COLOURS = 128


@dataclass(frozen=True)
class NormalizedSeal:
    png: bytes
    width: int
    height: int


def seal_target_px(printed_mm: int) -> int:
    """Pixels across the seal's printed size at print resolution (40 mm at 300 dpi: 472 px)."""
    return round(printed_mm / 25.4 * PRINT_DPI)


def _open_checked(upload: UploadedFile):
    from PIL import Image, ImageOps

    try:
        checked = check_image(upload, max_bytes=MAX_BYTES, max_pixels=MAX_SIDE * MAX_SIDE, min_side=1)
    except AppError as error:
        error.field = error.field or "file"  # shown next to the file input, and named in the API's answer
        raise
    if min(checked.width, checked.height) < MIN_SIDE:
        raise AppError(_("印章图片太小（%(w)d×%(h)d 像素），至少需要 %(min)d×%(min)d 像素。") % {
            "w": checked.width, "h": checked.height, "min": MIN_SIDE}, field="file", code="seal_too_small")
    if max(checked.width, checked.height) > MAX_SIDE:
        raise AppError(_("印章图片太大（%(w)d×%(h)d 像素），不能超过 %(max)d×%(max)d 像素。") % {
            "w": checked.width, "h": checked.height, "max": MAX_SIDE}, field="file", code="seal_too_large")
    upload.seek(0)
    image = Image.open(io.BytesIO(upload.read()))
    upload.seek(0)
    image.load()
    # Phone photos carry their rotation in EXIF; apply it before the EXIF is dropped.
    return ImageOps.exif_transpose(image)


def _has_transparency(image) -> bool:
    """Whether any pixel is (partly) transparent: an alpha channel that is all opaque does not count."""
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return False
    return image.convert("RGBA").getchannel("A").getextrema()[0] < 255


def _to_rgb(image):
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _paper_colour(rgb) -> tuple[int, int, int]:
    """The background: the median colour of the image's border (a seal rarely touches it)."""
    from PIL import ImageStat

    w, h = rgb.size
    k = max(1, min(w, h) // 50)
    strips = [rgb.crop(box) for box in ((0, 0, w, k), (0, h - k, w, h), (0, 0, k, h), (w - k, 0, w, h))]
    medians = [ImageStat.Stat(strip).median for strip in strips]
    # Per channel, the mean of the two middle values of the four sides' medians.
    return tuple(round(sum(sorted(m[c] for m in medians)[1:3]) / 2) for c in range(3))


def _ink_alpha(rgb, paper: tuple[int, int, int]):
    """How far each pixel is from the paper towards full ink, as an 8-bit alpha channel (the
    "colour to alpha" of image editors, against the measured paper colour)."""
    from PIL import ImageChops

    channels = []
    for band, level in zip(rgb.split(), paper, strict=True):
        lut = [max(0, min(255, round((level - v) * 255 / level))) if level else 0 for v in range(256)]
        channels.append(band.point(lut))
    return ImageChops.lighter(ImageChops.lighter(channels[0], channels[1]), channels[2])


def _seal_from_paper(image):
    """An opaque scan or photo of a seal on paper -> the seal in its ink colour on transparency."""
    from PIL import Image, ImageStat

    rgb = _to_rgb(image)
    paper = _paper_colour(rgb)
    if min(paper) < _MIN_PAPER_LEVEL:
        raise AppError(_("印章图片的背景应为白色或透明，当前背景颜色过深。"), field="file", code="seal_background")
    raw = _ink_alpha(rgb, paper)
    box = raw.point(lambda v: 255 if v > _NOISE_LEVEL else 0).getbbox()
    if box is None:
        raise AppError(_("图片中没有可识别的印章内容。"), field="file", code="seal_empty")
    rgb, raw = rgb.crop(box), raw.crop(box)
    # Full ink strength: a high percentile of the inked pixels, so a few dark specks do not set it.
    histogram = raw.histogram()
    inked = sum(histogram[_NOISE_LEVEL + 1:])
    strength, seen = 255, 0
    for level in range(255, _NOISE_LEVEL, -1):
        seen += histogram[level]
        if seen >= inked * 0.05:
            strength = level
            break
    strong = raw.point(lambda v: 255 if v >= strength * 0.85 else 0)
    ink = tuple(round(c) for c in ImageStat.Stat(rgb, mask=strong).mean) if strong.getbbox() else (200, 20, 30)
    span = max(1, strength - _NOISE_LEVEL)
    alpha = raw.point(lambda v: max(0, min(255, round((v - _NOISE_LEVEL) * 255 / span))))
    seal = Image.new("RGBA", rgb.size, (*ink, 0))
    seal.putalpha(alpha)
    return seal


def _seal_with_alpha(image):
    """A seal already on transparency: keep its colours and alpha, trim the transparent margin."""
    rgba = image.convert("RGBA")
    box = rgba.getchannel("A").point(lambda v: 255 if v > _ALPHA_VISIBLE else 0).getbbox()
    if box is None:
        raise AppError(_("图片中没有可识别的印章内容。"), field="file", code="seal_empty")
    return rgba.crop(box)


def seal_normalize(upload: UploadedFile, *, printed_mm: int = DEFAULT_PRINTED_MM) -> NormalizedSeal:
    """Check an uploaded seal image and return its normalized PNG, or refuse it with AppError."""
    from PIL import Image

    image = _open_checked(upload)
    seal = _seal_with_alpha(image) if _has_transparency(image) else _seal_from_paper(image)
    width, height = seal.size
    if min(width, height) < MIN_SIDE:
        raise AppError(_("图片中的印章太小（%(w)d×%(h)d 像素），请上传更清晰的印章图片，印章部分至少 %(min)d 像素。") % {
            "w": width, "h": height, "min": MIN_SIDE}, field="file", code="seal_too_small")
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise AppError(_("印章应为圆形、椭圆形或方形，当前图片中印章的宽高比为 %(ratio).1f，请裁剪后重新上传。") % {
            "ratio": max(width, height) / min(width, height)}, field="file", code="seal_aspect")
    target = seal_target_px(printed_mm)
    if max(width, height) > target:
        # Enlarging a small upload would add bytes, not detail: only shrink.
        scale = target / max(width, height)
        seal = seal.resize((max(1, round(width * scale)), max(1, round(height * scale))), Image.Resampling.LANCZOS)
    # A seal is one ink colour at varying strength: a palette with alpha keeps it to a few kilobytes.
    palette = seal.quantize(colors=_PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return NormalizedSeal(png=buffer.getvalue(), width=seal.width, height=seal.height)


def org_seal_upload(*, actor: Actor | None, org: Org, upload: UploadedFile,
                    printed_mm: int = DEFAULT_PRINTED_MM) -> OrgSeal:
    """Store a new version of the org's seal. Earlier versions stay: certificates issued with
    them keep them; certificates issued from now on use this one."""
    if actor is not None:  # None: the system itself (demo data)
        org_access_of(actor, org).require("upload_seal", _("电子公章只能由培训评价组织本身上传。"))
    # A seal uploaded after the delisting would put a new seal on certificates of before it.
    org_standing(org).check("upload_seal", field="file")
    low, high = PRINTED_MM_RANGE
    if not isinstance(printed_mm, int) or not low <= printed_mm <= high:
        raise AppError(_("印面直径应在 %(low)d 到 %(high)d 毫米之间。") % {"low": low, "high": high},
                       field="printed_mm", code="printed_mm")
    normalized = seal_normalize(upload, printed_mm=printed_mm)
    seal = None
    try:
        with transaction.atomic():
            # The org row lock orders concurrent uploads; the unique (org, version) constraint backs it up.
            Org.objects.select_for_update().filter(pk=org.pk).first()
            previous = OrgSeal.objects.filter(org=org).aggregate(v=Max("version"))["v"] or 0
            seal = OrgSeal(org=org, version=previous + 1, width_px=normalized.width, height_px=normalized.height,
                           printed_mm=printed_mm, uploaded_by=getattr(actor, "user", None))
            stored_file_save(seal, normalized.png, original_name=upload.name or "seal.png",
                             content_type="image/png", extension=".png")
            audit_log(actor=actor, action="org.seal_uploaded", obj=org, changes={
                "seal_version": [previous or None, seal.version], "size": [None, seal.size],
                "pixels": [None, f"{seal.width_px}x{seal.height_px}"], "printed_mm": [None, printed_mm]})
    except IntegrityError:
        _discard_file(seal)
        raise AppError(_("另一次上传正在进行，请稍后重试。"), code="seal_busy") from None
    except Exception:
        _discard_file(seal)
        raise
    return seal


def _discard_file(seal: OrgSeal | None) -> None:
    if seal is not None and seal.file:
        seal.file.delete(save=False)
