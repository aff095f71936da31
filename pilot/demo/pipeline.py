"""Demo assessment pipeline: the September–December 2020 assessments of the two demo orgs, at a
hundredth of the speech's figures (47,000 assessed, 17,000 certificates issued: about 470 assessed,
170 issued), every one of them through the real flow: a site of the org in the province, a session
scheduled, the institution's registrations (the social learner learner_zhao registers herself),
scores and absences recorded, the session finalized (one issuance request per pass) and the passes
issued into signed e-certificates some days later. Sessions of late November and December have their
scores but are not finalized yet, so the dashboard shows passes waiting for finalization; one pass
(a name no certificate font can draw) is blocked. An open 中级 session lies in the present.

Only the clock is moved: a session is scheduled for tomorrow and then moved to its historical date,
as if the time had passed, and its certificates are issued with the issuing worker's date set to
the day they would have been issued (``demo_clock``). Idempotent: sites are looked up by code,
sessions by org, certificate, level, site and date.
"""

import contextlib
import datetime
import random
from unittest import mock

from django.utils import timezone

from accounts import services as account_services
from accounts.models import IdType, Province, Role, RoleBinding, User
from accounts.scoping import Actor
from assessments.models import AssessmentSession, Registration, Site
from assessments.registrations.imports import RegistrationRow
from assessments.registrations.services import registration_self_create, registrations_bulk_save
from assessments.results.imports import ResultRow
from assessments.results.services import results_bulk_save, session_finalize
from assessments.sessions.services import session_create, site_create
from certificates.catalog.models import Certificate, CertificateLevel
from certificates.issuance.worker import issuance_run
from organizations.institutions.models import Institution
from pilot.demo import demo_id_number
from pilot.demo.issuance import demo_seals_ensure

WEB_ORG, CARE_ORG = "北京新奥时代科技有限责任公司", "北京中福长者文化科技有限公司"
HELD_ON = datetime.date(2020, 11, 21)  # student_li's session
ISSUED_AFTER = datetime.timedelta(days=12)  # finalized within the week, issued a few days later
# Institutions registering candidates: (school code, persona or a demo account created here, province, city)
SCHOOLS = {
    "whvc": ("4142010834", "whvc_admin", "42"),
    "sdjt": ("4137012862", "sdjt_admin", "37"),
    "gd": ("4144900001", "demo_inst_44", "44"),
    "js": ("4132900001", "demo_inst_32", "32"),
}
# Sites of each org: (org, code, province, city, address, school)
SITES = {
    ("web", "42"): ("4201", "武汉职业技术学院考点", "武汉市", "洪山区珞喻路 463 号", "whvc"),
    ("web", "37"): ("3701", "山东交通职业学院考点", "潍坊市", "奎文区", "sdjt"),
    ("web", "44"): ("4401", "广东考点", "广州市", "天河区", "gd"),
    ("web", "32"): ("3201", "江苏考点", "南京市", "江宁区", "js"),
    ("care", "37"): ("3702", "山东交通职业学院老年照护考点", "潍坊市", "奎文区", "sdjt"),
    ("care", "42"): ("4202", "武汉职业技术学院老年照护考点", "武汉市", "洪山区", "whvc"),
}
# (org, level, province, date, candidates, absent, finalized); student_li sits the 2020-11-21 session,
# learner_zhao the 2020-11-14 one, the blocked name the 2020-09-19 one.
SESSIONS = [
    ("web", "junior", "42", datetime.date(2020, 9, 19), 60, 4, True),
    ("web", "junior", "37", datetime.date(2020, 9, 26), 40, 3, True),
    ("web", "junior", "44", datetime.date(2020, 10, 17), 60, 4, True),
    ("care", "junior", "37", datetime.date(2020, 10, 31), 40, 2, True),
    ("care", "intermediate", "37", datetime.date(2020, 11, 14), 30, 2, True),
    ("web", "junior", "42", HELD_ON, 40, 3, True),
    ("web", "intermediate", "42", datetime.date(2020, 11, 28), 30, 2, False),
    ("web", "junior", "32", datetime.date(2020, 12, 5), 50, 3, False),
    ("web", "junior", "42", datetime.date(2020, 12, 12), 60, 5, False),
    ("care", "junior", "42", datetime.date(2020, 12, 19), 50, 3, False),
]
MAJORS = {"web": ("510203", "软件技术"), "care": ("590302", "老年服务与管理")}
REGIONS = {"42": "420111", "37": "370702", "44": "440106", "32": "320115"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["浩然", "思雨", "子涵", "梓轩", "欣怡", "宇航", "佳琪", "俊杰", "梦瑶", "浩宇", "晨曦", "雨桐", "嘉怡", "子豪",
         "雅婷", "天佑", "诗涵", "志强", "可馨", "文博", "静怡", "明轩", "若曦", "一诺"]
RARE_NAME = "王𪚥"  # no certificate font draws 𪚥: the pass is blocked and the org and institution told why


@contextlib.contextmanager
def demo_clock(day: datetime.date):
    """Today is ``day`` for the code run inside (the issuing worker dates certificates and numbers
    by it): the demo replays 2020 as if the time had passed."""
    with mock.patch("django.utils.timezone.localdate", return_value=day):
        yield


def _actor(username: str, role: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(user=user, binding=RoleBinding.objects.select_related("province").get(user=user, role=role))


def _school(key: str) -> tuple[Actor, Institution] | None:
    school_code, username, province = SCHOOLS[key]
    institution = Institution.objects.filter(school_code=school_code).first()
    if institution is None:
        return None
    if not User.objects.filter(username=username).exists():  # the demo institutions without a persona
        account_services.user_create(actor=None, username=username, full_name=f"{institution.name}管理员",
                                     role=Role.INSTITUTION, province=institution.province, scope_id=institution.pk)
    return _actor(username, "institution"), institution


def _candidates(index: int, count: int, province: str, org_key: str) -> list[RegistrationRow]:
    code, major = MAJORS[org_key]
    rows = []
    for k in range(count):
        birth = datetime.date(2000 + k % 2, 1 + k % 12, 1 + (index * 7 + k) % 28)
        rows.append(RegistrationRow(row=k + 1, id_type=IdType.RESIDENT_ID,
                                    id_number=demo_id_number(REGIONS[province], birth, f"{index * 60 + k:03d}"),
                                    name=SURNAMES[(index * 13 + k) % len(SURNAMES)] + GIVEN[(index + k * 5) % len(GIVEN)],
                                    major_code=code, major_name=major))
    return rows


def _scores(index: int, count: int, absent: int, pass_mark: int) -> list[int | None]:
    """About seven in ten pass; the last ``absent`` candidates did not come."""
    rng = random.Random(2020_09 + index)
    scores: list[int | None] = [max(20, min(100, round(rng.gauss(pass_mark + 6, 12)))) for _ in range(count - absent)]
    return scores + [None] * absent


def seed_pipeline(out) -> None:

    if Institution.objects.filter(school_code=SCHOOLS["whvc"][0]).exists() and Certificate.objects.filter(
            name="Web前端开发", org__name=WEB_ORG, status=Certificate.Status.PUBLISHED).exists():
        demo_seals_ensure()  # seals first: passes are issued, not blocked for want of a seal
    certificates = {key: Certificate.objects.filter(name=name, org__name=org, status=Certificate.Status.PUBLISHED).first()
                    for key, name, org in (("web", "Web前端开发", WEB_ORG), ("care", "老年照护", CARE_ORG))}
    if certificates["web"] is None or Institution.objects.filter(school_code=SCHOOLS["whvc"][0]).first() is None:
        if out is not None:
            out.write("没有已公布的“Web前端开发”证书或武汉职业技术学院，未生成考核数据。\n")
        return
    orgs = {"web": _actor("org_web", "org"), "care": _actor("org_care", "org")}
    made = finalized = 0
    for index, (org_key, level, province, day, count, absent, final) in enumerate(SESSIONS):
        certificate = certificates[org_key]
        if certificate is None or not CertificateLevel.objects.filter(certificate=certificate, level=level).exists():
            continue
        site_code, site_name, city, address, school_key = SITES[(org_key, province)]
        school = _school(school_key)
        if school is None:
            continue
        site = _site(orgs[org_key], certificate, site_code, site_name, province, city, address, school[1])
        if AssessmentSession.objects.filter(org=certificate.org, certificate=certificate, level=level, site=site,
                                            date=day).exists():
            continue
        session = _held_session(orgs[org_key], school, certificate, level, site, day, index, count, absent)
        made += 1
        if final:
            session_finalize(actor=orgs[org_key], session=session)
            finalized += 1

            with demo_clock(day + ISSUED_AFTER):
                issuance_run(max_seconds=120)
    _open_session(orgs["web"], certificates["web"])
    if out is not None and made:
        out.write(f"考核演示数据：{made} 个考核批次（2020年9月至12月），其中 {finalized} 个已确认成绩并发证。\n")


def _site(org: Actor, certificate: Certificate, code: str, name: str, province: str, city: str, address: str,
          institution: Institution) -> Site:

    site = Site.objects.filter(org=certificate.org, code=code).first()
    return site or site_create(actor=org, code=code, name=name, province=Province.objects.get(pk=province), city=city,
                               address=address, institution=institution)


def _held_session(org: Actor, school: tuple[Actor, Institution], certificate: Certificate, level: str, site: Site,
                  day: datetime.date, index: int, count: int, absent: int) -> AssessmentSession:
    session = session_create(actor=org, certificate=certificate, level=level, site=site,
                             date=timezone.localdate() + datetime.timedelta(days=1), capacity=count + 10,
                             start_time=datetime.time(9), examiners="张立（考评员 KP2019001）\n李娟（考评员 KP2019017）")
    rows = _candidates(index, count, site.province_id, "web" if certificate.org.name == WEB_ORG else "care")
    if day == HELD_ON:  # student_li sits this one
        li = User.objects.get(username="student_li").person
        rows[0] = RegistrationRow(row=1, id_type=li.id_type, id_number=li.id_number, name=li.name,
                                  major_code="510203", major_name="软件技术")
    if index == 0:
        rows[1] = RegistrationRow(row=2, id_type=IdType.RESIDENT_ID, name=RARE_NAME, major_code="510203",
                                  major_name="软件技术",
                                  id_number=demo_id_number("420111", datetime.date(2002, 12, 3), "999"))
    registrations_bulk_save(actor=school[0], session=session, rows=rows, institution=school[1], note="演示数据")
    if certificate.org.name == CARE_ORG and level == "intermediate":  # the social learner registers herself
        registration_self_create(actor=_actor("learner_zhao", "student"), session=session)
    # The session was held on its historical date: move it (and the rows that repeat it) there.
    AssessmentSession.objects.filter(pk=session.pk).update(date=day, status=AssessmentSession.Status.CLOSED)
    Registration.objects.filter(session=session).update(session_date=day)
    session.refresh_from_db()
    pass_mark = int(CertificateLevel.objects.get(certificate=certificate, level=level).pass_mark)
    registrations = list(Registration.objects.filter(session=session).order_by("pk").values_list("pk", "person_id"))
    scores = _scores(index, len(registrations), absent, pass_mark)
    special = {User.objects.get(username="student_li").person_id: 86,
               User.objects.get(username="learner_zhao").person_id: 82}
    results = []
    for i, ((pk, person_id), score) in enumerate(zip(registrations, scores, strict=True)):
        score = special.get(person_id, score)
        if index == 0 and i == 1:
            score = 75  # the blocked name passed
        results.append(ResultRow(row=i + 1, registration_id=pk, score=score, absent=score is None))
    results_bulk_save(actor=org, session=session, rows=results, note="演示数据")
    return session


def _open_session(org: Actor, certificate: Certificate) -> None:
    """The present: an open 中级 session next month with the institution's registrations and
    learner_zhao's own."""
    site = Site.objects.filter(org=certificate.org, code=SITES[("web", "42")][0]).first()
    if site is None or not CertificateLevel.objects.filter(certificate=certificate, level="intermediate").exists():
        return
    session = AssessmentSession.objects.filter(org=certificate.org, certificate=certificate, level="intermediate",
                                               site=site, status=AssessmentSession.Status.SCHEDULED).first()
    if session is None:
        school = _school("whvc")
        session = session_create(actor=org, certificate=certificate, level="intermediate", site=site,
                                 date=timezone.localdate() + datetime.timedelta(days=30), capacity=40,
                                 start_time=datetime.time(14), examiners="张立（考评员 KP2019001）")
        registrations_bulk_save(actor=school[0], session=session, rows=_candidates(15, 12, "42", "web"),
                                institution=school[1], note="演示数据")
    zhao = User.objects.get(username="learner_zhao")
    if not Registration.objects.filter(session=session, person=zhao.person).exists():
        registration_self_create(actor=_actor("learner_zhao", "student"), session=session)
