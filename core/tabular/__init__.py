"""The portal's one spreadsheet reader and writer (filings now; registrations and results later).

Officials live in Excel, so every bulk upload goes through here:

* ``read_table(upload, schema)`` opens an XLSX (read by python-calamine, after ``xlsx_extent`` has
  checked that the sheet's cells do not span more than it will hold) or a CSV in UTF-8 or GBK (with
  or without a byte-order mark), decided by the content (the name only refuses text called .xlsx or
  .xls: not an Excel workbook); anything else — an
  empty file, a PDF renamed to .xlsx, an old .xls, a UTF-16 or Big5 CSV, a file over the size or
  row limit, a sheet whose headers are not the expected Chinese headers — is refused with a
  precise Chinese message (``TabularError``).
* ``validate_rows(table, schema, validator)`` runs a row validator over every row and collects
  every error (row number as Excel shows it, column header, Chinese message), so that an upload is
  all-or-nothing: the caller saves only when ``result.ok``.
* ``template_xlsx(schema, …)`` writes the template users fill in: Chinese headers, an example row
  (skipped when read back), drop-down lists, an instructions sheet.
* ``error_report_xlsx(table, errors)`` writes the user's rows back with the wrong cells filled red,
  each with a comment saying what is wrong, and a last column summing up the row's errors; the
  reader ignores that column, so the corrected report can be uploaded again as it is.

Modules: ``schema`` (columns, limits, errors), ``reading``, ``xlsx_extent``, ``validation`` (the row
checker and parsers for common cells), ``writing`` (template and error report).
"""

from core.tabular.reading import Table, cell_text, file_kind, normalize_header, read_table
from core.tabular.schema import ERROR_COLUMN, MAX_BYTES, MAX_ROWS, XLSX_TYPE, CellError, Column, Row, Schema, TabularError
from core.tabular.validation import (
    RowCheck,
    ValidationResult,
    int_in_range,
    memoized,
    no_data_error,
    one_of,
    parse_phone,
    parse_positive_int,
    text_of_length,
    validate_rows,
)
from core.tabular.writing import error_report_xlsx, template_xlsx

__all__ = [
    "ERROR_COLUMN", "MAX_BYTES", "MAX_ROWS", "XLSX_TYPE", "CellError", "Column", "Row", "RowCheck", "Schema", "Table",
    "TabularError", "ValidationResult", "cell_text", "error_report_xlsx", "file_kind", "int_in_range", "memoized",
    "no_data_error", "normalize_header", "one_of", "parse_phone", "parse_positive_int", "read_table", "template_xlsx",
    "text_of_length", "validate_rows",
]
