"""Bulk filing figures: time to validate and save an XLSX filing upload of 10,000 and of 100,000
rows (issue 4's goal: 100,000 rows in under 30 s on PostgreSQL), and to re-upload the 100,000
unchanged (idempotent: nothing is written).

Each measurement runs the service path an upload takes after the request (file checks and storing,
then reading, row-by-row validation, COPY + INSERT … ON CONFLICT, audit rows) inside a transaction
that is rolled back, so the benchmark leaves the database as it found it.
"""

import io
import time

CERTIFICATES = 20
LEVELS = ("初级", "中级", "高级")


def _setup(institutions: int):
    import datetime

    from accounts.models import Province, Role, RoleBinding, User
    from accounts.provinces import provinces_ensure
    from certificates.batches.models import SelectionBatch
    from certificates.catalog.models import Certificate, CertificateLevel
    from organizations.institutions.models import Institution
    from organizations.orgs.models import Org

    provinces_ensure()
    province = Province.objects.get(pk="44")
    user = User.objects.create(username=f"bench-filings-{time.time_ns()}", full_name="基准测试", is_active=True)
    binding = RoleBinding.objects.create(user=user, role=Role.PROVINCE, province=province)
    org = Org.objects.create(name=f"基准组织{time.time_ns()}", credit_code=f"B{time.time_ns() % 10**17:017d}",
                             org_type=Org.OrgType.ENTERPRISE)
    batch = SelectionBatch.objects.create(number=900 + time.time_ns() % 99, name="基准批次",
                                          opened_on=datetime.date(2019, 1, 1), status="published")
    certificates = Certificate.objects.bulk_create([
        Certificate(code=f"BENCH{n:03d}", name=f"基准证书{n:03d}", org=org, batch=batch, field="基准",
                    status=Certificate.Status.PUBLISHED) for n in range(CERTIFICATES)])
    CertificateLevel.objects.bulk_create([
        CertificateLevel(certificate=c, level=level, assessment_type="computer")
        for c in certificates for level in ("junior", "intermediate", "senior")])
    made = Institution.objects.bulk_create([
        Institution(name=f"基准职业学院{n:05d}", school_code=f"99{n:08d}", institution_type="higher_vocational",
                    province=province) for n in range(institutions)], batch_size=5000)
    return binding, certificates, made


def _xlsx(certificates, institutions, rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    sheet.append(["学校标识码", "学校名称", "证书名称", "年度", "等级", "申报人数", "联系教师", "联系电话"])
    n = 0
    for institution in institutions:
        for index, certificate in enumerate(certificates):
            if n == rows:
                break
            sheet.append([institution.school_code, institution.name, certificate.name, 2020,
                          LEVELS[(n + index) % 3], 20 + n % 300, "张老师", "13800000000"])
            n += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(binding, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.scoping import Actor
    from assessments.filings.import_jobs import filing_import_process, filing_import_start
    from assessments.models import FilingImport

    actor = Actor(user=binding.user, binding=binding)
    started = time.perf_counter()
    record = filing_import_start(actor=actor, upload=SimpleUploadedFile("bench.xlsx", content))
    record = filing_import_process(import_id=record.pk)
    elapsed = time.perf_counter() - started
    assert record.status == FilingImport.Status.SUCCEEDED, record.message
    record.file.delete(save=False)
    return elapsed, record


def _measure(rows: int, *, reimport: bool = False) -> list[float]:
    from django.db import transaction

    institutions = -(-rows // CERTIFICATES)
    with transaction.atomic():
        binding, certificates, made = _setup(institutions)
        content = _xlsx(certificates, made, rows)
        first, record = _upload(binding, content)
        assert record.created_count == rows, (record.created_count, rows)
        times = [first]
        if reimport:
            again, record = _upload(binding, content)
            assert record.unchanged_count == rows
            times.append(again)
        transaction.set_rollback(True)
    return times


def run():
    (ten_k,) = _measure(10_000)
    hundred_k, reimport = _measure(100_000, reimport=True)
    return [("filing_import_10k_s", round(ten_k, 2), "s"), ("filing_import_100k_s", round(hundred_k, 2), "s"),
            ("filing_reimport_100k_unchanged_s", round(reimport, 2), "s")]
