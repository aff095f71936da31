"""The dashboard as a PDF snapshot (WeasyPrint): headline figures, the monthly trend as an inline
SVG bar chart (no script in a PDF), the waiting matrix and the breakdown tables. Fonts as in the
monthly report: WenQuanYi Zen Hei, Noto Sans CJK SC as the fallback, subset and extractable."""

import logging

from django.template.loader import render_to_string

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

CHART_WIDTH, CHART_HEIGHT = 640, 180
CHART_SERIES = ("registered", "assessed", "passed", "issued")
CHART_COLOURS = {"registered": "#9fb3c8", "assessed": "#486581", "passed": "#2f8132", "issued": "#a4161a"}
MAX_TABLE_ROWS = 40


def trend_bars(months: list[dict]) -> dict:
    """Bars per month for the four stages, scaled to the chart box."""
    months = months[-12:]  # the time axis of selectors.month_axis: empty months and breaks have no bars
    top = max([m[k] for m in months for k in CHART_SERIES if k in m] or [0]) or 1
    slot = CHART_WIDTH / max(1, len(months))
    bar = slot / (len(CHART_SERIES) + 1)
    groups = []
    for i, month in enumerate(months):
        bars = []
        for j, key in enumerate(CHART_SERIES if not (month.get("gap") or month.get("empty")) else ()):
            height = round(month[key] / top * (CHART_HEIGHT - 20), 1)
            bars.append({"x": round(i * slot + j * bar + bar / 2, 1), "y": round(CHART_HEIGHT - 20 - height, 1),
                         "width": round(bar * 0.9, 1), "height": height, "colour": CHART_COLOURS[key]})
        label = "…" if month.get("gap") else f"{month['year'] % 100:02d}/{month['month']}"
        groups.append({"label": label, "x": round(i * slot + slot / 2, 1),
                       "bars": bars})
    return {"groups": groups, "width": CHART_WIDTH, "height": CHART_HEIGHT, "top": top, "series": CHART_SERIES}


def render_snapshot(context: dict) -> bytes:
    from weasyprint import CSS, HTML  # loaded only when a snapshot is rendered, not in every web process

    context = {**context, "chart": trend_bars(context["months"]), "max_rows": MAX_TABLE_ROWS,
               "max_rows_slice": f":{MAX_TABLE_ROWS}"}
    html = render_to_string("pilot/dashboard/snapshot_pdf.html", context)
    css = render_to_string("pilot/dashboard/snapshot_pdf.css")
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])
