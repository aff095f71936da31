"""Bulk filing uploads: the file is checked as a whole at once (type, encoding, size, headers), then
read, validated row by row and saved in a Celery task while the page shows its progress.

Why a task and a polled status rather than a streamed response: a 100,000-row file takes tens of
seconds; a task survives a closed browser tab and a gunicorn timeout, progress is a column the
page reads every second (static/js/jobs.js, since the CSP forbids inline scripts), and in the
embedded mode (no Redis) the same task simply runs in-process before the page is shown.

All or nothing: if any row is wrong nothing is saved and the import keeps every error (row, column,
message) for the page and for the error report; otherwise every filing is saved in one transaction.
"""

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.models import Role, RoleBinding
from accounts.scoping import Actor
from assessments.filings.imports import FILING_SCHEMA, FilingRowValidator, filing_rows_group
from assessments.filings.selectors import filings_page_access
from assessments.filings.services import filings_bulk_save
from assessments.models import FilingImport
from core.errors import AppError, Forbidden
from core.jobs.services import job_claim, job_enqueue, job_fail, job_finish, job_progress
from core.tabular.reading import read_table
from core.tabular.schema import XLSX_TYPE, CellError, TabularError
from core.tabular.validation import no_data_error, validate_rows
from core.tabular.writing import error_report_xlsx
from core.uploads import stored_file_open, stored_file_save

# Errors kept for the page and the report; the count is always exact.
MAX_KEPT_ERRORS = 20_000
# Validation moves the bar up to this percent, row by row; saving is the rest (phase_percent).
VALIDATED_PERCENT = 94


def _rows_percent(processed: int, total: int | None) -> int | None:
    """How far validation is, or None while the number of rows is not known."""
    if not total:
        return None
    return min(VALIDATED_PERCENT, int(processed * VALIDATED_PERCENT / total))


@transaction.atomic
def filing_import_start(*, actor: Actor, upload) -> FilingImport:
    """Accept an upload: refuse a wrong file at once, else store it and queue its processing."""
    if not filings_page_access(actor).file:
        raise Forbidden()
    table = read_table(upload, FILING_SCHEMA)
    content_type, extension = (XLSX_TYPE, ".xlsx") if table.kind == "xlsx" else ("text/csv", ".csv")
    record = FilingImport(province_id=actor.province_code, uploaded_by=actor.user, total_rows=table.estimated_rows,
                          requested_at=timezone.now(), percent=_rows_percent(0, table.estimated_rows))
    stored_file_save(record, upload, original_name=upload.name, content_type=content_type, extension=extension)
    audit_log(actor=actor, action="filing_import.uploaded", obj=record, province=actor.province_code,
              changes={"file": [None, record.original_name]})
    job_enqueue(FilingImport, record.pk)
    return record


def _uploader(record: FilingImport) -> Actor:
    binding = RoleBinding.objects.filter(user=record.uploaded_by, role=Role.PROVINCE,
                                         province_id=record.province_id).select_related("province").first()
    if record.uploaded_by is None or binding is None or not record.uploaded_by.is_active:
        raise AppError(_("上传人已不再是本省的省级教育行政部门账户，导入未执行。"))
    return Actor(user=record.uploaded_by, binding=binding)


def filing_import_process(*, import_id: int) -> FilingImport | None:
    """Read, validate and save one upload. Safe to run twice: only a queued (or abandoned) import
    is taken, and saving matches filings by key, so a re-run changes nothing twice."""
    if not job_claim(FilingImport, import_id, phase=FilingImport.Phase.READING, processed_rows=0,
                     percent=Case(When(total_rows__gt=0, then=Value(0)), default=Value(None))):
        return None
    record = FilingImport.objects.select_related("province", "uploaded_by").get(pk=import_id)
    try:
        actor = _uploader(record)
        with stored_file_open(record.file) as handle:
            table = read_table(handle, FILING_SCHEMA, name=record.original_name)
        job_progress(FilingImport, record.pk, phase=FilingImport.Phase.VALIDATING)
        validator = FilingRowValidator(province_code=record.province_id, province_name=record.province.name)
        result = validate_rows(table, FILING_SCHEMA, validator, max_errors=MAX_KEPT_ERRORS,
                               progress=lambda n: job_progress(FilingImport, record.pk, processed_rows=n,
                                                              percent=_rows_percent(n, record.total_rows)))
        if result.rows_read == 0:
            raise no_data_error(record.original_name)
        if not result.ok:
            return _fail(record, row_count=result.rows_read, error_count=result.error_count,
                         error_row_count=len(result.error_rows), errors=[e.as_dict() for e in result.errors],
                         message=_("共 %(rows)d 行，其中 %(bad)d 行有错误，全部未保存。请改正后重新上传。") % {
                             "rows": result.rows_read, "bad": len(result.error_rows)})
        job_progress(FilingImport, record.pk, phase=FilingImport.Phase.SAVING, processed_rows=result.rows_read)
        items = filing_rows_group(result.rows)
        outcome = filings_bulk_save(actor=actor, items=items,
                                    note=_("批量导入：%(file)s") % {"file": record.original_name})
    except AppError as error:
        return _fail(record, message=str(error.message), errors=[],
                     error_count=1 if isinstance(error, TabularError) else 0)
    except Exception:
        # A fault of ours, not of the file: say so, save nothing, and let the worker log it.
        _fail(record, errors=[], message=_("处理时发生系统错误，未保存任何备案。请稍后重新上传，或联系平台管理员。"))
        raise
    audit_log(actor=actor, action="filing_import.saved", obj=record, province=record.province_id,
              changes={"created": [None, outcome.created], "corrected": [None, outcome.corrected],
                       "unchanged": [None, outcome.unchanged]})
    job_finish(FilingImport, record.pk, row_count=result.rows_read, filing_count=outcome.filings,
               created_count=outcome.created, corrected_count=outcome.corrected, unchanged_count=outcome.unchanged,
               errors=[], error_count=0,
               message=_("共 %(rows)d 行、%(filings)d 项备案已保存：新增 %(c)d 项，更正 %(u)d 项，"
                         "%(s)d 项与已有备案相同。") % {
                   "rows": result.rows_read, "filings": outcome.filings, "c": outcome.created,
                   "u": outcome.corrected, "s": outcome.unchanged})
    record.refresh_from_db()
    return record


def _fail(record: FilingImport, *, message: str, **fields) -> FilingImport:
    job_fail(FilingImport, record.pk, message=message, **fields)
    record.refresh_from_db()
    return record


def filing_import_error_report(*, record: FilingImport) -> bytes:
    """The uploaded rows with the wrong cells marked, rebuilt from the stored file."""
    if record.status != FilingImport.Status.FAILED or not record.errors:
        raise AppError(_("该导入没有逐行错误，无需下载错误报告。"))
    with stored_file_open(record.file) as handle:
        table = read_table(handle, FILING_SCHEMA, name=record.original_name)
        return error_report_xlsx(table, [CellError.from_dict(e) for e in record.errors])

