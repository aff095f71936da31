"""Upload checks shared by every app: the content decides the type, never the file name."""

import io
import logging
import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.errors import AppError, StoredFileMissing

# Kinds of document the portal accepts as attachments, by signature.
DOCUMENT_KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ofd": ("application/ofd", ".ofd"),
    "doc": ("application/msword", ".doc"),
    "xls": ("application/vnd.ms-excel", ".xls"),
}
_EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    extension: str
    size: int


def read_head(upload: UploadedFile, n: int = 8192) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def sniff_document(upload: UploadedFile) -> str | None:
    head = read_head(upload)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        name = (upload.name or "").lower()
        return "xls" if name.endswith(".xls") else "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "OFD.xml" in names:
            return "ofd"
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def check_size(upload: UploadedFile, max_bytes: int) -> None:
    if upload.size == 0:
        raise AppError(_("文件“%(name)s”是空文件。") % {"name": upload.name}, code="empty_file")
    if upload.size > max_bytes:
        raise AppError(_("文件“%(name)s”大小为 %(size)s，超过上限 %(max)s。") % {
            "name": upload.name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)},
            code="file_too_large")


def check_document(upload: UploadedFile, *, max_bytes: int, kinds=tuple(DOCUMENT_KINDS)) -> CheckedUpload:
    """A document attachment (PDF, OFD, Word, Excel) of at most ``max_bytes``, checked by content."""
    check_size(upload, max_bytes)
    head = read_head(upload, 16)
    if head.startswith(_EXECUTABLE_SIGNATURES):
        raise AppError(_("文件“%(name)s”是可执行程序，不允许上传。") % {"name": upload.name}, code="executable")
    kind = sniff_document(upload)
    if kind not in kinds:
        allowed = "、".join(k.upper() for k in kinds)
        raise AppError(_("文件“%(name)s”的内容不是允许的格式（%(allowed)s）。") % {"name": upload.name,
                                                                               "allowed": allowed},
                       code="file_type")
    content_type, extension = DOCUMENT_KINDS[kind]
    return CheckedUpload(kind=kind, content_type=content_type, extension=extension, size=upload.size)


# --- images (seals, evidence photos) --------------------------------------------------------

IMAGE_FORMATS = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg")}
# Markers that have no business inside a photo or a seal: markup, scripts, archives, PDF. A file
# carrying them is a polyglot (valid as an image and as something else) and is refused.
_POLYGLOT_MARKERS = (b"<script", b"<svg", b"<html", b"<?php", b"<?xml", b"<!doctype", b"javascript:",
                     b"%pdf-", b"pk\x03\x04", b"<iframe", b"onload=", b"onerror=")


def _png_compressed_texts(data: bytes, limit: int = 1_000_000) -> list[bytes]:
    """The inflated contents of a PNG's compressed text chunks (zTXt, compressed iTXt), where a
    script would not show in the raw bytes. Inflation is capped so a small chunk cannot bomb."""
    import struct
    import zlib

    texts, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"zTXt":
            compressed = body.split(b"\x00", 1)[-1][1:]
        elif kind == b"iTXt":
            _keyword, _sep, rest = body.partition(b"\x00")
            if not rest or rest[0] != 1:
                continue
            compressed = rest[2:].split(b"\x00", 2)[-1]
        else:
            if kind == b"IEND":
                break
            continue
        try:
            texts.append(zlib.decompressobj().decompress(compressed, limit))
        except zlib.error:
            texts.append(b"")
    return texts


@dataclass(frozen=True)
class CheckedImage:
    format: str
    content_type: str
    extension: str
    width: int
    height: int
    size: int


def check_image(upload: UploadedFile, *, max_bytes: int, max_pixels: int = 40_000_000,
                min_side: int = 16) -> CheckedImage:
    """A real PNG or JPEG image, decided by decoding it, with nothing else hidden inside."""
    from PIL import Image, UnidentifiedImageError

    check_size(upload, max_bytes)
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    lowered = data.lower()
    if data.startswith(_EXECUTABLE_SIGNATURES):
        raise AppError(_("文件“%(name)s”是可执行程序，不允许上传。") % {"name": upload.name}, code="executable")
    not_image = AppError(_("文件“%(name)s”不是 PNG 或 JPEG 图片。") % {"name": upload.name}, code="not_image")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise not_image
    hidden = [lowered] + ([t.lower() for t in _png_compressed_texts(data)] if data.startswith(b"\x89PNG") else [])
    if any(marker in blob for blob in hidden for marker in _POLYGLOT_MARKERS):
        raise AppError(_("图片“%(name)s”中夹带了脚本或其他文件，已拒绝。") % {"name": upload.name}, code="polyglot")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in IMAGE_FORMATS:
                raise not_image
            width, height = image.size
            if width * height > max_pixels:
                raise AppError(_("图片“%(name)s”尺寸过大（%(w)d×%(h)d 像素）。") % {"name": upload.name, "w": width,
                                                                          "h": height}, code="image_too_large")
            image.load()
            fmt = image.format
    except Image.DecompressionBombError:
        raise AppError(_("图片“%(name)s”尺寸过大，已拒绝。") % {"name": upload.name}, code="image_too_large") from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise not_image from None
    if min(width, height) < min_side:
        raise AppError(_("图片“%(name)s”太小（%(w)d×%(h)d 像素）。") % {"name": upload.name, "w": width, "h": height},
                       code="image_too_small")
    trailer = data.rstrip(b"\x00")
    if fmt == "PNG" and not trailer.endswith(b"IEND\xaeB`\x82"):
        raise AppError(_("图片“%(name)s”末尾附加了其他数据，已拒绝。") % {"name": upload.name}, code="polyglot")
    if fmt == "JPEG" and not trailer.endswith(b"\xff\xd9"):
        raise AppError(_("图片“%(name)s”末尾附加了其他数据，已拒绝。") % {"name": upload.name}, code="polyglot")
    content_type, extension = IMAGE_FORMATS[fmt]
    return CheckedImage(format=fmt, content_type=content_type, extension=extension, width=width, height=height,
                        size=len(data))


def stored_file_save(instance, content, *, original_name: str, content_type: str, extension: str):
    """Fill and save a StoredFile subclass ``instance`` with ``content`` (an upload or bytes)."""
    import os
    import uuid

    from django.core.files.base import ContentFile

    if isinstance(content, bytes):
        content = ContentFile(content)
    instance.stored_name = f"{uuid.uuid4().hex}{extension}"
    instance.original_name = os.path.basename(original_name or instance.stored_name)[:200]
    instance.content_type = content_type
    instance.size = content.size
    instance.file.save(instance.stored_name, content, save=True)
    return instance


logger = logging.getLogger(__name__)


def stored_file_open(field_file):
    """A stored file (a FileField's value) opened for reading. A file the database names but the
    storage no longer has is logged (model, id, name) and refused with StoredFileMissing: a clear
    message and a 410, not a server error."""
    try:
        if not field_file:
            raise FileNotFoundError("no file name recorded")
        return field_file.open("rb")
    except FileNotFoundError as exc:
        instance = field_file.instance
        logger.error("stored file missing: %s #%s %s %r (%s)", instance._meta.label, instance.pk,
                     field_file.field.name, field_file.name, exc)
        raise StoredFileMissing() from None


def stored_file_read(field_file) -> bytes:
    """The whole content of a stored file (see ``stored_file_open``)."""
    with stored_file_open(field_file) as handle:
        return handle.read()
