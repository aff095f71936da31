"""Org behaviour indicators (issue 9, part 4): the time and peak memory of computing one month's
indicators for every org of the national-size pilot from ``seed_scale`` (3,000,000 registrations,
100 orgs) with 1,000,000 issued certificates — December, so the whole year is counted: teacher
trainings, plan fulfilment, issuance timeliness (a join of certificates to their requests), the
pass-rate anomalies of every site, province and certificate level (a join of registrations to
results, grouped by session), fee refusals, complaints and paper copies — and storing the rows.

``seed_scale`` writes a certificate for every request marked issued (about 1.8 million); on an older
scale database without them this module issues the first 1,000,000 ``issued`` requests as
certificates in one INSERT … SELECT (a few days after the assessment, some late). Either way it adds
paper-copy orders for one certificate in fifty (once).
Generation is not timed. The run happens in a child process, as a worker would, so that
its peak resident memory (VmHWM) is that of the process that computed it.
"""

import json
import os
import subprocess
import sys
import time

from bench.bench_reports import YEAR, _ensure_pilot

CERTIFICATES = 1_000_000
CHILD = r"""
import datetime, json, resource, sys, time
import django
django.setup()
from bench.memory import peak_mb
from pilot.indicators.models import OrgIndicator
from pilot.indicators.services import indicator_run_generate, indicator_run_request
month = datetime.date.fromisoformat(sys.argv[1])
started = time.perf_counter()
run = indicator_run_request(actor=None, month=month, enqueue=False)
run = indicator_run_generate(run_id=run.pk)
elapsed = time.perf_counter() - started
rows = OrgIndicator.objects.filter(run=run)
print(json.dumps({"seconds": elapsed, "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime
                  + resource.getrusage(resource.RUSAGE_SELF).ru_stime,
                  "peak_mb": peak_mb(), "orgs": rows.count(),
                  "issued": sum(r.issued for r in rows), "anomalies": sum(r.anomalies for r in rows),
                  "assessed": sum(r.assessed for r in rows), "waiting": sum(r.passed_not_issued for r in rows)}))
"""


def _ensure_certificates() -> int:
    """Issue up to 1,000,000 of the scale orgs' ``issued`` requests as certificates (once)."""
    from django.db import connection, transaction

    from certificates.issuance.models import IssuanceRequest, IssuedCertificate
    from certificates.paper_copies.models import PaperCopyOrder
    from organizations.orgs.models import Org

    scale = Org.objects.filter(credit_code__startswith="9199")
    existing = IssuedCertificate.objects.filter(org__in=scale).count()
    started = time.perf_counter()
    issued, requests = IssuedCertificate._meta.db_table, IssuanceRequest._meta.db_table
    orders = PaperCopyOrder._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {issued} (number, request_id, person_id, certificate_id, level, org_id, province_id,
                                  institution_id, holder_name, id_type, id_number, version, issued_on, status,
                                  revoked_reason, origin, token, pdf, created_at)
            SELECT 'B' || lpad(r.id::text, 21, '0'), r.id, r.person_id, r.certificate_id, r.level, r.org_id,
                   r.province_id, r.institution_id, r.holder_name, r.id_type, r.id_number, 1,
                   r.passed_on + (3 + (r.id %% 11) + CASE WHEN r.id %% 17 = 0 THEN 40 ELSE 0 END)::integer, 'valid', '',
                   'issued', md5(r.id::text), '', r.created_at
            FROM {requests} r JOIN organizations_org o ON o.id = r.org_id
            WHERE o.credit_code LIKE '9199%%' AND r.status = 'issued'
              AND NOT EXISTS (SELECT 1 FROM {issued} c WHERE c.request_id = r.id)
            ORDER BY r.id LIMIT %s""", [max(0, CERTIFICATES - existing)])
        cursor.execute(f"""
            INSERT INTO {orders} (issued_id, person_id, org_id, recipient, phone, address, postcode, price, status,
                                  carrier, tracking_number, created_at, printed_at, mailed_at)
            SELECT c.id, c.person_id, c.org_id, c.holder_name, '13800000000', '（规模测试数据）', '', 30.00,
                   CASE WHEN c.id % 5 = 0 THEN 'ordered' ELSE 'mailed' END, '',
                   CASE WHEN c.id % 5 = 0 THEN '' ELSE 'SF' || c.id END,
                   c.issued_on + interval '2 days', NULL,
                   CASE WHEN c.id % 5 = 0 THEN NULL ELSE c.issued_on + interval '6 days' END
            FROM {issued} c JOIN organizations_org o ON o.id = c.org_id
            WHERE o.credit_code LIKE '9199%%' AND c.id % 50 = 0
              AND NOT EXISTS (SELECT 1 FROM {orders} p WHERE p.issued_id = c.id)""")
        cursor.execute(f"ANALYZE {issued}")
        cursor.execute(f"ANALYZE {orders}")
    count = IssuedCertificate.objects.filter(org__in=scale).count()
    print(f"# issued {count:,} scale certificates in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return count


def run():
    from django.db import connection

    registrations = _ensure_pilot()
    certificates = _ensure_certificates()
    connection.close()  # the child opens its own
    result = subprocess.run([sys.executable, "-c", CHILD, f"{YEAR}-12-01"], env=dict(os.environ), check=True,
                            capture_output=True, text=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"# indicators over {registrations:,} registrations and {certificates:,} certificates: {figures['orgs']} orgs, "
          f"{figures['assessed']:,} assessed, {figures['issued']:,} issued, {figures['waiting']:,} waiting, "
          f"{figures['anomalies']} anomalies; {figures['cpu_s']:.1f} s CPU in the worker process", file=sys.stderr)
    return [("indicators_s", round(figures["seconds"], 2), "s"),
            ("indicators_peak_mb", round(figures["peak_mb"], 1), "MB")]
