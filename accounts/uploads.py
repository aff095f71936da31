"""Upload checks shared by every app: the content decides the type, never the file name."""

import zipfile
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts.errors import AppError

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
