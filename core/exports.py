"""Every table is exportable: one XLSX writer for all of them."""

import datetime
import io
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


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "") -> HttpResponse:
    return file_response(xlsx_bytes(headers, rows, sheet_title or filename),
                         f"{filename}-{timezone.localdate():%Y%m%d}.xlsx", XLSX_TYPE)
