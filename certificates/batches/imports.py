"""Reading the application lists the ministry receives (XLSX or CSV, UTF-8 or GBK) into
applications. Parsing and row shape only; the rules are the batches service's."""

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from certificates.catalog.models import AssessmentType, Level
from core import normalize
from core.errors import AppError
from core.tabular import file_kind
from core.uploads import check_document, check_size
from organizations.orgs.models import Org

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = ["申报单位", "统一社会信用代码", "单位类型", "证书名称", "领域", "初级", "中级", "高级"]
_LEVEL_COLUMNS = {"初级": Level.JUNIOR, "中级": Level.INTERMEDIATE, "高级": Level.SENIOR}
# Spellings seen in the lists: the portal's labels and their short forms.
_TYPE_NAMES = {str(label): value for value, label in AssessmentType.choices} | {
    "纸笔": AssessmentType.PAPER, "笔试": AssessmentType.PAPER, "机考": AssessmentType.COMPUTER,
    "上机": AssessmentType.COMPUTER, "一般设备实操": AssessmentType.PRACTICAL_GENERAL,
    "实操": AssessmentType.PRACTICAL_GENERAL, "特殊设备实操": AssessmentType.PRACTICAL_SPECIAL}
_ORG_TYPES = {str(label): value for value, label in Org.OrgType.choices} | {
    "行业协会": Org.OrgType.ASSOCIATION, "学会": Org.OrgType.ASSOCIATION, "协会": Org.OrgType.ASSOCIATION}


@dataclass
class ImportedApplication:
    applicant_name: str
    credit_code: str
    org_type: str
    rows: list[int] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)


def _rows_xlsx(upload) -> list[list]:
    from openpyxl import load_workbook

    check_document(upload, max_bytes=MAX_BYTES, kinds=("xlsx",))
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise AppError(_("无法读取该 Excel 文件，请另存为 .xlsx 后重试。"), field="file") from None
    sheet = workbook.worksheets[0]
    rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _rows_csv(upload) -> list[list]:
    check_size(upload, MAX_BYTES)
    upload.seek(0)
    raw = upload.read()
    upload.seek(0)
    if b"\x00" in raw[:4096]:
        raise AppError(_("文件“%(name)s”不是文本格式的 CSV。") % {"name": upload.name}, field="file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AppError(_("无法识别 CSV 文件的编码，请使用 UTF-8 或 GBK。"), field="file")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def _levels(row: dict, row_number: int) -> list[dict]:
    levels = []
    for column, level in _LEVEL_COLUMNS.items():
        cell = row.get(column, "")
        if not cell:
            continue
        parts = [p.strip() for p in cell.replace("＋", "+").replace("、", "+").split("+") if p.strip()]
        unknown = [p for p in parts if p not in _TYPE_NAMES]
        if unknown:
            raise AppError(_("第%(r)d行“%(c)s”列的考核方式“%(v)s”无法识别。") % {"r": row_number, "c": column, "v": unknown[0]})
        levels.append({"level": level, "assessment_types": [_TYPE_NAMES[p] for p in parts]})
    return levels


def applications_read(upload) -> list[ImportedApplication]:
    """Applications in the file, rows of one credit code grouped into one application."""
    is_xlsx = file_kind(upload, max_bytes=MAX_BYTES) == "xlsx"
    if not is_xlsx and not (upload.name or "").lower().endswith(".csv"):
        raise AppError(_("请上传 .xlsx 或 .csv 文件。"), field="file")
    rows = _rows_xlsx(upload) if is_xlsx else _rows_csv(upload)
    rows = [r for r in rows if any(r)]
    if not rows:
        raise AppError(_("文件是空的。"), field="file")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in COLUMNS[:5] if c not in header]
    if missing:
        raise AppError(_("表头缺少列：%(cols)s。应为：%(all)s。") % {"cols": "、".join(missing), "all": "、".join(COLUMNS)},
                       field="file")
    if len(rows) - 1 > MAX_ROWS:
        raise AppError(_("一次最多导入 %(n)d 行。") % {"n": MAX_ROWS}, field="file")
    applications: dict[str, ImportedApplication] = {}
    errors = []
    for number, cells in enumerate(rows[1:], start=2):
        row = dict(zip(header, cells, strict=False))
        code = normalize.code(row.get("统一社会信用代码"))
        org_type = _ORG_TYPES.get(row.get("单位类型", "").strip(), "")
        try:
            levels = _levels(row, number)
        except AppError as error:
            errors.append(str(error.message))
            continue
        application = applications.setdefault(code, ImportedApplication(
            applicant_name=row.get("申报单位", ""), credit_code=code, org_type=org_type))
        application.rows.append(number)
        application.certificates.append({"name": row.get("证书名称", ""), "field": row.get("领域", ""), "levels": levels})
    if errors:
        raise AppError(_("导入文件有 %(n)d 处错误，未导入任何数据。") % {"n": len(errors)}, field="file", details=errors)
    return list(applications.values())
