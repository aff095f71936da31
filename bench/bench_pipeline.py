"""Registration and score figures (issue 5's goal: each 100,000-row import under 30 s on PostgreSQL):

* ``registration_import_100k_s``: an institution registers 100,000 new students from XLSX files, one
  file of 10,000 per session over 10 sessions. Each file goes the whole service path: reading,
  row-by-row checks (GB 11643 ID numbers, duplicates, already registered), then under the session's
  lock the capacity check, the people, their student accounts with activation codes, enrolments,
  registrations and audit rows (COPY on PostgreSQL).
* ``results_import_100k_s``: the org uploads the 10 score sheets (报名号, 证件号码, 姓名, 成绩) for those
  100,000 candidates: reading, checks against the session's registrations and the level's marks,
  then results and audit rows.

Files are built before the clock starts. Everything runs inside a transaction that is rolled back,
so the benchmark leaves the database as it found it; the foreign-key checks PostgreSQL would run at
each upload's commit are forced after each file, inside the timing. ``BENCH_PIPELINE_ROWS`` scales it down for a
quick look (default 100,000).
"""

import datetime
import io
import os
import random
import time

SESSIONS = 10
ROWS = int(os.environ.get("BENCH_PIPELINE_ROWS", "100000"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉"


def _id_numbers(count: int) -> list[str]:
    """Distinct valid resident ID numbers (GB 11643 check character) of people born 2000–2005."""
    from accounts.identity import gb11643_check_char

    numbers = []
    start = datetime.date(2000, 1, 1)
    day = 0
    while len(numbers) < count:
        birth = start + datetime.timedelta(days=day % 2000)
        region = ("420102", "420106", "420111", "420115", "420984")[day // 2000 % 5]
        for seq in range(0, 100):
            body = f"{region}{birth:%Y%m%d}{seq:03d}"
            numbers.append(body + gb11643_check_char(body))
        day += 1
    return numbers[:count]


def _setup():
    from accounts.models import Province, Role, RoleBinding, User
    from accounts.provinces import provinces_ensure
    from accounts.scoping import Actor
    from assessments.models import AssessmentSession, Site
    from certificates.batches.models import SelectionBatch
    from certificates.catalog.models import Certificate, CertificateLevel
    from organizations.institutions.models import Institution
    from organizations.orgs.models import Org

    provinces_ensure()
    stamp = time.time_ns()
    hubei = Province.objects.get(pk="42")
    org = Org.objects.create(name=f"基准组织{stamp}", credit_code=f"P{stamp % 10**17:017d}", org_type=Org.OrgType.ENTERPRISE)
    batch = SelectionBatch.objects.create(number=800 + stamp % 99, name="基准批次", opened_on=datetime.date(2019, 1, 1),
                                          status="published")
    certificate = Certificate.objects.create(code=f"BP{stamp % 10**8:08d}", name="基准证书", org=org, batch=batch,
                                             field="基准", status=Certificate.Status.PUBLISHED)
    CertificateLevel.objects.create(certificate=certificate, level="junior", assessment_type="computer")
    institution = Institution.objects.create(name=f"基准职业学院{stamp}", school_code=f"98{stamp % 10**8:08d}",
                                             institution_type="higher_vocational", province=hubei)
    site = Site.objects.create(org=org, code="9901", name="基准考点", province=hubei, address="武汉市")
    sessions = [AssessmentSession.objects.create(
        org=org, certificate=certificate, level="junior", assessment_type="computer", site=site, province=hubei,
        date=datetime.date.today(), capacity=ROWS // SESSIONS) for _ in range(SESSIONS)]

    def actor(role, **binding):
        user = User.objects.create(username=f"bench-{role}-{stamp}", full_name="基准测试", is_active=True)
        return Actor(user=user, binding=RoleBinding.objects.create(user=user, role=role, **binding))

    school = actor(Role.INSTITUTION, province=hubei, scope_id=institution.pk)
    return school, actor(Role.ORG, scope_id=org.pk), sessions


def _xlsx(headers, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def _check_constraints() -> None:
    """Run the foreign-key checks PostgreSQL defers to commit (Django's are DEFERRABLE INITIALLY
    DEFERRED): each upload commits in real use, and the benchmark's transaction is rolled back, so
    without this their cost would be left out."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def run():
    from django.db import transaction

    from assessments.models import Registration
    from assessments.registrations.services import registrations_import
    from assessments.results.services import results_import

    rng = random.Random(5)
    per_session = ROWS // SESSIONS
    numbers = _id_numbers(ROWS)
    with transaction.atomic():
        school, org, sessions = _setup()
        files = []
        for index in range(SESSIONS):
            chunk = numbers[index * per_session:(index + 1) * per_session]
            rows = (("居民身份证", n, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), "510203", "软件技术")
                    for n in chunk)
            files.append(_xlsx(["证件类型", "证件号码", "姓名", "专业代码", "专业名称"], rows))
        started = time.perf_counter()
        for index, (session, content) in enumerate(zip(sessions, files, strict=True)):
            outcome = registrations_import(actor=school, session=session, upload=_upload(f"报名{index}.xlsx", content))
            _check_constraints()
            assert outcome.created == per_session and len(outcome.codes) == per_session
        registration_s = time.perf_counter() - started

        sheets = []
        for session in sessions:
            rows = ((pk, number, name, rng.choice((rng.randint(0, 100), rng.randint(55, 100))))
                    for pk, number, name in Registration.objects.filter(session=session).values_list(
                        "pk", "person__id_number", "person__name").order_by("pk"))
            sheets.append(_xlsx(["报名号", "证件号码", "姓名", "成绩"], rows))
        started = time.perf_counter()
        for index, (session, content) in enumerate(zip(sessions, sheets, strict=True)):
            outcome = results_import(actor=org, session=session, upload=_upload(f"成绩{index}.xlsx", content))
            _check_constraints()
            assert outcome.recorded == per_session
        results_s = time.perf_counter() - started
        transaction.set_rollback(True)
    suffix = "100k" if ROWS == 100_000 else f"{ROWS // 1000}k"
    return [(f"registration_import_{suffix}_s", round(registration_s, 2), "s"),
            (f"results_import_{suffix}_s", round(results_s, 2), "s")]
