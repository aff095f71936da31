"""OFD figures (issue 20): what a certificate's signed OFD costs when it is made on first download.

- ``ofd_ms``: render (certificates.ofd.document.render_ofd, the seal left to the stamp) and sign
  (certificates.ofd.signature.ofd_sign with the SM2 issuing key) one certificate, in one warm
  process, mean over ``BENCH_OFD_N`` certificates (default 500, at least 200) with different names,
  ID numbers and QR codes — the work of one certificates.render_ofd task less its storage write;
- ``ofd_kb``: the mean size of those signed OFDs.

The seal version's SES_Seal is built once before timing, as certificates.issuance.ofd_files keeps
it. Nothing is written to the database or storage; the development SM2 key is used where no key
is configured.
"""

import datetime
import os
import statistics
import time

N = max(200, int(os.environ.get("BENCH_OFD_N", "500")))
WARM_UP = 20
ORG_NAME = "基准测试培训评价组织（自动清理）"


def run():
    from certificates.issuance import pdf
    from certificates.ofd.document import PAGE_ID, SEAL_BOUNDARY, render_ofd
    from certificates.ofd.seal import seal_build
    from certificates.ofd.signature import ofd_sign
    from tests.certificates.factories import seal_png

    seal = seal_png()
    now = datetime.datetime.now(datetime.UTC)
    seal_der = seal_build(org_name=ORG_NAME, seal_png=seal, seal_id="1X-BENCH-SEAL1", valid_start=now,
                          valid_end=now + datetime.timedelta(days=3650), width_mm=40, height_mm=40)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英䶮"

    def one(i: int) -> bytes:
        data = pdf.CertificateData(
            number=f"X999942000001261{i:06d}", version=1,
            holder_name=surnames[i % len(surnames)] + given[(i // 7) % len(given)] + given[i % 11],
            id_type="resident_id", id_type_label="居民身份证", id_number=f"420106{20000000 + i:08d}1234",
            certificate_name="Web前端开发", level="junior", level_label="初级", org_name=ORG_NAME,
            issued_on=datetime.date(2026, 11, 26), verify_url=f"http://127.0.0.1:8000/verify/t/bench{i:010d}",
            seal_png=lambda: seal, seal_key="bench-seal")
        return ofd_sign(render_ofd(data, draw_seal=False), seal_der=seal_der, page_id=PAGE_ID,
                        boundary=SEAL_BOUNDARY, signed_at=datetime.datetime.now(datetime.UTC))

    for i in range(WARM_UP):  # fonts read, layouts measured, the key loaded: a worker that has run before
        one(N + i)
    sizes, started = [], time.perf_counter()
    for i in range(N):
        sizes.append(len(one(i)))
    seconds = time.perf_counter() - started
    return [("ofd_ms", round(seconds / N * 1000, 2), "ms"), ("ofd_kb", round(statistics.mean(sizes) / 1024, 1), "KB")]
