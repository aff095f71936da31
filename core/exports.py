"""Every table is exportable: one XLSX writer for all of them."""

import datetime
import io
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Sheet1") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = Font(bold=True)
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        ws.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def file_response(content: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    """A file to download (or, ``inline``, to show): the name encoded so Chinese survives (RFC 6266)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}"
    return response


# Characters a file name may not hold on the officials' machines (Windows) nor in a sheet title.
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\[\]\x00-\x1f]+')


def export_filename(title: str, extension: str, *, day: datetime.date | None = None) -> str:
    """The one way an export is named: its (translated) title, the day, the extension —
    ``全国试点总览-合格未发证-20261205.xlsx``. A title that already ends in the extension keeps one."""
    title = _UNSAFE_IN_NAME.sub("-", str(title)).strip(" .-")
    if title.lower().endswith(f".{extension}"):
        title = title[: -len(extension) - 1]
    return f"{title}-{(day or timezone.localdate()):%Y%m%d}.{extension}"


def xlsx_response(title: str, headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "") -> HttpResponse:
    """An XLSX download named by ``export_filename``; its sheet is called ``sheet_title`` or the title."""
    name = export_filename(title, "xlsx")
    sheet = _UNSAFE_IN_NAME.sub("-", str(sheet_title or name[: -len("-YYYYMMDD.xlsx")]))
    return file_response(xlsx_bytes(headers, rows, sheet), name, XLSX_TYPE)
