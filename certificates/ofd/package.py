"""The OFD package (GB/T 33190-2016, clause 7): a ZIP of XML parts and resources, entered through
OFD.xml at its root. Written deterministically (fixed entry order and timestamps, so the same parts
give the same bytes) and read defensively (an upload may be anything).
"""

import io
import zipfile

from django.utils.translation import gettext as _

from core.errors import AppError

OFD_NS = "http://www.ofdspec.org/2016"
ENTRY = "OFD.xml"

# An OFD certificate is well under 1 MB; these bound what an upload can make the server inflate.
MAX_PACKAGE_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 500
MAX_UNPACKED_BYTES = 60 * 1024 * 1024

_TIMESTAMP = (2000, 1, 1, 0, 0, 0)  # fixed: a ZIP entry's time would otherwise make every render differ
_STORED = (".png", ".jpg", ".jpeg")  # already compressed


class OfdPackageInvalid(AppError):
    """The bytes are not a readable OFD package; the message says why, for the person who sent them."""

    def __init__(self, message, *, code: str = "ofd_invalid"):
        super().__init__(message, code=code)


def write_package(parts: dict[str, bytes]) -> bytes:
    """The ZIP of ``parts`` (path inside the package → bytes), OFD.xml first and the rest in the
    order given: the same parts give the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(parts, key=lambda p: p != ENTRY):
            info = zipfile.ZipInfo(path, date_time=_TIMESTAMP)
            info.create_system = 3  # Unix, whatever the platform: the bytes must not depend on it
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if path.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
            archive.writestr(info, parts[path], compresslevel=6)
    return out.getvalue()


def read_package(data: bytes) -> dict[str, bytes]:
    """Every file of the OFD package ``data`` by its path inside the package. Raises OfdPackageInvalid
    for what is not a ZIP, is too large, holds unsafe paths or lacks OFD.xml."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise OfdPackageInvalid(_("OFD 文件过大（超过 %(mb)s MB），无法处理。") % {"mb": MAX_PACKAGE_BYTES // 2**20},
                                code="ofd_too_large")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise OfdPackageInvalid(_("该文件不是 OFD 文件（OFD 文件是 ZIP 格式的包），或文件已损坏。"),
                                code="ofd_not_zip") from None
    if len(infos) > MAX_ENTRIES or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise OfdPackageInvalid(_("OFD 文件包含的内容过多，无法处理。"), code="ofd_too_large")
    files: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        path = info.filename.replace("\\", "/").lstrip("/")
        if not path or ".." in path.split("/") or path in files:
            raise OfdPackageInvalid(_("OFD 文件中含有不合规的文件路径，无法处理。"), code="ofd_bad_path")
        try:
            content = archive.read(info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError, ValueError, EOFError):
            # RuntimeError: an encrypted entry; BadZipFile: a CRC mismatch or a cut-off entry.
            raise OfdPackageInvalid(_("OFD 文件已损坏，无法读取其中的内容。"), code="ofd_damaged") from None
        if len(content) != info.file_size:
            raise OfdPackageInvalid(_("OFD 文件已损坏，无法读取其中的内容。"), code="ofd_damaged")
        files[path] = content
    if ENTRY not in files:
        raise OfdPackageInvalid(_("该文件不是 OFD 文件：缺少入口文件 OFD.xml。"), code="ofd_no_entry")
    return files
