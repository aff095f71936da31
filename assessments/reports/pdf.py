"""The monthly progress report as a Chinese PDF (WeasyPrint): key figures, a bar chart (inline
SVG), tables per province and per org, the certificate detail for a province or an org, and the
passes still waiting for their certificate. A leaf: fed with ``selectors.report_content`` (or the
generating service's national content), it never queries.

Fonts: WenQuanYi Zen Hei first (one TrueType face: embedded as a subset, small and fast; design.md
measured ~115 ms and 49 KB against ~357 KB for the three-face Noto CJK), Noto Sans CJK SC as the
fallback; both come from fontconfig. With ``libharfbuzz-subset0`` installed WeasyPrint subsets
them quickly, and the embedded subsets carry ToUnicode maps, so the text is extractable.
"""

import datetime
import logging

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# The PDF is a summary; a province or an org gets its detail rows up to this many, the rest is
# in the XLSX (the national detail, thousands of rows, is only in the XLSX).
MAX_DETAIL_ROWS = 600

# WeasyPrint reports each layout step at INFO; a worker log needs none of it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _detail_rows(content: dict) -> list[dict]:
    rows = []
    for row in (content.get("detail") or [])[:MAX_DETAIL_ROWS]:
        # An org's rows differ by province too; a province's only by certificate.
        label = f"{row['certificate']} · {row['province']}" if content.get("by_org") else row["certificate"]
        rows.append({"label": label, "code": row["certificate_code"], "org": row["org"], "month": row["month"],
                     "ytd": row["ytd"], "rates": row["rates"]})
    return rows


def pdf_context(content: dict) -> dict:
    report = content["report"]
    periods = content["periods"]
    detail = None if content["national"] else _detail_rows(content)
    chart_caption = (_("本年累计计划考核人数、实考人数与合格人数（按省份，前 16 位）") if content.get("chart_by_province")
                     else _("本年累计计划考核人数、实考人数与合格人数（按证书，前 16 位）"))
    return {**content, "last_day": periods["month"][1] - datetime.timedelta(days=1),
            "generated_at": report.generated_at, "chart_caption": chart_caption,
            "detail_rows": detail,
            "detail_truncated": bool(content.get("detail")) and len(content["detail"]) > MAX_DETAIL_ROWS}


def render_report_pdf(content: dict) -> bytes:
    from weasyprint import CSS, HTML  # heavy (Pango, fonts): loaded on the first report, not at start-up

    context = pdf_context(content)
    html = render_to_string("assessments/report_pdf.html", context)
    css = render_to_string("assessments/report_pdf.css")
    return HTML(string=html).write_pdf(stylesheets=[CSS(string=css)])
