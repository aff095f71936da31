"""Writing spreadsheets: the template users fill in and the error report with marked cells."""

import io
from collections.abc import Iterable, Iterator

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.tabular.reading import Table
from core.tabular.schema import ERROR_COLUMN, CellError, Row, Schema

# --- writing: the template and the error report ------------------------------------------------

def _header_cells(ws, schema: Schema, *, extra: tuple[str, ...] = ()):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    cells = []
    for column in schema.columns:
        cell = WriteOnlyCell(ws, value=column.header + ("*" if column.required else ""))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1A4F8B")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
    for text in extra:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="A4161A")
        cells.append(cell)
    return cells


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def template_xlsx(schema: Schema, *, choices: dict[str, list[str]] | None = None,
                  instructions: Iterable[str] = ()) -> bytes:
    """The template users fill in: headers, the columns' example values in row 2 (which the
    reader skips), drop-down lists for columns marked ``choices=True`` filled from ``choices``,
    and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    choices = choices or {}
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(schema.sheet_title)
    last_row = schema.max_rows + 1
    for index, column in enumerate(schema.columns, start=1):
        letter = _column_letter(index)
        data.column_dimensions[letter].width = column.width
        if column.text_format:
            data.column_dimensions[letter].number_format = "@"
    data.freeze_panes = "A3"

    lists = [c for c in schema.columns if c.choices and choices.get(c.key)]
    for index, column in enumerate(schema.columns, start=1):
        letter = _column_letter(index)
        target = f"{letter}2:{letter}{last_row}"
        if column in lists:
            source_col = _column_letter(lists.index(column) + 1)
            count = len(choices[column.key])
            rule = DataValidation(type="list", formula1=f"'选项'!${source_col}$2:${source_col}${count + 1}",
                                  allow_blank=not column.required, showErrorMessage=True,
                                  errorTitle=_("无效的值"), error=_("请从下拉列表中选择“%(h)s”。") % {"h": column.header})
        elif column.whole_number_min is not None:
            rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1=str(column.whole_number_min),
                                  allow_blank=not column.required, showErrorMessage=True, errorTitle=_("无效的值"),
                                  error=_("“%(h)s”应为不小于 %(n)d 的整数。") % {"h": column.header,
                                                                          "n": column.whole_number_min})
        else:
            continue
        rule.add(target)
        data.data_validations.append(rule)

    data.append(_header_cells(data, schema))
    example = {c.key: c.example for c in schema.columns}
    example_cells = []
    for index, column in enumerate(schema.columns):
        cell = WriteOnlyCell(data, value=example.get(column.key, ""))
        cell.font = Font(italic=True, color="6B7280")
        if index == 0:
            cell.comment = Comment(_("第 2 行是示例，导入时自动忽略；可以删除，也可以保留。"), "1+X")
        example_cells.append(cell)
    data.append(example_cells)

    guide = workbook.create_sheet(_("填写说明"))
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 70
    guide.column_dimensions["D"].width = 24
    for line in instructions:
        guide.append([line])
    guide.append([_("第 2 行为示例，导入时自动忽略。表头请勿修改；每次上传最多 %(n)s 行，文件不超过 %(size)s。")
                  % {"n": f"{schema.max_rows:,}", "size": filesizeformat(schema.max_bytes)}])
    guide.append([_("也可以上传 CSV 文件（UTF-8 或 GBK 编码，第一行为同样的表头）。")])
    guide.append([])
    guide.append([_("列名"), _("必填"), _("说明"), _("示例")])
    for column in schema.columns:
        guide.append([column.header, _("是") if column.required else _("否"), column.help, example.get(column.key, "")])

    options = workbook.create_sheet("选项")
    options.sheet_state = "hidden"
    if lists:
        options.append([c.header for c in lists])
        longest = max(len(choices[c.key]) for c in lists)
        for i in range(longest):
            options.append([choices[c.key][i] if i < len(choices[c.key]) else None for c in lists])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report_xlsx(table: Table, errors: Iterable[CellError]) -> bytes:
    """The uploaded rows at their original row numbers, wrong cells red with a comment each, and a
    last column "错误说明" summing up each wrong row. The reader ignores that column."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    schema = table.schema
    by_row: dict[int, list[CellError]] = {}
    for error in errors:
        by_row.setdefault(error.row, []).append(error)
    red = PatternFill("solid", fgColor="FFC7CE")
    dark_red = Font(color="9C0006")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(schema.sheet_title)
    for index, column in enumerate(schema.columns, start=1):
        sheet.column_dimensions[_column_letter(index)].width = column.width
    sheet.column_dimensions[_column_letter(len(schema.columns) + 1)].width = 60
    for _blank in range(table.header_row - 1):
        sheet.append([])
    sheet.append(_header_cells(sheet, schema, extra=(ERROR_COLUMN,)))
    written = table.header_row
    for row in _all_rows(table):
        while written < row.number - 1:
            sheet.append([])
            written += 1
        row_errors = by_row.get(row.number, [])
        cells = []
        for column in schema.columns:
            cell = WriteOnlyCell(sheet, value=row[column.key])
            messages = [e.message for e in row_errors if e.key == column.key]
            if messages:
                cell.fill = red
                cell.font = dark_red
                cell.comment = Comment("\n".join(messages), "1+X", width=320, height=120)
            cells.append(cell)
        summary = WriteOnlyCell(sheet, value="；".join(
            f"{e.column}：{e.message}" if e.column else e.message for e in row_errors) or None)
        if row_errors:
            summary.font = dark_red
        cells.append(summary)
        sheet.append(cells)
        written = row.number
    listing = workbook.create_sheet(_("错误清单"))
    listing.append([_("行号"), _("列"), _("错误说明")])
    for number in sorted(by_row):
        for error in by_row[number]:
            listing.append([error.row, error.column, error.message])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _all_rows(table: Table) -> Iterator[Row]:
    """Every data row, including the ones over the row limit (a report shows what was sent)."""
    unlimited = Schema(columns=table.schema.columns, sheet_title=table.schema.sheet_title,
                       max_rows=10**9, max_bytes=table.schema.max_bytes,
                       allow_extra_columns=table.schema.allow_extra_columns)
    return Table(schema=unlimited, name=table.name, kind=table.kind, encoding=table.encoding,
                 header_row=table.header_row, positions=table.positions, estimated_rows=table.estimated_rows,
                 _source=table._source).rows()
