"""Demo filings (备案): institutions in every province and their declared scale, in the shape of the
public figures (domain.md): batch 1 had 1,988 institution pilots, most in 广东 191, 山东 156,
江苏 144, fewest in 西藏 1, 北京 52; declarations for batches 1–3 total about 3,000,000 students, of which
the demo keeps a hundredth (30,000), like its assessments and certificates (pilot.demo.pipeline).

Certificates come from the catalog's demo step, which runs earlier; without a published
certificate this step creates nothing and says so. Idempotent: institutions are looked up by
school code and filings by institution, certificate and year, and the filings are drawn once: a
later run finds the generated institutions' filings and draws none (the steps after this one change
the catalog, the supervision step delisting an org's certificate, and a new draw over the changed
catalog would pick other institutions).
"""

import datetime
import math
import random

from accounts.models import IdType, Province
from accounts.services import person_find_or_create
from assessments.models import Filing, FilingLevel, TrainerQualification
from certificates.catalog.models import Certificate, CertificateLevel
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from pilot.demo import demo_id_number

# Batch-1 institution pilots per province: the five named in the sources, the rest spread so that
# the whole comes to about 1,988 (the shape, not precision the sources lack).
PILOTS_2019 = {
    "44": 191, "37": 156, "32": 144, "41": 118, "51": 104, "42": 100, "33": 98, "43": 88, "13": 84, "34": 80,
    "35": 64, "36": 60, "21": 56, "61": 56, "11": 52, "45": 50, "50": 50, "53": 46, "14": 42, "23": 36, "12": 36,
    "31": 36, "52": 36, "22": 30, "15": 26, "62": 26, "65": 20, "46": 12, "64": 8, "63": 5, "66": 3, "54": 1,
}
# Batch-1 pilots per certificate (domain.md), matched to the catalog by name.
BATCH1_PILOTS = {"建筑信息模型": 320, "Web前端开发": 422, "老年照护": 231, "物流管理": 355, "汽车运用与维修": 465,
                 "智能新能源汽车": 195}
DECLARED_TOTAL = 30_000  # a hundredth of the speech's 3,000,000
YEARS = (2019, 2020)

_PREFIXES = ["", "城市", "工程", "科技", "经贸", "现代", "轻工", "水利", "电力", "农业", "林业", "旅游", "艺术", "卫生",
             "海事", "石化", "航空", "铁道", "邮电", "体育", "建筑", "机电", "信息", "商务", "交通", "财经", "医药",
             "化工", "纺织", "工贸"]
_SUFFIXES = [("职业技术学院", Institution.InstitutionType.HIGHER_VOCATIONAL),
             ("职业学院", Institution.InstitutionType.HIGHER_VOCATIONAL),
             ("中等专业学校", Institution.InstitutionType.SECONDARY),
             ("高级技工学校", Institution.InstitutionType.TECHNICIAN)]
# Every province's n-th institution gets the n-th name: vocational colleges first, then
# secondary and technician schools, never the same name twice in a province.
_NAMES = [(prefix, suffix) for suffix in _SUFFIXES for prefix in _PREFIXES]
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_LEVEL_SHARE = {"junior": 0.55, "intermediate": 0.35, "senior": 0.10}
# The school codes _institutions generates: 41, the province, 9 and a sequence (real ones differ).
GENERATED_CODE = r"^41[0-9]{2}9[0-9]{5}$"


def _institutions(rng: random.Random) -> dict[str, list[int]]:
    """About 0.55 institutions per batch-1 pilot in each province (an institution pilots several
    certificates), created where their school code is not yet taken."""
    provinces = {p.code: p for p in Province.objects.all()}
    existing = set(Institution.objects.values_list("school_code", flat=True))
    names = set(Institution.objects.values_list("province_id", "name"))
    new = []
    for code, pilots in PILOTS_2019.items():
        province = provinces[code]
        wanted = max(1, math.ceil(pilots * 0.55))
        for n in range(min(wanted, len(_NAMES))):
            school_code = f"41{code}{900001 + n:06d}"
            prefix, (suffix, kind) = _NAMES[n]
            name = f"{province.short_name}{prefix}{suffix}"
            if n == 7:
                name, kind = f"{province.short_name}职业技术大学", Institution.InstitutionType.VOCATIONAL_UNDERGRADUATE
            if school_code in existing or (code, name) in names:
                continue
            new.append(Institution(name=name, school_code=school_code, institution_type=kind, province=province,
                                   city=""))
    Institution.objects.bulk_create(new, batch_size=1000)
    by_province: dict[str, list[int]] = {}
    for pk, code in Institution.objects.values_list("pk", "province_id").order_by("pk"):
        by_province.setdefault(code, []).append(pk)
    return by_province


def _split(total: int, offered: list[str]) -> dict[str, int]:
    shares = {level: _LEVEL_SHARE[level] for level in offered}
    whole = sum(shares.values())
    levels = {level: max(1, round(total * share / whole)) for level, share in shares.items()}
    return levels


def _plan(rng: random.Random, certificates: list[Certificate], by_province: dict[str, list[int]]) -> list[tuple]:
    """(institution, certificate, year, weight) for the 2019 batch-1 pilots and the 2020 declarations."""
    weights = [(code, PILOTS_2019[code]) for code in PILOTS_2019 if by_province.get(code)]
    codes, province_weights = zip(*weights, strict=True)
    batch1 = [c for c in certificates if c.batch.number == 1]
    plan, taken = [], set()

    def pick(certificate, year, count):
        attempts = 0
        while count and attempts < count * 20:
            attempts += 1
            province = rng.choices(codes, province_weights)[0]
            institution = rng.choice(by_province[province])
            if (institution, certificate.pk, year) in taken:
                continue
            taken.add((institution, certificate.pk, year))
            plan.append((institution, certificate, year, rng.lognormvariate(0, 0.7)))
            count -= 1

    for certificate in batch1:
        target = next((n for key, n in BATCH1_PILOTS.items() if key in certificate.name), 1988 // max(len(batch1), 1))
        pick(certificate, 2019, target)
    for certificate in certificates:  # 2020 declarations: the batch 1–3 certificates (batch 4 was published in December)
        if certificate.batch.number <= 3:
            pick(certificate, 2020, 10 + rng.randint(0, 15) if certificate.batch.number > 1 else 25)
    return plan


def _demo_institution_filings(certificates: list[Certificate]) -> list[tuple]:
    """The personas' institutions file for their demo orgs' certificates, where those exist."""
    plan = []
    demo_orgs = Org.objects.filter(name__in=["北京新奥时代科技有限责任公司", "北京中福长者文化科技有限公司"])
    own = [c for c in certificates if c.org_id in set(demo_orgs.values_list("pk", flat=True))] or certificates[:2]
    # The personas' institutions, and the Guangdong and Jiangsu institutions whose students sit the
    # demo sessions there (pilot.demo.pipeline): every demo registration comes from a filed institution.
    for school_code, share in (("4142010834", 1.6), ("4137012862", 1.1), ("4144900001", 1.0), ("4132900001", 1.0)):
        institution = Institution.objects.filter(school_code=school_code).first()
        if institution is not None:
            plan += [(institution.pk, certificate, 2020, share) for certificate in own[:2]]
    return plan


def _trainers(certificates: list[Certificate]) -> int:
    institution = Institution.objects.filter(school_code="4142010834").first()
    org_certificates = [c for c in certificates if c.org.name == "北京新奥时代科技有限责任公司"] or certificates[:1]
    if institution is None or not org_certificates:
        return 0

    teachers = [("陈思远", "420106", datetime.date(1985, 3, 12), "101", "软件技术", True, (True, True)),
                ("林晓燕", "420111", datetime.date(1990, 7, 8), "202", "计算机应用技术", True, (True, False)),
                ("王志刚", "420102", datetime.date(1982, 11, 23), "303", "软件技术", False, None),
                ("赵敏", "420106", datetime.date(1992, 1, 30), "404", "数字媒体技术", True, None)]
    created = 0
    for name, region, birth, seq, subject, reported, confirmation in teachers:
        person, _new, _differs = person_find_or_create(actor=None, id_type=IdType.RESIDENT_ID,
                                                       id_number=demo_id_number(region, birth, seq), name=name)
        record, made = TrainerQualification.objects.get_or_create(
            institution=institution, person=person, certificate=org_certificates[0],
            defaults={"subject": subject, "training_date": datetime.date(2020, 8, 20), "reported_qualified": reported})
        if made and confirmation:
            record.attendance_confirmed, record.qualified = confirmation
            record.confirmed_at = datetime.datetime(2020, 9, 1, 10, 0, tzinfo=datetime.UTC)
            record.save()
        created += made
    return created


def seed_filings(out) -> None:
    certificates = list(Certificate.objects.filter(status=Certificate.Status.PUBLISHED, levels__isnull=False)
                        .select_related("batch", "org").distinct().order_by("code"))
    if not certificates:
        if out is not None:
            out.write("院校备案演示数据：证书目录中还没有已公布的证书，未生成备案。"
                      " / filings demo: no published certificate in the catalog, no filing created.")
        return
    rng = random.Random(20200901)
    by_province = _institutions(rng)
    if not Filing.objects.filter(institution__school_code__regex=GENERATED_CODE).exists():
        _draw_filings(rng, certificates, by_province)
    trainers = _trainers(certificates)
    if out is not None:
        out.write(f"院校备案演示数据：{Institution.objects.count()} 所院校，{Filing.objects.count()} 项备案，"
                  f"新增培训师记录 {trainers} 条。")


def _draw_filings(rng: random.Random, certificates: list[Certificate], by_province: dict[str, list[int]]) -> None:
    plan = _demo_institution_filings(certificates) + _plan(rng, certificates, by_province)
    offered: dict[int, list[str]] = {}
    for certificate_id, level in CertificateLevel.objects.values_list("certificate_id", "level"):
        offered.setdefault(certificate_id, []).append(level)
    scale = DECLARED_TOTAL / sum(weight for *_rest, weight in plan)
    institutions = dict(Institution.objects.values_list("pk", "province_id"))
    filings, levels = [], {}
    for institution_id, certificate, year, weight in plan:
        split = _split(max(3, round(weight * scale)), offered[certificate.pk])
        surname = _SURNAMES[(institution_id * 7 + certificate.pk) % len(_SURNAMES)]
        filings.append(Filing(institution_id=institution_id, certificate=certificate, year=year,
                              province_id=institutions[institution_id], contact_name=f"{surname}老师",
                              contact_phone=f"139{(institution_id * 7919 + certificate.pk) % 10**8:08d}",
                              total_students=sum(split.values()),
                              filed_at=datetime.datetime(year, 6, 15, 9, 0, tzinfo=datetime.UTC),
                              updated_at=datetime.datetime(year, 6, 15, 9, 0, tzinfo=datetime.UTC)))
        levels[(institution_id, certificate.pk, year)] = split
    Filing.objects.bulk_create(filings, batch_size=1000, ignore_conflicts=True)
    missing = Filing.objects.filter(levels__isnull=True).values_list("pk", "institution_id", "certificate_id", "year")
    FilingLevel.objects.bulk_create([
        FilingLevel(filing_id=pk, level=level, declared_students=n)
        for pk, inst, cert, year in missing for level, n in levels.get((inst, cert, year), {}).items()],
        batch_size=2000)
