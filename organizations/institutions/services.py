"""The institution registry (院校名录): a province maintains the institutions of its own province
and creates their accounts; the ministry reads every province's."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.audit import audit_log, diff, snapshot
from accounts.models import Province, Role, User
from accounts.scoping import Actor
from core.errors import AppError, Forbidden
from organizations.institutions.models import Alliance, Institution
from organizations.institutions.selectors import institution_access, registry_access
from organizations.orgs.validators import normalize_school_code

FIELDS = ["name", "school_code", "institution_type", "city", "alliance"]


def _own_province(actor: Actor) -> Province:
    """The province whose registry the actor keeps (a provincial department may register)."""
    if "create" not in registry_access(actor):
        raise Forbidden()
    return Province.objects.get(pk=actor.province_code)


def _own_institution(actor: Actor, institution: Institution, action: str) -> Province:
    """The institution's province, once ``action`` is allowed: 404 outside the actor's scope, 403
    for a role that may only read it."""
    institution_access(actor, institution.pk).require(action)
    return Province.objects.get(pk=institution.province_id)


def _check(*, province: Province, name: str, school_code: str, institution_type: str, city: str,
           alliance: Alliance | None, exclude_pk: int | None = None) -> tuple[str, str, str]:
    name, city = (name or "").strip(), (city or "").strip()
    if not name:
        raise AppError(_("请填写院校名称。"), field="name")
    if len(name) > 128:
        raise AppError(_("院校名称不能超过 128 个字。"), field="name")
    code = normalize_school_code(school_code)
    if institution_type not in Institution.InstitutionType.values:
        raise AppError(_("请选择院校类型。"), field="institution_type")
    if alliance is not None and alliance.province_id != province.pk:
        raise AppError(_("只能选择本省的院校联盟。"), field="alliance")
    others = Institution.objects.exclude(pk=exclude_pk) if exclude_pk else Institution.objects.all()
    taken = others.filter(school_code=code).select_related("province").first()
    if taken is not None:
        raise AppError(_("学校标识码 %(code)s 已登记为“%(name)s”（%(province)s），不能重复登记。") % {
            "code": code, "name": taken.name, "province": taken.province.name}, field="school_code",
            code="duplicate_school_code")
    same_name = others.filter(province=province, name=name).first()
    if same_name is not None:
        raise AppError(_("本省已登记名为“%(name)s”的院校（学校标识码 %(code)s）。") % {
            "name": name, "code": same_name.school_code}, field="name", code="duplicate_name")
    return name, code, city


@transaction.atomic
def institution_create(*, actor: Actor, name: str, school_code: str, institution_type: str, city: str = "",
                       alliance: Alliance | None = None) -> Institution:
    """Register an institution of the actor's own province."""
    province = _own_province(actor)
    name, code, city = _check(province=province, name=name, school_code=school_code,
                              institution_type=institution_type, city=city, alliance=alliance)
    institution = Institution.objects.create(name=name, school_code=code, institution_type=institution_type,
                                             province=province, city=city, alliance=alliance)
    audit_log(actor=actor, action="institution.created", obj=institution, province=province,
              changes=diff({}, snapshot(institution, FIELDS)))
    return institution


@transaction.atomic
def institution_update(*, actor: Actor, institution: Institution, name: str, school_code: str,
                       institution_type: str, city: str = "", alliance: Alliance | None = None) -> Institution:
    """Correct an institution's record. Its province never changes: the province owns it."""
    province = _own_institution(actor, institution, "edit")
    name, code, city = _check(province=province, name=name, school_code=school_code,
                              institution_type=institution_type, city=city, alliance=alliance,
                              exclude_pk=institution.pk)
    before = snapshot(institution, FIELDS)
    institution.name, institution.school_code, institution.institution_type = name, code, institution_type
    institution.city, institution.alliance = city, alliance
    changes = diff(before, snapshot(institution, FIELDS))
    if changes:
        institution.save()
        audit_log(actor=actor, action="institution.updated", obj=institution, province=province, changes=changes)
    return institution


def institution_account_create(*, actor: Actor, institution: Institution, username: str, full_name: str,
                               email: str = "", phone: str = "") -> tuple[User, str]:
    """An account for one of the province's institutions; returns it and its one-time code."""
    province = _own_institution(actor, institution, "create_account")
    return account_services.user_create(actor=actor, username=username, full_name=full_name, email=email,
                                        phone=phone, role=Role.INSTITUTION, province=province,
                                        scope_id=institution.pk)
