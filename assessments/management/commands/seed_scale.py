"""``python manage.py seed_scale``: a pilot of national size for the benchmarks of every issue.

By default 100 orgs (130 certificates), 2,000 institutions, 3,000,000 registrations with their
sessions, sites, persons, results and issuance requests, plus the filings, teacher and certificate
trainings, Hubei commitments and September–December plans that go with them, shaped like the
speech's figures (domain.md). ``--registrations 100000`` (and ``--orgs``, ``--institutions``)
scales it down.

Fast paths: the large tables are written with PostgreSQL ``COPY`` (accounts.bulk.copy_rows) in
chunks of 250,000 rows, with primary keys reserved up front so that rows can point at each other
without being read back; the rows are generated as streams from a seeded random generator per
session, so memory stays flat and the same seed gives the same data. On SQLite (bulk_create) only
small sizes are allowed.

Idempotent: if the scale data is already there it says so and does nothing; ``--reset`` deletes it
and generates it again, ``--delete`` only deletes it. The data is recognised by its markers: orgs
whose credit code starts with ``9199``, certificates coded ``SC…``, institutions whose school code
is ``41PP8…``, persons whose ID number's region code ends in ``9901``. It is meant for a database of
its own (a benchmark database): the reserved key ranges assume no one else inserts meanwhile.
"""

import datetime
import itertools
import math
import random
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import IdType, Person, PersonName, Province
from accounts.provinces import provinces_ensure
from assessments.models import (
    AssessmentPlan,
    AssessmentPlanRow,
    AssessmentSession,
    CertificateTraining,
    Filing,
    FilingLevel,
    HubeiCommitment,
    MonthlyReport,
    MonthlyReportRow,
    Registration,
    Result,
    Site,
    TeacherTraining,
)
from certificates.batches.models import SelectionBatch
from certificates.catalog.models import Certificate, CertificateLevel
from certificates.issuance.models import IssuanceRequest, IssuedCertificate, NumberSequence
from certificates.issuance.numbering import SCHEME, number_prefix
from core.bulk import copy_rows
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from organizations.orgs.validators import credit_code_check_char

SQLITE_LIMIT = 200_000
CHUNK = 250_000
KEY_CHECKS_BELOW = 500_000
ORG_MARK = "9199"
CERT_MARK = "SC"
PERSON_REGION_SUFFIX = "9901"
ORG_CODE_MARK = "9"  # scale orgs are coded 9000–9999 (Org.code), so their certificate numbers start X9

# Shape of the pilot (domain.md): where institutions are, how levels and months are weighted.
PROVINCE_WEIGHTS = {
    "44": 191, "37": 156, "32": 144, "41": 118, "51": 104, "42": 100, "33": 98, "43": 88, "13": 84, "34": 80,
    "35": 64, "36": 60, "21": 56, "61": 56, "11": 52, "45": 50, "50": 50, "53": 46, "14": 42, "23": 36, "12": 36,
    "31": 36, "52": 36, "22": 30, "15": 26, "62": 26, "65": 20, "46": 12, "64": 8, "63": 5, "54": 1,
}
LEVEL_SHARES = (("junior", 0.55), ("intermediate", 0.35), ("senior", 0.10))
# Most assessments fall in the September–December window of the plans (domain rule 6).
MONTH_WEIGHTS = (1, 1, 2, 2, 3, 4, 3, 2, 15, 20, 25, 22)
FIELDS = [("信息技术", "computer", ("510201", "计算机应用技术")),
          ("先进制造", "practical_general", ("460104", "机械制造与自动化")),
          ("汽车", "practical_general", ("500211", "汽车检测与维修技术")), ("建筑", "computer", ("440301", "建筑工程技术")),
          ("财经商贸", "computer", ("530302", "会计")), ("现代物流", "computer", ("530802", "物流管理")),
          ("养老服务", "practical_general", ("590302", "老年服务与管理")), ("医疗健康", "paper", ("520201", "护理")),
          ("文化艺术", "computer", ("550103", "数字媒体艺术设计")), ("电子商务", "computer", ("530701", "电子商务"))]
# GB 11643 (ISO 7064 MOD 11-2) weights and check characters, as accounts.identity uses them.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏辉玲建华红梅飞鑫波宁浩宇欣怡子涵梓轩雨桐一诺思远"


def _aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=datetime.UTC)


@dataclass
class Cell:
    """One certificate level in one province: how many registrations, from which institutions."""

    certificate_id: int
    org_id: int
    level: str
    province: str
    assessment_type: str
    pass_mark: int
    major: tuple[str, str]
    institutions: list[int]
    registrations: int
    month_counts: dict[int, int] = field(default_factory=dict)
    month_sessions: dict[int, int] = field(default_factory=dict)


@dataclass
class SessionPlan:
    id: int
    number: int  # its place in the generation order: seeds its candidates' outcomes, whatever its id
    cell: Cell
    date: datetime.date
    size: int
    site_id: int
    site_code: str
    finalized: bool
    first_registration: int  # the global index of its first registration
    times: dict = field(default_factory=dict)

    def __post_init__(self):
        # The timestamps every row of the session repeats, made once per session.
        self.times = {name: _aware(self.date + datetime.timedelta(days=days)) for name, days in
                      (("created", -40), ("registered", -20), ("recorded", 3), ("finalized", 7), ("processed", 9))}


class Command(BaseCommand):
    help = "Generate a pilot of national size (100 orgs, 2,000 institutions, 3,000,000 registrations) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=100)
        parser.add_argument("--institutions", type=int, default=2000)
        parser.add_argument("--registrations", type=int, default=3_000_000)
        parser.add_argument("--year", type=int, default=2020)
        parser.add_argument("--seed", type=int, default=20201001)
        parser.add_argument("--reset", action="store_true", help="delete the scale data first, then generate it")
        parser.add_argument("--delete", action="store_true", help="only delete the scale data")

    # --- entry ---------------------------------------------------------------------------------

    def handle(self, *args, **options):
        self.started = time.perf_counter()
        self.postgres = connection.vendor == "postgresql"
        self.year, self.seed = options["year"], options["seed"]
        if options["registrations"] < 1 or options["orgs"] < 1 or options["institutions"] < 1:
            raise CommandError("--orgs, --institutions and --registrations must be positive.")
        if options["orgs"] > 1000:
            raise CommandError("--orgs: at most 1,000 (scale orgs are coded 9000–9999).")
        if options["delete"] or options["reset"]:
            self.delete()
            if options["delete"]:
                return
        elif Org.objects.filter(credit_code__startswith=ORG_MARK).exists():
            existing = Registration.objects.filter(org__credit_code__startswith=ORG_MARK).count()
            self.stdout.write(f"规模数据已存在（{existing:,} 条报名），未重复生成；如需重新生成请加 --reset。"
                              f" / scale data already present ({existing:,} registrations); use --reset to regenerate.")
            return
        if not self.postgres and options["registrations"] > SQLITE_LIMIT:
            raise CommandError(f"全国规模数据需要 PostgreSQL（设置 DATABASE_URL）；SQLite 最多 {SQLITE_LIMIT:,} 条报名。"
                               f" / the national size needs PostgreSQL (set DATABASE_URL); SQLite takes at most "
                               f"{SQLITE_LIMIT:,} registrations (--registrations).")
        self.generate(orgs=options["orgs"], institutions=options["institutions"],
                      registrations=options["registrations"])

    def say(self, text: str) -> None:
        self.stdout.write(f"[{time.perf_counter() - self.started:7.1f} s] {text}")

    # --- generation ----------------------------------------------------------------------------

    def generate(self, *, orgs: int, institutions: int, registrations: int) -> None:
        rng = random.Random(self.seed)
        self.skip_key_checks = self.may_skip_key_checks(registrations)
        provinces = [code for code in PROVINCE_WEIGHTS if Province.objects.filter(code=code).exists()]
        if not provinces:

            provinces_ensure()
            provinces = list(PROVINCE_WEIGHTS)
        with transaction.atomic():
            certificates = self.catalog(rng, orgs)
            by_province = self.institutions(rng, institutions, provinces)
        cells = self.cells(rng, certificates, by_province, registrations)
        with transaction.atomic():
            self.filings(rng, cells)
            sessions = self.sessions(rng, cells)
        self.persons(self.person_count(registrations))
        self.registrations(sessions, registrations)
        with transaction.atomic():
            self.trainings(rng, cells)
            self.plans(rng, cells)
        if self.postgres:
            with connection.cursor() as cursor:
                for model in (Person, PersonName, Registration, Result, IssuanceRequest, IssuedCertificate,
                              AssessmentSession):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.say(f"完成 / done: {registrations:,} registrations.")

    def catalog(self, rng: random.Random, orgs: int) -> list[tuple[Certificate, str, tuple]]:
        batch, _ = SelectionBatch.objects.get_or_create(number=1, defaults={
            "name": "第一批", "opened_on": datetime.date(2019, 4, 10), "closes_on": datetime.date(2019, 5, 10),
            "status": SelectionBatch.Status.PUBLISHED, "published_on": datetime.date(2019, 6, 12)})
        made = Org.objects.bulk_create([
            Org(name=f"{FIELDS[n % len(FIELDS)][0]}职业技能评价中心（规模{n + 1:03d}）",
                credit_code=(f"{ORG_MARK}{n:013d}"[:17]) + credit_code_check_char(f"{ORG_MARK}{n:013d}"[:17]),
                org_type=Org.OrgType.ENTERPRISE, batch_number=1 + n % 3, code=f"{ORG_CODE_MARK}{n:03d}")
            for n in range(orgs)])
        orgs_list = list(Org.objects.filter(credit_code__startswith=ORG_MARK).order_by("credit_code")) or made
        certificates, levels = [], []
        count = orgs + max(0, round(orgs * 0.3))  # about 1.3 certificates per org: 92 of 73 in batches 1–3
        for n in range(count):
            org = orgs_list[n % len(orgs_list)]
            field_name, kind, major = FIELDS[n % len(FIELDS)]
            certificates.append((Certificate(code=f"{CERT_MARK}{n:04d}", name=f"{field_name}职业技能{n + 1:03d}", org=org,
                                             batch=batch, field=field_name, status=Certificate.Status.PUBLISHED),
                                 kind, major))
        Certificate.objects.bulk_create([c for c, _k, _m in certificates])
        saved = {c.code: c for c in Certificate.objects.filter(code__startswith=CERT_MARK)}
        result = []
        for certificate, kind, major in certificates:
            certificate = saved[certificate.code]
            for level, _share in LEVEL_SHARES:
                levels.append(CertificateLevel(certificate=certificate, level=level, assessment_type=kind, pass_mark=60))
            result.append((certificate, kind, major))
        CertificateLevel.objects.bulk_create(levels)
        self.say(f"{len(orgs_list)} orgs, {len(result)} certificates")
        return result

    def institutions(self, rng: random.Random, total: int, provinces: list[str]) -> dict[str, list[int]]:
        shares = self.apportion(total, [PROVINCE_WEIGHTS[p] for p in provinces])
        short = dict(Province.objects.values_list("code", "short_name"))
        new = []
        for province, count in zip(provinces, shares, strict=True):
            for n in range(count):
                kind = (Institution.InstitutionType.HIGHER_VOCATIONAL if n % 3 else Institution.InstitutionType.SECONDARY)
                suffix = "职业技术学院" if kind == Institution.InstitutionType.HIGHER_VOCATIONAL else "中等专业学校"
                new.append(Institution(name=f"{short.get(province, province)}第{n + 1}{suffix}（规模）",
                                       school_code=f"41{province}8{n:05d}", institution_type=kind, province_id=province))
        Institution.objects.bulk_create(new, batch_size=2000)
        by_province: dict[str, list[int]] = {}
        for pk, province in Institution.objects.filter(school_code__in=[i.school_code for i in new]).values_list(
                "pk", "province_id").order_by("pk"):
            by_province.setdefault(province, []).append(pk)
        self.say(f"{sum(len(v) for v in by_province.values())} institutions")
        return by_province

    @staticmethod
    def apportion(total: int, weights: list[float]) -> list[int]:
        """Whole numbers in proportion to ``weights`` that add up to ``total`` exactly (largest
        remainders), at least one each while there are enough to go round."""
        floor = 1 if total >= len(weights) else 0
        rest = total - floor * len(weights)
        exact = [rest * w / sum(weights) for w in weights]
        shares = [floor + int(x) for x in exact]
        for i in sorted(range(len(weights)), key=lambda i: exact[i] - int(exact[i]), reverse=True)[:total - sum(shares)]:
            shares[i] += 1
        return shares

    def cells(self, rng: random.Random, certificates, by_province: dict[str, list[int]], total: int) -> list[Cell]:
        provinces = list(by_province)
        weights = [PROVINCE_WEIGHTS[p] for p in provinces]
        sizes = [rng.lognormvariate(0, 0.8) for _ in certificates]
        scale = total / sum(sizes)
        cells = []
        for (certificate, kind, major), size in zip(certificates, sizes, strict=True):
            chosen = set()
            for province in rng.choices(provinces, weights, k=min(len(provinces), 8 + rng.randint(0, 12))):
                chosen.add(province)
            chosen_weights = {p: PROVINCE_WEIGHTS[p] for p in chosen}
            for province, weight in chosen_weights.items():
                pool = by_province[province]
                institutions = rng.sample(pool, min(len(pool), 1 + rng.randint(2, 8)))
                for level, share in LEVEL_SHARES:
                    cells.append(Cell(certificate_id=certificate.pk, org_id=certificate.org_id, level=level,
                                      province=province, assessment_type=kind, pass_mark=60, major=major,
                                      institutions=institutions,
                                      registrations=size * scale * weight / sum(chosen_weights.values()) * share))
        # Whole numbers that add up exactly to the total.
        floors = [math.floor(c.registrations) for c in cells]
        remainder = total - sum(floors)
        order = sorted(range(len(cells)), key=lambda i: cells[i].registrations - floors[i], reverse=True)
        for i in order[:remainder]:
            floors[i] += 1
        for cell, n in zip(cells, floors, strict=True):
            cell.registrations = n
        return [c for c in cells if c.registrations]

    def filings(self, rng: random.Random, cells: list[Cell]) -> None:
        """Each cell's institutions declare about 10% more students than register (申报规模)."""
        declared: dict[tuple, dict[str, int]] = {}
        province_of = {}
        for cell in cells:
            per = math.ceil(cell.registrations * 1.1 / len(cell.institutions))
            for institution in cell.institutions:
                declared.setdefault((institution, cell.certificate_id), {})[cell.level] = per
                province_of[institution] = cell.province
        filings = [Filing(institution_id=inst, certificate_id=cert, year=self.year, province_id=province_of[inst],
                          contact_name=f"{SURNAMES[(inst + cert) % len(SURNAMES)]}老师",
                          contact_phone=f"139{(inst * 7919 + cert) % 10**8:08d}", total_students=sum(levels.values()),
                          filed_at=_aware(datetime.date(self.year, 6, 15)), updated_at=_aware(datetime.date(self.year, 6, 15)))
                   for (inst, cert), levels in declared.items()]
        Filing.objects.bulk_create(filings, batch_size=2000)
        ids = {(f.institution_id, f.certificate_id): f.pk for f in Filing.objects.filter(
            year=self.year, certificate__code__startswith=CERT_MARK).only("pk", "institution_id", "certificate_id")}
        FilingLevel.objects.bulk_create([FilingLevel(filing_id=ids[key], level=level, declared_students=n)
                                         for key, levels in declared.items() for level, n in levels.items()],
                                        batch_size=5000)
        self.say(f"{len(filings):,} filings")

    def sessions(self, rng: random.Random, cells: list[Cell]) -> list[SessionPlan]:
        sites: dict[tuple, Site] = {}
        for cell in cells:
            key = (cell.org_id, cell.province)
            if key not in sites:
                number = sum(1 for k in sites if k[0] == cell.org_id) + 1
                sites[key] = Site(org_id=cell.org_id, code=f"{cell.province}{number:02d}", province_id=cell.province,
                                  name=f"考点{cell.province}{number:02d}", address="（规模测试数据）")
        Site.objects.bulk_create(sites.values(), batch_size=2000)
        site_ids = {(s.org_id, s.province_id): (s.pk, s.code) for s in Site.objects.filter(
            org__credit_code__startswith=ORG_MARK).only("pk", "org_id", "province_id", "code")}
        plans, index = [], 0
        finalize_before = datetime.date(self.year, 12, 15)
        for cell in cells:
            left = cell.registrations
            while left:
                size = min(left, rng.randint(60, 180))
                left -= size
                month = rng.choices(range(1, 13), MONTH_WEIGHTS)[0]
                day = datetime.date(self.year, month, rng.randint(1, 28))
                site_id, site_code = site_ids[(cell.org_id, cell.province)]
                plans.append(SessionPlan(id=0, number=len(plans), cell=cell, date=day, size=size, site_id=site_id,
                                         site_code=site_code, finalized=day < finalize_before, first_registration=index))
                cell.month_counts[month] = cell.month_counts.get(month, 0) + size
                cell.month_sessions[month] = cell.month_sessions.get(month, 0) + 1
                index += size
        first = self.reserve_ids(AssessmentSession, len(plans))
        for offset, plan in enumerate(plans):
            plan.id = first + offset
        rows = ((p.id, p.cell.org_id, p.cell.certificate_id, p.cell.level, p.cell.assessment_type, p.site_id,
                 p.cell.province, p.date, datetime.time(9, 0), p.size + 20, "",
                 AssessmentSession.Status.FINALIZED if p.finalized else AssessmentSession.Status.CLOSED,
                 p.times["finalized"] if p.finalized else None, None, p.times["created"], None) for p in plans)
        copy_rows(AssessmentSession, ["id", "org_id", "certificate_id", "level", "assessment_type", "site_id",
                                      "province_id", "date", "start_time", "capacity", "examiners", "status",
                                      "finalized_at", "finalized_by_id", "created_at", "created_by_id"], rows)
        self.say(f"{len(sites):,} sites, {len(plans):,} sessions")
        return plans

    # -- persons and the big tables

    @staticmethod
    def person_count(registrations: int) -> int:
        # About one in eleven candidates sits a second certificate; small runs keep one each, so
        # that a session never meets the same person twice.
        return registrations if registrations < 50_000 else math.ceil(registrations / 1.1)

    def person_identity(self, index: int) -> tuple[str, str]:
        """The ``index``-th candidate's resident ID number (valid GB 11643 check character, region
        code ending in 9901: the marker) and name, computed from partial weighted sums so that
        millions cost seconds."""
        table = self._identity_table()
        region = (index // 2_555_000) % len(table["regions"])
        day, seq = (index // 1000) % 2555, index % 1000
        total = table["region_sums"][region] + table["birth_sums"][day] + table["seq_sums"][seq]
        number = f"{table['regions'][region]}{table['births'][day]}{seq:03d}{CHECK_CHARS[total % 11]}"
        return number, self.person_name(index)

    @staticmethod
    def person_name(index: int) -> str:
        name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index // len(SURNAMES)) % len(GIVEN)]
        return name + GIVEN[(index // 7) % len(GIVEN)] if index % 3 else name

    def _identity_table(self) -> dict:
        table = getattr(self, "_identities", None)
        if table is None:
            def weighted(digits: str, offset: int) -> int:
                return sum(int(d) * ID_WEIGHTS[offset + i] for i, d in enumerate(digits))

            regions = [code + PERSON_REGION_SUFFIX for code in PROVINCE_WEIGHTS]
            births = [f"{datetime.date(1998, 1, 1) + datetime.timedelta(days=n):%Y%m%d}" for n in range(2555)]
            table = self._identities = {
                "regions": regions, "births": births, "region_sums": [weighted(r, 0) for r in regions],
                "birth_sums": [weighted(b, 6) for b in births], "seq_sums": [weighted(f"{n:03d}", 14) for n in range(1000)]}
        return table

    def persons(self, count: int) -> None:
        self.person_first = self.reserve_ids(Person, count)
        created = _aware(datetime.date(self.year, 3, 1))
        self.copy_chunked(Person, ["id", "id_type", "id_number", "name", "created_at"],
                          ((self.person_first + i, IdType.RESIDENT_ID, *self.person_identity(i), created)
                           for i in range(count)))
        first_name = self.reserve_ids(PersonName, count)
        self.copy_chunked(PersonName, ["id", "person_id", "name", "valid_from", "reason", "recorded_by_id"],
                          ((first_name + i, self.person_first + i, self.person_name(i), created, "首次登记", None)
                           for i in range(count)))
        self.person_total = count
        self.say(f"{count:,} persons")

    def seats(self, sessions: list[SessionPlan]):
        """Every seat of every session with its outcome, the same on every walk (a generator seeded
        per session), so each big table is streamed from the same facts without keeping them."""
        registration_id, result_id = self.registration_first, self.result_first
        scores = [Decimal(f"{n / 2:.1f}") for n in range(0, 201)]
        for session in sessions:
            rng = random.Random(self.seed * 1_000_003 + session.number)
            cell = session.cell
            for k in range(session.size):
                person = (session.first_registration + k) % self.person_total
                self_registered = rng.random() < 0.05
                cancelled = rng.random() < 0.01
                absent = not cancelled and rng.random() < 0.04
                score = scores[min(200, max(0, int(rng.gauss(142, 30))))]
                passed = score >= cell.pass_mark
                issuance = None
                if session.finalized and passed and not (absent or cancelled):
                    roll = rng.random()
                    issuance = ("issued" if roll < 0.92 else "pending" if roll < 0.97 else
                                "blocked" if roll < 0.99 else "failed")
                has_result = not (absent or cancelled)
                yield (session, registration_id, result_id if has_result else None, person,
                       None if self_registered else cell.institutions[k % len(cell.institutions)],
                       absent, cancelled, score, passed, issuance)
                registration_id += 1
                if has_result:
                    result_id += 1

    def registrations(self, sessions: list[SessionPlan], total: int) -> None:
        self.registration_first = self.reserve_ids(Registration, total)
        # Results: at most one per registration; reserve the upper bound, the sequence ends at the real count.
        self.result_first = self.reserve_ids(Result, total)
        def registration_rows():
            for s, reg, _res, person, institution, absent, cancelled, _score, _passed, _iss in self.seats(sessions):
                cell = s.cell
                yield (reg, s.id, self.person_first + person, institution,
                       "self" if institution is None else "institution", None,
                       cell.major[0] if institution else "", cell.major[1] if institution else "",
                       self.person_name(person), False, None, absent, "cancelled" if cancelled else "registered",
                       cell.org_id, cell.certificate_id, cell.level, cell.province, s.date, s.times["registered"], None)

        self.copy_chunked(Registration, ["id", "session_id", "person_id", "institution_id", "channel", "account_id",
                                         "major_code", "major_name", "name_given", "name_mismatch", "name_confirmed_at",
                                         "absent", "status", "org_id", "certificate_id", "level", "province_id",
                                         "session_date", "created_at", "created_by_id"], registration_rows())
        self.say(f"{total:,} registrations")

        def result_rows():
            for s, reg, res, _person, institution, _absent, _cancelled, score, passed, _iss in self.seats(sessions):
                if res is not None:
                    cell = s.cell
                    yield (res, reg, score, passed, s.times["recorded"], None, cell.org_id,
                           cell.certificate_id, cell.level, cell.province, institution, s.date)

        results = self.copy_chunked(Result, ["id", "registration_id", "score", "passed", "recorded_at", "recorded_by_id",
                                             "org_id", "certificate_id", "level", "province_id", "institution_id",
                                             "session_date"], result_rows())
        self.set_sequence(Result, self.result_first + results - 1)
        self.say(f"{results:,} results")

        request_first = self.reserve_ids(IssuanceRequest, results)

        def issuance_rows():
            request_id = request_first
            for s, _reg, res, person, institution, _absent, _cancelled, score, _passed, status in self.seats(sessions):
                if status is not None:
                    cell = s.cell
                    number, name = self.person_identity(person)
                    done = status != "pending"
                    request_id += 1
                    yield (request_id - 1, res, s.id, cell.certificate_id, cell.level, cell.org_id,
                           self.person_first + person, name,
                           IdType.RESIDENT_ID, number, cell.province, institution, s.site_code, score, s.date, status,
                           "", "", 1 if done else 0, s.times["finalized"], s.times["processed"] if done else None)

        requests = self.copy_chunked(IssuanceRequest, [
            "id", "result_id", "session_id", "certificate_id", "level", "org_id", "person_id", "holder_name", "id_type",
            "id_number", "province_id", "institution_id", "site_code", "score", "passed_on", "status", "status_note",
            "block_code", "attempts", "created_at", "processed_at"], issuance_rows())
        self.set_sequence(IssuanceRequest, request_first + requests - 1)
        self.say(f"{requests:,} issuance requests")
        self.issued_certificates(sessions, request_first)

    def issued_certificates(self, sessions: list[SessionPlan], request_first: int) -> None:
        """A certificate for every request marked issued, numbered as the issuance worker numbers
        them (one gap-free serial per prefix, kept in NumberSequence) and without a stored PDF: it
        renders on first download, as for imported certificates."""
        org_codes = dict(Org.objects.filter(credit_code__startswith=ORG_MARK).values_list("pk", "code"))
        serials: dict[str, int] = {}
        held: set[tuple[int, int, str]] = set()
        skipped = 0

        def issued_rows():
            nonlocal skipped
            request_id = request_first
            prefix = None
            for s, _reg, _res, person, institution, _absent, _cancelled, _score, _passed, status in self.seats(sessions):
                if status is None:
                    continue
                request_id += 1
                if status != "issued":
                    continue
                cell = s.cell
                key = (person, cell.certificate_id, cell.level)
                if key in held:  # one valid certificate per person, certificate and level
                    skipped += 1
                    continue
                held.add(key)
                issued_on = s.times["processed"].date()
                if prefix is None or prefix[0] is not s:
                    prefix = (s, number_prefix(org_code=org_codes[cell.org_id], province_code=cell.province,
                                               site_code=s.site_code, certificate_id=cell.certificate_id,
                                               year=issued_on.year, level=cell.level))
                serial = serials[prefix[1]] = serials.get(prefix[1], 0) + 1
                id_number, name = self.person_identity(person)
                yield (f"{prefix[1]}{serial:0{SCHEME.serial_width}d}", request_id - 1, self.person_first + person,
                       cell.certificate_id, cell.level, cell.org_id, cell.province, institution, name,
                       IdType.RESIDENT_ID, id_number, 1, None, issued_on, "valid", "", None, "issued",
                       secrets.token_urlsafe(16), "", None, s.times["processed"], s.times["processed"])

        issued = self.copy_chunked(IssuedCertificate, [
            "number", "request_id", "person_id", "certificate_id", "level", "org_id", "province_id", "institution_id",
            "holder_name", "id_type", "id_number", "version", "seal_id", "issued_on", "status", "revoked_reason",
            "revoked_at", "origin", "token", "pdf", "pdf_size", "announced_at", "created_at"], issued_rows())
        NumberSequence.objects.bulk_create([NumberSequence(prefix=prefix, last_value=last)
                                           for prefix, last in serials.items()], batch_size=5000)
        self.say(f"{issued:,} issued certificates ({skipped:,} later passes of a level already held)")

    def trainings(self, rng: random.Random, cells: list[Cell]) -> None:
        """Teacher trainings (about 170,000 teacher-trainings at full size), certificate trainings
        (about 450,000 trained) and Hubei commitments, in proportion to the registrations."""
        total = sum(c.registrations for c in cells) or 1
        factor = total / 3_000_000
        teacher, hubei = [], {}
        seen = set()
        for cell in cells:
            key = (cell.certificate_id, cell.province)
            if key in seen:
                continue
            seen.add(key)
            share = sum(c.registrations for c in cells if (c.certificate_id, c.province) == key) / total
            teachers = max(1, round(170_000 * factor * share))
            sessions = max(1, min(6, teachers // 25))
            for n in range(sessions):
                start = datetime.date(self.year, rng.choice((3, 4, 5, 6, 7, 8, 9, 10)), rng.randint(1, 20))
                special = cell.province == "42" and n % 2 == 0
                count = max(1, teachers // sessions)
                teacher.append(TeacherTraining(org_id=cell.org_id, certificate_id=cell.certificate_id, level="junior",
                                               start_date=start, end_date=start + datetime.timedelta(days=rng.randint(0, 4)),
                                               province_id=cell.province, mode="online" if n % 3 == 0 else "offline",
                                               teachers_trained=count, hubei_special=special,
                                               recorded_at=_aware(start + datetime.timedelta(days=10))))
                if special:
                    hubei[cell.org_id] = hubei.get(cell.org_id, 0) + count
        TeacherTraining.objects.bulk_create(teacher, batch_size=2000)
        certificate = []
        for cell in cells:
            for month in (6, 7, 8):
                students = max(0, round(cell.registrations * 0.045))
                learners = max(0, round(cell.registrations * 0.005))
                if students + learners:
                    certificate.append(CertificateTraining(
                        org_id=cell.org_id, certificate_id=cell.certificate_id, level=cell.level, province_id=cell.province,
                        month=datetime.date(self.year, month, 1), students=students, social_learners=learners))
        CertificateTraining.objects.bulk_create(certificate, batch_size=2000)
        hubei_assessed: dict[int, int] = {}
        for cell in cells:
            if cell.province == "42":
                hubei_assessed[cell.org_id] = hubei_assessed.get(cell.org_id, 0) + cell.registrations
        HubeiCommitment.objects.bulk_create([
            HubeiCommitment(org_id=org_id, teachers_to_train=round(hubei.get(org_id, 0) * rng.uniform(1.0, 1.6)) + 10,
                            candidates_to_assess=round(n * rng.uniform(0.9, 1.3)))
            for org_id, n in hubei_assessed.items()])
        self.say(f"{len(teacher):,} teacher trainings, {len(certificate):,} certificate trainings, "
                 f"{len(hubei_assessed)} Hubei commitments")

    def plans(self, rng: random.Random, cells: list[Cell]) -> None:
        """Each org's September–December plan, version 1 of August, near what it then did."""
        by_org: dict[int, list[Cell]] = {}
        for cell in cells:
            by_org.setdefault(cell.org_id, []).append(cell)
        submitted = _aware(datetime.date(self.year, 8, 25))
        plans = AssessmentPlan.objects.bulk_create([
            AssessmentPlan(org_id=org_id, year=self.year, version=1, source=AssessmentPlan.Source.UPLOAD,
                           original_name="考核计划.xlsx", first_month=9, last_month=12, submitted_at=submitted)
            for org_id in by_org])
        ids = dict(AssessmentPlan.objects.filter(org_id__in=list(by_org), year=self.year, version=1)
                   .values_list("org_id", "pk"))
        rows, totals = [], {}
        for org_id, org_cells in by_org.items():
            for cell in org_cells:
                for month in range(9, 13):
                    actual = cell.month_counts.get(month, 0)
                    candidates = round(actual * rng.uniform(0.85, 1.25))
                    if not candidates:
                        continue
                    sessions = max(1, round(cell.month_sessions.get(month, 1) * rng.uniform(0.8, 1.2)))
                    rows.append(AssessmentPlanRow(plan_id=ids[org_id], month=month, province_id=cell.province,
                                                  certificate_id=cell.certificate_id, level=cell.level,
                                                  planned_candidates=candidates, planned_sessions=sessions))
                    total = totals.setdefault(org_id, [0, 0])
                    total[0] += candidates
                    total[1] += sessions
        AssessmentPlanRow.objects.bulk_create(rows, batch_size=5000)
        for org_id, (candidates, sessions) in totals.items():
            AssessmentPlan.objects.filter(pk=ids[org_id]).update(total_candidates=candidates, total_sessions=sessions)
        self.say(f"{len(plans)} plans, {len(rows):,} plan rows")

    # --- database helpers ----------------------------------------------------------------------

    def may_skip_key_checks(self, registrations: int) -> bool:
        """At national sizes, as a superuser, the big COPYs skip the foreign-key triggers (about
        half their time): every key is generated from rows written just before, by construction.
        Smaller runs — the tests among them — check every key as usual."""
        if not self.postgres or registrations < KEY_CHECKS_BELOW:
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
        return bool(row and row[0])

    def reserve_ids(self, model, count: int) -> int:
        """The first of ``count`` primary keys reserved for ``model`` (the sequence moves past them)."""
        table = model._meta.db_table
        if not self.postgres:
            last = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            return last + 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [connection.ops.quote_name(table)])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
        return first

    def set_sequence(self, model, last: int) -> None:
        if not self.postgres or last < 1:
            return
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, (SELECT MAX(id) FROM {table})))",
                           [table, last])

    def copy_chunked(self, model, columns: list[str], rows) -> int:
        """COPY ``rows`` in chunks, each committed on its own: the server never holds millions of
        pending foreign-key checks at once."""
        rows = iter(rows)
        total = 0
        while True:
            chunk = list(itertools.islice(rows, CHUNK))
            if not chunk:
                return total
            with transaction.atomic():
                if self.skip_key_checks:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL session_replication_role = replica")
                total += copy_rows(model, columns, chunk)

    # --- deleting ------------------------------------------------------------------------------

    def delete(self) -> None:
        org_ids = list(Org.objects.filter(credit_code__startswith=ORG_MARK).values_list("pk", flat=True))
        certificate_ids = list(Certificate.objects.filter(code__startswith=CERT_MARK).values_list("pk", flat=True))
        if not org_ids and not certificate_ids:
            self.say("没有规模数据可删除 / no scale data to delete")
            return
        quote = connection.ops.quote_name

        def raw_delete(model, column: str, ids: list[int]) -> int:
            if not ids:
                return 0
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(column)} IN "
                               f"({', '.join(str(int(i)) for i in ids)})")
                return cursor.rowcount

        with transaction.atomic():
            reports = list(MonthlyReport.objects.filter(rows__org_id__in=org_ids).distinct())
            for report in reports:
                for stored in (report.pdf, report.xlsx):
                    if stored:
                        stored.delete(save=False)
            MonthlyReportRow.objects.filter(report__in=reports).delete()
            MonthlyReport.objects.filter(pk__in=[r.pk for r in reports]).delete()
            counts = {
                "issued certificates": raw_delete(IssuedCertificate, "org_id", org_ids),
                "issuance requests": raw_delete(IssuanceRequest, "org_id", org_ids),
                "results": raw_delete(Result, "org_id", org_ids),
                "registrations": raw_delete(Registration, "org_id", org_ids),
                "sessions": raw_delete(AssessmentSession, "org_id", org_ids),
                "sites": raw_delete(Site, "org_id", org_ids),
            }
            AssessmentPlanRow.objects.filter(plan__org_id__in=org_ids).delete()
            AssessmentPlan.objects.filter(org_id__in=org_ids).delete()
            TeacherTraining.objects.filter(org_id__in=org_ids).delete()
            CertificateTraining.objects.filter(org_id__in=org_ids).delete()
            HubeiCommitment.objects.filter(org_id__in=org_ids).delete()
            FilingLevel.objects.filter(filing__certificate_id__in=certificate_ids).delete()
            Filing.objects.filter(certificate_id__in=certificate_ids).delete()
            with connection.cursor() as cursor:
                like = f"__{PERSON_REGION_SUFFIX}%"
                cursor.execute(f"DELETE FROM {quote(PersonName._meta.db_table)} WHERE person_id IN "
                               f"(SELECT id FROM {quote(Person._meta.db_table)} WHERE id_number LIKE %s)", [like])
                cursor.execute(f"DELETE FROM {quote(Person._meta.db_table)} WHERE id_number LIKE %s", [like])
                counts["persons"] = cursor.rowcount
            CertificateLevel.objects.filter(certificate_id__in=certificate_ids).delete()
            Certificate.objects.filter(pk__in=certificate_ids).delete()
            Institution.objects.filter(school_code__regex=r"^41[0-9]{2}8[0-9]{5}$", name__endswith="（规模）").delete()
            NumberSequence.objects.filter(prefix__regex=rf"^{SCHEME.type_letter}{ORG_CODE_MARK}").delete()
            Org.objects.filter(pk__in=org_ids).delete()
        self.say("已删除规模数据 / scale data deleted: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
