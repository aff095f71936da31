"""The monthly progress report as an XLSX workbook: the totals, per province, per org, per
certificate, and every row (org × certificate × province) with all figures for the month and the
year to date. Written in openpyxl's write-only mode: thousands of rows stay cheap. A leaf: fed
with ``selectors.report_content`` (or the generating service's national content), it never queries."""

import io

from django.utils.translation import gettext as _

from assessments.reports.models import METRIC_LABELS, METRICS, PERIODS


def _figure_headers() -> list[str]:
    period_labels = {"month": _("本月"), "ytd": _("本年累计")}
    return [f"{METRIC_LABELS[m]}（{period_labels[p]}）" for p in PERIODS for m in METRICS]


def _figures(entry: dict) -> list[int]:
    return [entry[p][m] for p in PERIODS for m in METRICS]


def _rate_cells(ws, entry: dict) -> list:
    from openpyxl.cell import WriteOnlyCell

    rates = entry.get("rates") or {}
    cells = []
    for key in ("completion", "pass", "issuance"):
        cell = WriteOnlyCell(ws, value=None if rates.get(key) is None else rates[key] / 100)
        cell.number_format = "0.0%"
        cells.append(cell)
    return cells


def render_report_xlsx(content: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    summary = content["summary"]
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    rate_headers = [_("计划完成率（累计）"), _("合格率（累计）"), _("发证率（累计）")]

    def sheet(title: str, headers: list[str], widths: dict[str, int] | None = None):
        ws = workbook.create_sheet(title[:31])
        for letter, width in (widths or {}).items():
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "B2"
        cells = []
        for header in headers:
            cell = WriteOnlyCell(ws, value=header)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        return ws

    totals = sheet(_("汇总"), [_("指标"), _("本月"), _("本年累计")], {"A": 34, "B": 14, "C": 14})
    totals.append([content["title"]])
    totals.append([_("范围"), content["scope_title"]])
    for metric in METRICS:
        totals.append([str(METRIC_LABELS[metric]), summary["total"]["month"][metric], summary["total"]["ytd"][metric]])
    for header, cell in zip(rate_headers, _rate_cells(totals, summary["total"]), strict=True):
        totals.append([header, None, cell])

    if content["national"] or content.get("by_org"):
        ws = sheet(_("按省份"), [_("省份"), *_figure_headers(), *rate_headers], {"A": 16})
        for entry in summary["provinces"]:
            ws.append([entry["label"], *_figures(entry), *_rate_cells(ws, entry)])
    if not content.get("by_org"):
        ws = sheet(_("按培训评价组织"), [_("培训评价组织"), *_figure_headers(), *rate_headers], {"A": 36})
        for entry in summary["orgs"]:
            ws.append([entry["label"], *_figures(entry), *_rate_cells(ws, entry)])
    ws = sheet(_("按证书"), [_("证书"), _("证书代码"), _("培训评价组织"), *_figure_headers(), *rate_headers],
               {"A": 30, "C": 36})
    for entry in summary["certificates"]:
        ws.append([entry["label"], entry.get("code", ""), entry.get("org", ""), *_figures(entry), *_rate_cells(ws, entry)])
    detail = content.get("detail")
    if detail:
        ws = sheet(_("明细"), [_("培训评价组织"), _("证书"), _("证书代码"), _("省份"), *_figure_headers()],
                   {"A": 36, "B": 30, "D": 14})
        for row in detail:
            ws.append([row["org"], row["certificate"], row["certificate_code"], row["province"], *_figures(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
