"""Demo data for ``make demo``: a believable pilot built from the figures in domain.md.

Idempotent: every record is looked up by its natural key first, so running it twice adds nothing.
Each app's issue adds its own step to ``STEPS``.
"""

import datetime
import io

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from accounts.identity import gb11643_check_char
from accounts.models import IdType, Province, Role, User
from accounts.provinces import provinces_ensure
from organizations.institutions.models import Alliance, Enrolment, Institution
from organizations.orgs.models import Org
from organizations.orgs.validators import credit_code_check_char

DEMO_PASSWORD = "Demo-1plusX-2026"


def demo_id_number(region6: str, birth: datetime.date, seq3: str) -> str:
    body = f"{region6}{birth:%Y%m%d}{seq3}"
    return body + gb11643_check_char(body)


def demo_credit_code(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


ORGS = [
    # (name, credit code body, type, batch, contact)
    ("北京新奥时代科技有限责任公司", "91110108MA01XA2B3", Org.OrgType.ENTERPRISE, 1, "陈立"),
    ("北京中福长者文化科技有限公司", "91110105MA01YB4C5", Org.OrgType.ENTERPRISE, 1, "周敏"),
]
INSTITUTIONS = [
    # (name, school code, type, province, city, in the Hubei alliance)
    ("武汉职业技术学院", "4142010834", Institution.InstitutionType.HIGHER_VOCATIONAL, "42", "武汉市", True),
    ("山东交通职业学院", "4137012862", Institution.InstitutionType.HIGHER_VOCATIONAL, "37", "潍坊市", False),
]


def _persona(username, full_name, role, *, province=None, scope_id=None, person=None, totp=False) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        if role == Role.STUDENT:
            user, _code = account_services.person_account_create(actor=None, person=person, username=username)
        else:
            user, _code = account_services.user_create(actor=None, username=username, full_name=full_name,
                                                       role=role, province=province, scope_id=scope_id)
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
    if totp and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="演示令牌", confirmed=True)
    return user


def seed_personas(out) -> list[tuple[str, str, str]]:
    provinces_ensure()
    province = {p.code: p for p in Province.objects.all()}
    orgs = []
    for name, body, org_type, batch, contact in ORGS:
        org, _ = Org.objects.get_or_create(name=name, defaults={
            "credit_code": demo_credit_code(body), "org_type": org_type, "batch_number": batch,
            "contact_name": contact})
        orgs.append(org)
    alliance, _ = Alliance.objects.get_or_create(name="湖北省1+X证书制度试点院校联盟", defaults={"province": province["42"]})
    institutions = []
    for name, code, kind, prov, city, in_alliance in INSTITUTIONS:
        inst, _ = Institution.objects.get_or_create(school_code=code, defaults={
            "name": name, "institution_type": kind, "province": province[prov], "city": city,
            "alliance": alliance if in_alliance else None})
        institutions.append(inst)

    student_person, _, _ = account_services.person_find_or_create(
        actor=None, id_type=IdType.RESIDENT_ID, id_number=demo_id_number("420106", datetime.date(2003, 5, 15), "123"),
        name="李小明")
    Enrolment.objects.get_or_create(person=student_person, institution=institutions[0], major_name="软件技术",
                                    defaults={"major_code": "510203", "entry_year": 2021})
    learner_person, _, _ = account_services.person_find_or_create(
        actor=None, id_type=IdType.RESIDENT_ID, id_number=demo_id_number("370102", datetime.date(1988, 11, 2), "246"),
        name="赵丽华")

    personas = [
        ("moe_officer", "王建国", Role.MINISTRY, {"totp": True}, "教育部职成司"),
        ("hubei_edu", "张红", Role.PROVINCE, {"province": province["42"], "totp": True}, "湖北省教育厅"),
        ("shandong_edu", "孙强", Role.PROVINCE, {"province": province["37"], "totp": True}, "山东省教育厅"),
        ("hubei_agency", "刘洋", Role.PROVINCE_AGENCY, {"province": province["42"], "totp": True},
         "湖北省试点工作指导协调机构"),
        ("hubei_alliance", "黄梅", Role.ALLIANCE, {"province": province["42"], "scope_id": alliance.pk}, alliance.name),
        ("whvc_admin", "吴涛", Role.INSTITUTION, {"province": province["42"], "scope_id": institutions[0].pk},
         institutions[0].name),
        ("sdjt_admin", "马丽", Role.INSTITUTION, {"province": province["37"], "scope_id": institutions[1].pk},
         institutions[1].name),
        ("org_web", "陈立", Role.ORG, {"scope_id": orgs[0].pk}, orgs[0].name),
        ("org_care", "周敏", Role.ORG, {"scope_id": orgs[1].pk}, orgs[1].name),
        ("student_li", "李小明", Role.STUDENT, {"person": student_person}, "武汉职业技术学院 软件技术专业学生"),
        ("learner_zhao", "赵丽华", Role.STUDENT, {"person": learner_person}, "社会学习者"),
    ]
    rows = []
    for username, full_name, role, options, label in personas:
        _persona(username, full_name, role, **options)
        rows.append((username, Role(role).label, label))
    return rows


from pilot.demo.catalog import seed_catalog  # noqa: E402
from pilot.demo.complaints import seed_complaints  # noqa: E402
from pilot.demo.credit_bank import seed_credit_bank  # noqa: E402
from pilot.demo.dashboard import seed_dashboard  # noqa: E402
from pilot.demo.fees import seed_fees  # noqa: E402
from pilot.demo.filings import seed_filings  # noqa: E402
from pilot.demo.indicators import seed_indicators  # noqa: E402
from pilot.demo.issuance import seed_issuance  # noqa: E402
from pilot.demo.notices import seed_notices  # noqa: E402
from pilot.demo.orgs import seed_orgs  # noqa: E402
from pilot.demo.pipeline import seed_pipeline  # noqa: E402
from pilot.demo.reports import seed_reports  # noqa: E402
from pilot.demo.supervision import seed_supervision  # noqa: E402

# Each area adds its own module here and its step to this list, in dependency order.
STEPS = [
    seed_notices, seed_catalog, seed_orgs, seed_filings, seed_pipeline, seed_complaints, seed_supervision, seed_fees,
    seed_issuance, seed_credit_bank, seed_reports, seed_indicators, seed_dashboard,
]


@transaction.atomic
def seed_demo(out) -> list[tuple[str, str, str]]:
    out = out if out is not None else io.StringIO()  # quiet (benchmarks, tests): the steps still report
    personas = seed_personas(out)
    for step in STEPS:
        step(out)
    return personas
