"""Monthly progress report figures (issue 5's goal: under 60 s and under 1 GB over 3,000,000
registrations): the time and the peak memory of producing December's report of the national-size
pilot from ``seed_scale`` — the figures for the month and the year to date (so every registration,
result and issuance request of the year is counted), the stored rows, the PDF and the XLSX.

The report runs in a child process, as a worker would, so that the peak resident memory (VmHWM)
is that of the process that computed it and nothing of the benchmark runner's own. If the database
holds no national-size pilot yet, ``seed_scale`` generates it first (minutes; not timed).
"""

import json
import os
import subprocess
import sys
import time

REGISTRATIONS = 3_000_000
YEAR = 2020  # seed_scale's default year
CHILD = r"""
import datetime, json, resource, sys, time
import django
django.setup()
from bench.memory import peak_mb
from assessments.models import MonthlyReport
from assessments.reports.services import monthly_report_generate, monthly_report_request
month = datetime.date.fromisoformat(sys.argv[1])
started = time.perf_counter()
report = monthly_report_request(actor=None, month=month, enqueue=False)
report = monthly_report_generate(report_id=report.pk)
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak_mb": peak_mb(),
                  "rows": report.figures["rows"], "registered": report.figures["total"]["ytd"]["registered"],
                  "pdf_bytes": report.pdf.size, "xlsx_bytes": report.xlsx.size}))
"""


def _ensure_pilot() -> int:
    from django.core.management import call_command

    from assessments.models import Registration

    count = Registration.objects.filter(org__credit_code__startswith="9199").count()
    if count < REGISTRATIONS:
        print(f"# seed_scale: {count:,} scale registrations present, generating {REGISTRATIONS:,}", file=sys.stderr)
        started = time.perf_counter()
        call_command("seed_scale", "--reset", "--registrations", str(REGISTRATIONS), stdout=sys.stderr)
        print(f"# seed_scale took {time.perf_counter() - started:.0f} s", file=sys.stderr)
        count = Registration.objects.filter(org__credit_code__startswith="9199").count()
    return count


def run():
    from django.db import connection

    count = _ensure_pilot()
    connection.close()  # the child opens its own
    result = subprocess.run([sys.executable, "-c", CHILD, f"{YEAR}-12-01"], env=dict(os.environ), check=True,
                            capture_output=True, text=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"# monthly report over {count:,} registrations ({figures['registered']:,} counted): {figures['rows']:,} rows, "
          f"PDF {figures['pdf_bytes'] / 1024:.0f} KB, XLSX {figures['xlsx_bytes'] / 1024:.0f} KB", file=sys.stderr)
    return [("monthly_report_3m_s", round(figures["seconds"], 2), "s"),
            ("monthly_report_peak_mb", round(figures["peak_mb"], 1), "MB")]
