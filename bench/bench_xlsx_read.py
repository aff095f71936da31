"""Reading a 100,000-row XLSX upload: the time and the peak memory of ``read_table`` plus every
data row (what a filing import does before validating), and of openpyxl's read-only mode over the
same file for reference.

The file is the one ``bench_filings`` uploads (8 columns, as openpyxl writes it: inline strings,
Chinese as character references, about 52 MB of sheet XML). Each reading runs in its own child
process, so that the peak resident memory (VmHWM) is that reading's alone; the time (wall clock,
and the process's CPU time, steadier on a shared machine) is the best of three runs.
"""

import json
import os
import subprocess
import sys
import tempfile

ROWS = 100_000
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
LEVELS = ("初级", "中级", "高级")
CHILD = r"""
import json, sys, time
import django
django.setup()
from bench.memory import peak_mb
raw = open(sys.argv[2], "rb").read()
started, cpu = time.perf_counter(), time.process_time()
if sys.argv[1] == "reader":
    from assessments.filings.imports import FILING_SCHEMA
    from core.tabular import read_table
    rows = sum(1 for _row in read_table(raw, FILING_SCHEMA, name="bench.xlsx").rows())
else:
    import io
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)["数据"]
    rows = sum(1 for _values in sheet.iter_rows(min_row=2, values_only=True))
print(json.dumps({"seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu,
                  "peak_mb": peak_mb(), "rows": rows}))
"""


def _xlsx(rows: int) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    sheet.append(["学校标识码", "学校名称", "证书名称", "年度", "等级", "申报人数", "联系教师", "联系电话"])
    for n in range(rows):
        sheet.append([f"99{n // 20:08d}", f"基准职业学院{n // 20:05d}", f"基准证书{n % 20:03d}", 2020,
                      LEVELS[n % 3], 20 + n % 300, "张老师", "13800000000"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _read(how: str, path: str) -> dict:
    runs = []
    for _ in range(RUNS):
        result = subprocess.run([sys.executable, "-c", CHILD, how, path], env=dict(os.environ), check=True,
                                capture_output=True, text=True)
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    assert all(r["rows"] == ROWS for r in runs), runs
    return {key: min(r[key] for r in runs) for key in ("seconds", "cpu_seconds")} | {
        "peak_mb": max(r["peak_mb"] for r in runs)}


def run():
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.write(_xlsx(ROWS))
        handle.flush()
        reader = _read("reader", handle.name)
        reference = _read("openpyxl", handle.name)
    return [("xlsx_read_100k_s", round(reader["seconds"], 2), "s"),
            ("xlsx_read_100k_cpu_s", round(reader["cpu_seconds"], 2), "s"),
            ("xlsx_read_100k_peak_mb", round(reader["peak_mb"], 1), "MB"),
            ("xlsx_read_100k_openpyxl_s", round(reference["seconds"], 2), "s"),
            ("xlsx_read_100k_openpyxl_cpu_s", round(reference["cpu_seconds"], 2), "s"),
            ("xlsx_read_100k_openpyxl_peak_mb", round(reference["peak_mb"], 1), "MB")]
