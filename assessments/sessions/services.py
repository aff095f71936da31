"""Sites and assessment sessions (考点 / 考核批次): an org schedules a session of one of its published
certificates at one of its sites, changes it while it is open, closes or reopens registration,
cancels it. Absences, results and finalization are in ``assessments.results.services``.

Who may do what is decided by ``assessments.sessions.selectors`` (``sessions_page_access``,
``site_access``, ``session_access``); these services ask it, so a page and the API endpoint of one
operation get the same answer.

Every change is audited (``site.created``, ``site.updated``, ``session.created``, ``session.updated``,
``session.registration_closed``, ``session.registration_opened``, ``session.cancelled``).
"""

import datetime
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.models import Province
from accounts.scoping import Actor
from assessments.models import AssessmentSession, Registration, Result, Site
from assessments.sessions.selectors import session_access, sessions_page_access, site_access
from certificates.catalog.models import Certificate, CertificateLevel, Level
from certificates.issuance.services import certificate_accepts_new_work
from core import normalize
from core.errors import AppError, Forbidden, NotInScope
from organizations.institutions.models import Institution
from organizations.orgs.models import Org
from organizations.supervision.services import org_check_may_operate

SITE_CODE_RE = re.compile(r"^[0-9A-Z]{4,8}$")
MAX_CAPACITY = 100_000
SESSION_FIELDS = ["date", "start_time", "capacity", "examiners", "site"]
SITE_FIELDS = ["name", "province", "city", "address", "institution", "active"]
Status = AssessmentSession.Status


def own_org(actor: Actor) -> Org:
    """The org the actor works for, when it may schedule (403 for any other role)."""
    if not sessions_page_access(actor).schedule:
        raise Forbidden()
    return Org.objects.get(pk=actor.scope.org_id)


def lock_session(session: AssessmentSession) -> AssessmentSession:
    """The session re-read under a row lock: registrations, results and finalization of one
    session are written one writer at a time (capacity is counted under this lock)."""
    return AssessmentSession.objects.select_for_update().select_related("site", "certificate", "org").get(pk=session.pk)


def _check_may(actor: Actor, session: AssessmentSession, action: str) -> Org:
    """The session's org, when the actor may ``action`` the session (404 outside its scope, 403
    for a role that only reads it)."""
    return session_access(actor, session.pk).require(action).org


# --- sites -------------------------------------------------------------------------------------------

def _clean_site(*, name: str, province: Province | None, city: str, address: str,
                institution: Institution | None) -> dict:
    name, city, address = (name or "").strip(), (city or "").strip(), (address or "").strip()
    if not name:
        raise AppError(_("请填写考点名称。"), field="name")
    if len(name) > 128:
        raise AppError(_("考点名称不能超过 128 个字。"), field="name")
    if province is None:
        raise AppError(_("请选择考点所在省份。"), field="province")
    if not address:
        raise AppError(_("请填写考点地址。"), field="address")
    if len(address) > 200 or len(city) > 64:
        raise AppError(_("地址不能超过 200 个字，城市不能超过 64 个字。"), field="address")
    if institution is not None and institution.province_id != province.pk:
        raise AppError(_("所在院校“%(name)s”不在%(province)s。") % {"name": institution.name, "province": province.name},
                       field="institution")
    return {"name": name, "province": province, "city": city, "address": address, "institution": institution}


@transaction.atomic
def site_create(*, actor: Actor, code: str, name: str, province: Province | None, address: str, city: str = "",
                institution: Institution | None = None) -> Site:
    """An org records one of its assessment sites; the site code goes into certificate numbers."""
    org = own_org(actor)
    code = normalize.code(code)
    if not SITE_CODE_RE.match(code):
        raise AppError(_("考点代码应为 4 到 8 位数字或大写字母，当前为“%(v)s”。") % {"v": code}, field="code")
    values = _clean_site(name=name, province=province, city=city, address=address, institution=institution)
    if Site.objects.filter(org=org, code=code).exists():
        raise AppError(_("本组织已有代码为 %(code)s 的考点。") % {"code": code}, field="code")
    site = Site.objects.create(org=org, code=code, **values)
    audit_log(actor=actor, action="site.created", obj=site, province=site.province_id,
              changes={"code": [None, code], **{k: [None, v] for k, v in snapshot(site, SITE_FIELDS).items()}})
    return site


@transaction.atomic
def site_update(*, actor: Actor, site: Site, name: str, province: Province | None, address: str, city: str = "",
                institution: Institution | None = None, active: bool = True) -> Site:
    """Change a site's details; its code never changes (issued certificate numbers carry it).
    Sessions already scheduled keep the province they were scheduled in."""
    site_access(actor, site.pk).require("edit")
    site = Site.objects.select_for_update().get(pk=site.pk)
    values = _clean_site(name=name, province=province, city=city, address=address, institution=institution)
    before = snapshot(site, SITE_FIELDS)
    for key, value in values.items():
        setattr(site, key, value)
    site.active = bool(active)
    site.save()
    changes = diff(before, snapshot(site, SITE_FIELDS))
    if changes:
        audit_log(actor=actor, action="site.updated", obj=site, province=site.province_id, changes=changes)
    return site


# --- sessions ----------------------------------------------------------------------------------------

def _check_schedule(*, date: datetime.date | None, capacity, examiners: str, unchanged_date=None) -> str:
    if date is None:
        raise AppError(_("请填写考核日期。"), field="date")
    if date != unchanged_date and date < timezone.localdate():
        raise AppError(_("考核日期不能早于今天。"), field="date")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise AppError(_("容量应为 1 到 %(max)s 之间的整数。") % {"max": f"{MAX_CAPACITY:,}"}, field="capacity")
    examiners = (examiners or "").strip()
    if len(examiners) > 2000:
        raise AppError(_("考评员名单不能超过 2000 个字。"), field="examiners")
    return examiners


def _check_site(org: Org, site: Site | None) -> Site:
    if site is None:
        raise AppError(_("请选择考点。"), field="site")
    if site.org_id != org.pk:
        raise NotInScope(_("考点不属于本组织。"))
    if not site.active:
        raise AppError(_("考点“%(name)s”已停用。") % {"name": site.name}, field="site")
    return site


@transaction.atomic
def session_create(*, actor: Actor, certificate: Certificate, level: str, site: Site | None,
                   date: datetime.date | None, capacity, start_time: datetime.time | None = None,
                   examiners: str = "") -> AssessmentSession:
    """Schedule a session of one level of one of the org's own certificates. Refused for a
    certificate that is not published, an org that may not start new work, a level the certificate
    does not offer, a date in the past."""
    org = own_org(actor)
    if certificate.org_id != org.pk:
        raise NotInScope(_("证书“%(name)s”不属于本组织。") % {"name": certificate.name})
    org_check_may_operate(org)
    if not certificate_accepts_new_work(certificate):
        raise AppError(_("证书“%(name)s”当前状态为“%(status)s”，不能安排新的考核。") % {
            "name": certificate.name, "status": certificate.get_status_display()}, field="certificate")
    offered = CertificateLevel.objects.filter(certificate=certificate, level=level).first()
    if offered is None:
        raise AppError(_("证书“%(name)s”没有“%(level)s”等级。") % {
            "name": certificate.name, "level": dict(Level.choices).get(level, level)}, field="level")
    site = _check_site(org, site)
    examiners = _check_schedule(date=date, capacity=capacity, examiners=examiners)
    session = AssessmentSession.objects.create(
        org=org, certificate=certificate, level=level, assessment_type=offered.assessment_type, site=site,
        province_id=site.province_id, date=date, start_time=start_time, capacity=capacity, examiners=examiners,
        created_by=actor.user)
    audit_log(actor=actor, action="session.created", obj=session, province=session.province_id, changes={
        "certificate": [None, certificate.pk], "level": [None, level], "assessment_type": [None, offered.assessment_type],
        **{k: [None, v] for k, v in snapshot(session, SESSION_FIELDS).items()}})
    return session


@transaction.atomic
def session_update(*, actor: Actor, session: AssessmentSession, date: datetime.date | None, capacity,
                   start_time: datetime.time | None = None, examiners: str = "",
                   site: Site | None = None) -> AssessmentSession:
    """Reschedule a session before its results are final. The capacity may not fall below the
    candidates already registered."""
    org = _check_may(actor, session, "edit")
    session = lock_session(session)
    if session.status in (Status.FINALIZED, Status.CANCELLED):
        raise AppError(_("考核批次%(status)s，不能再修改。") % {"status": session.get_status_display()})
    org_check_may_operate(org)  # rescheduling is scheduling: refused once the org has left the pilot
    site = _check_site(org, site or session.site)
    if date is not None and date != session.date or site.pk != session.site_id:
        if Result.objects.filter(registration__session=session).exists():
            raise AppError(_("已录入成绩的考核批次不能更改日期或考点。"), field="date")
    examiners = _check_schedule(date=date, capacity=capacity, examiners=examiners, unchanged_date=session.date)
    registered = session.registrations.filter(status=Registration.Status.REGISTERED).count()
    if capacity < registered:
        raise AppError(_("已有 %(n)d 名考生报名，容量不能少于 %(n)d。") % {"n": registered}, field="capacity")
    before = snapshot(session, SESSION_FIELDS)
    moved = (date, site.province_id) != (session.date, session.province_id)
    session.date, session.start_time, session.capacity, session.examiners = date, start_time, capacity, examiners
    session.site, session.province_id = site, site.province_id
    session.save(update_fields=["date", "start_time", "capacity", "examiners", "site", "province"])
    if moved:
        # The facts repeated on the rows for aggregation follow the session.
        session.registrations.update(session_date=date, province_id=site.province_id)
    changes = diff(before, snapshot(session, SESSION_FIELDS))
    if changes:
        audit_log(actor=actor, action="session.updated", obj=session, province=session.province_id, changes=changes)
    return session


@transaction.atomic
def session_registration_set(*, actor: Actor, session: AssessmentSession, open: bool) -> AssessmentSession:
    """Close registration (报名截止) or open it again."""
    _check_may(actor, session, "manage_registration")
    session = lock_session(session)
    if open:
        if session.status != Status.CLOSED:
            raise AppError(_("只有报名已截止的考核批次可以重新开放报名。"))
        if session.date < timezone.localdate():
            raise AppError(_("考核日期已过，不能重新开放报名。"))
        new = Status.SCHEDULED
    else:
        if session.status != Status.SCHEDULED:
            raise AppError(_("该考核批次不在报名中。"))
        new = Status.CLOSED
    old = session.status
    session.status = new
    session.save(update_fields=["status"])
    audit_log(actor=actor, action="session.registration_opened" if open else "session.registration_closed",
              obj=session, province=session.province_id, changes={"status": [old, new]})
    return session


@transaction.atomic
def session_cancel(*, actor: Actor, session: AssessmentSession, reason: str) -> AssessmentSession:
    """Cancel a session that has no results yet; its registrations are cancelled with it."""
    _check_may(actor, session, "cancel")
    session = lock_session(session)
    reason = (reason or "").strip()
    if not reason:
        raise AppError(_("取消考核批次必须说明原因。"), field="reason")
    if session.status in (Status.FINALIZED, Status.CANCELLED):
        raise AppError(_("考核批次%(status)s，不能取消。") % {"status": session.get_status_display()})
    if Result.objects.filter(registration__session=session).exists():
        raise AppError(_("已录入成绩的考核批次不能取消。"))
    old = session.status
    cancelled = session.registrations.filter(status=Registration.Status.REGISTERED).update(
        status=Registration.Status.CANCELLED)
    session.status = Status.CANCELLED
    session.save(update_fields=["status"])
    audit_log(actor=actor, action="session.cancelled", obj=session, province=session.province_id, note=reason[:500],
              changes={"status": [old, Status.CANCELLED], "registrations_cancelled": [0, cancelled]})
    return session
