"""Demo data for ``make demo``: a believable pilot built from the figures in domain.md.

Idempotent: the whole demo is built in one transaction, so the ministry persona ``moe_officer``
exists only once every step has run; a second run finds it and leaves the data as it is (saying so
in one line). ``seed_demo --rebuild`` empties the database (``flush``, then the schedules that data
migrations hold) and builds the demo again from scratch. Each area adds its own step to ``STEPS``.
"""

import datetime
import io

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from accounts.identity import gb11643_check_char
from accounts.models import IdType, Province, Role, RoleBinding, User
from accounts.provinces import provinces_ensure
from fees.caps import caps_ensure
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


ALLIANCE_NAME = "湖北省1+X证书制度试点院校联盟"
# username -> the label seed_demo prints beside it
PERSONA_LABELS = {
    "moe_officer": "教育部职成司", "hubei_edu": "湖北省教育厅", "shandong_edu": "山东省教育厅",
    "hubei_agency": "湖北省试点工作指导协调机构", "hubei_alliance": ALLIANCE_NAME, "whvc_admin": INSTITUTIONS[0][0],
    "sdjt_admin": INSTITUTIONS[1][0], "org_web": ORGS[0][0], "org_care": ORGS[1][0],
    "student_li": "武汉职业技术学院 软件技术专业学生", "learner_zhao": "社会学习者",
}
PERSONA_USERNAMES = list(PERSONA_LABELS)


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
    alliance, _ = Alliance.objects.get_or_create(name=ALLIANCE_NAME, defaults={"province": province["42"]})
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
        ("moe_officer", "王建国", Role.MINISTRY, {"totp": True}),
        ("hubei_edu", "张红", Role.PROVINCE, {"province": province["42"], "totp": True}),
        ("shandong_edu", "孙强", Role.PROVINCE, {"province": province["37"], "totp": True}),
        ("hubei_agency", "刘洋", Role.PROVINCE_AGENCY, {"province": province["42"], "totp": True}),
        ("hubei_alliance", "黄梅", Role.ALLIANCE, {"province": province["42"], "scope_id": alliance.pk}),
        ("whvc_admin", "吴涛", Role.INSTITUTION, {"province": province["42"], "scope_id": institutions[0].pk}),
        ("sdjt_admin", "马丽", Role.INSTITUTION, {"province": province["37"], "scope_id": institutions[1].pk}),
        ("org_web", "陈立", Role.ORG, {"scope_id": orgs[0].pk}),
        ("org_care", "周敏", Role.ORG, {"scope_id": orgs[1].pk}),
        ("student_li", "李小明", Role.STUDENT, {"person": student_person}),
        ("learner_zhao", "赵丽华", Role.STUDENT, {"person": learner_person}),
    ]
    rows = []
    for username, full_name, role, options in personas:
        _persona(username, full_name, role, **options)
        rows.append((username, Role(role).label, PERSONA_LABELS[username]))
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


MARKER_USERNAME = "moe_officer"
# Data migrations whose rows ``flush`` removes, besides the provinces and the "2357" caps.
DATA_MIGRATIONS = [("assessments.migrations.0006_monthly_report_schedule", "create_schedule"),
                   ("credit_bank.migrations.0002_sweep_schedule", "add_schedule")]


def demo_present() -> bool:
    return User.objects.filter(username=MARKER_USERNAME).exists()


def personas_list() -> list[tuple[str, str, str]]:
    """The demo accounts as ``seed_demo`` prints them, read from the database."""
    rows = []
    for binding in (RoleBinding.objects.filter(user__username__in=PERSONA_USERNAMES)
                    .select_related("user", "province").order_by("pk")):
        rows.append((binding.user.username, Role(binding.role).label, PERSONA_LABELS.get(binding.user.username, "")))
    return rows


def migration_rows_put_back() -> None:
    """Put back the rows the data migrations wrote (provinces, the "2357" caps, the beat schedules)
    once a ``flush`` has emptied every table: ``seed_demo --rebuild``, and the tests after a
    transactional test."""
    import importlib

    from django.apps import apps

    provinces_ensure()
    caps_ensure()
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


def demo_wipe() -> None:
    """Empty every table (``flush``) and put back what data migrations hold."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    migration_rows_put_back()


def seed_demo(out, *, rebuild: bool = False) -> tuple[list[tuple[str, str, str]], bool]:
    """Build the demo; returns the personas and whether anything was built (False: it was there)."""
    out = out if out is not None else io.StringIO()  # quiet (benchmarks, tests): the steps still report
    if rebuild:
        demo_wipe()
    elif demo_present():
        return personas_list(), False
    with transaction.atomic():
        personas = seed_personas(out)
        for step in STEPS:
            step(out)
    return personas, True
