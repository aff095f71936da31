"""Demo assessment pipeline: a site of the Web前端开发 org at 武汉职业技术学院, a finalized 初级 session
(held 2020-11-21) in which the demo student student_li passed, so issuance can issue their
certificate, and an open 中级 session with the institution's registrations and the social learner
learner_zhao's own registration.

Everything goes through the services (registrations, scores, finalization with its issuance
requests), except the clock: the finalized session is scheduled for tomorrow and then moved to its
historical date, as if the time had passed. Idempotent: the site is looked up by its code, the
sessions by org, certificate, level and site, the learner's registration by person and session.
"""

import datetime

from django.utils import timezone

from accounts.models import IdType, RoleBinding, User
from accounts.scoping import Actor
from assessments.models import AssessmentSession, Registration, Site
from assessments.registrations.imports import RegistrationRow
from assessments.registrations.services import registration_self_create, registrations_bulk_save
from assessments.results.imports import ResultRow
from assessments.results.services import results_bulk_save, session_finalize
from assessments.sessions.services import session_create, site_create
from certificates.catalog.models import Certificate
from organizations.institutions.models import Institution
from pilot.demo import demo_id_number

ORG_NAME = "北京新奥时代科技有限责任公司"
HELD_ON = datetime.date(2020, 11, 21)
SITE_CODE = "4201"
NAMES = ["王浩然", "刘思雨", "陈子涵", "杨梓轩", "黄欣怡", "赵宇航", "吴佳琪", "周俊杰", "徐梦瑶", "孙浩宇", "马晨曦", "朱雨桐",
         "胡嘉怡", "郭子豪", "何雅婷", "高天佑", "林诗涵", "罗志强", "郑可馨"]
# Scores of the generated classmates in the finalized session (student_li scores 86).
SCORES = [78, 91, 55, 64, 82, 47, 70, 88, 59, 73, 66, 95, 52, 80, 61, "缺考", 76, 68, 84]


def _actor(username: str, role: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(user=user, binding=RoleBinding.objects.select_related("province").get(user=user, role=role))


def _classmates(first_seq: int, count: int, major: str) -> list[RegistrationRow]:
    rows = []
    for i in range(count):
        birth = datetime.date(2002, 1 + i % 12, 1 + (first_seq + i) % 28)
        rows.append(RegistrationRow(row=i + 2, id_type=IdType.RESIDENT_ID,
                                    id_number=demo_id_number("420111", birth, f"{first_seq + i:03d}"),
                                    name=NAMES[i % len(NAMES)], major_code="510203", major_name=major))
    return rows


def seed_pipeline(out) -> None:
    certificate = Certificate.objects.filter(name="Web前端开发", org__name=ORG_NAME,
                                             status=Certificate.Status.PUBLISHED).first()
    institution = Institution.objects.filter(school_code="4142010834").first()
    if certificate is None or institution is None:
        if out is not None:
            out.write("没有已公布的“Web前端开发”证书或武汉职业技术学院，未生成考核数据。\n")
        return
    org = _actor("org_web", "org")
    school = _actor("whvc_admin", "institution")
    site = Site.objects.filter(org=certificate.org, code=SITE_CODE).first() or site_create(
        actor=org, code=SITE_CODE, name="武汉职业技术学院考点", province=institution.province, city="武汉市",
        address="洪山区珞喻路 463 号", institution=institution)
    _finalized_session(org, school, certificate, site)
    _open_session(org, school, certificate, site)


def _finalized_session(org: Actor, school: Actor, certificate: Certificate, site: Site) -> None:
    if AssessmentSession.objects.filter(org=certificate.org, certificate=certificate, level="junior", site=site,
                                        date=HELD_ON).exists():
        return
    session = session_create(actor=org, certificate=certificate, level="junior", site=site,
                             date=timezone.localdate() + datetime.timedelta(days=1), capacity=60,
                             start_time=datetime.time(9), examiners="张立（考评员 KP2019001）\n李娟（考评员 KP2019017）")
    li = User.objects.get(username="student_li").person
    rows = [RegistrationRow(row=1, id_type=li.id_type, id_number=li.id_number, name=li.name, major_code="510203",
                            major_name="软件技术"), *_classmates(501, len(NAMES), "软件技术")]
    outcome = registrations_bulk_save(actor=school, session=session, rows=rows, institution=school_institution(school),
                                      note="演示数据")
    # The session was held on its historical date: move it (and the rows that repeat it) there.
    AssessmentSession.objects.filter(pk=session.pk).update(date=HELD_ON, status=AssessmentSession.Status.CLOSED)
    Registration.objects.filter(session=session).update(session_date=HELD_ON)
    session.refresh_from_db()
    scores = [86, *SCORES]
    results = [ResultRow(row=i + 1, registration_id=pk, score=None if s == "缺考" else s, absent=s == "缺考")
               for i, (pk, s) in enumerate(zip(outcome.registration_ids, scores, strict=True))]
    results_bulk_save(actor=org, session=session, rows=results, note="演示数据")
    session_finalize(actor=org, session=session)


def _open_session(org: Actor, school: Actor, certificate: Certificate, site: Site) -> None:
    session = AssessmentSession.objects.filter(org=certificate.org, certificate=certificate, level="intermediate",
                                               site=site, status=AssessmentSession.Status.SCHEDULED).first()
    if session is None:
        session = session_create(actor=org, certificate=certificate, level="intermediate", site=site,
                                 date=timezone.localdate() + datetime.timedelta(days=30), capacity=40,
                                 start_time=datetime.time(14), examiners="张立（考评员 KP2019001）")
        registrations_bulk_save(actor=school, session=session, rows=_classmates(601, 12, "计算机应用技术"),
                                institution=school_institution(school), note="演示数据")
    zhao = User.objects.get(username="learner_zhao")
    if not Registration.objects.filter(session=session, person=zhao.person).exists():
        registration_self_create(actor=_actor("learner_zhao", "student"), session=session)


def school_institution(actor: Actor) -> Institution:
    return Institution.objects.get(pk=actor.binding.scope_id)
