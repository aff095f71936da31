"""The org registry: creating and editing training and evaluation orgs, their portal code and
their staff accounts. Status is not edited here: supervision services change it, with a reason."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.audit import audit_log, diff, snapshot
from accounts.models import Role, User
from accounts.scoping import Actor
from core import normalize, stamps
from core.errors import AppError, Forbidden
from organizations.orgs.models import Org
from organizations.orgs.selectors import org_access_of, registry_access
from organizations.orgs.validators import normalize_credit_code

# The fields the registry edits; status and code are never among them.
EDITABLE_FIELDS = ("name", "credit_code", "org_type", "batch_number", "contact_name", "contact_phone",
                   "contact_email", "address", "website")
ORG_CODE_WIDTH = 4
_CODE_ATTEMPTS = 10
_PHONE_RE = re.compile(r"^[0-9+()\- ]{5,32}$")


def _clean_fields(values: dict) -> dict:
    """The registry's rules for each field, with messages that name the field."""
    clean = {}
    if "name" in values:
        clean["name"] = (values["name"] or "").strip()
        if not clean["name"]:
            raise AppError(_("请填写组织名称。"), field="name")
        if len(clean["name"]) > 128:
            raise AppError(_("组织名称不能超过 128 个字。"), field="name")
    if "credit_code" in values:
        clean["credit_code"] = normalize_credit_code(values["credit_code"])
    if "org_type" in values:
        if values["org_type"] not in Org.OrgType.values:
            raise AppError(_("请选择有效的组织类型。"), field="org_type")
        clean["org_type"] = values["org_type"]
    if "batch_number" in values:
        batch = values["batch_number"]
        if batch in ("", None):
            batch = None
        else:
            try:
                batch = normalize.integer(batch)
            except (TypeError, ValueError):
                batch = 0
            if not 1 <= batch <= 99:
                raise AppError(_("遴选批次应为 1 到 99 之间的整数。"), field="batch_number")
        clean["batch_number"] = batch
    for name in ("contact_name", "address"):
        if name in values:
            clean[name] = (values[name] or "").strip()
    if "contact_phone" in values:
        phone = normalize.phone(values["contact_phone"])
        if phone and not _PHONE_RE.match(phone):
            raise AppError(_("联系电话格式不正确：只能包含数字、空格和 + - ( )。"), field="contact_phone")
        clean["contact_phone"] = phone
    if "contact_email" in values:
        email = (values["contact_email"] or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise AppError(_("联系邮箱格式不正确。"), field="contact_email") from None
        clean["contact_email"] = email
    if "website" in values:
        website = (values["website"] or "").strip()
        if website:
            try:
                URLValidator(schemes=["http", "https"])(website)
            except ValidationError:
                raise AppError(_("网站地址应以 http:// 或 https:// 开头。"), field="website") from None
        clean["website"] = website
    return clean


def _check_unique(clean: dict, *, exclude_pk: int | None = None) -> None:
    others = Org.objects.exclude(pk=exclude_pk) if exclude_pk else Org.objects.all()
    if "credit_code" in clean:
        holder = others.filter(credit_code=clean["credit_code"]).first()
        if holder is not None:
            raise AppError(_("统一社会信用代码 %(code)s 已被“%(name)s”使用，不能重复登记。") % {
                "code": clean["credit_code"], "name": holder.name}, field="credit_code", code="duplicate_credit_code")
    if "name" in clean and others.filter(name=clean["name"]).exists():
        raise AppError(_("名为“%(name)s”的培训评价组织已经存在。") % {"name": clean["name"]}, field="name",
                       code="duplicate_name")


def _next_org_code() -> str:
    highest = Org.objects.filter(code__regex=rf"^[0-9]{{{ORG_CODE_WIDTH}}}$").aggregate(m=Max("code"))["m"]
    number = int(highest) + 1 if highest else 1
    if number >= 10 ** ORG_CODE_WIDTH:
        raise AppError(_("组织编码已用尽，请联系系统管理员。"), code="org_code_exhausted")
    return f"{number:0{ORG_CODE_WIDTH}d}"


def org_code_ensure(*, org: Org) -> str:
    """Give ``org`` the next free 4-digit portal code unless it has one. Two creations at once may
    pick the same number: the unique constraint refuses the second, which then takes the next."""
    if org.code:
        return org.code
    for _attempt in range(_CODE_ATTEMPTS):
        candidate = _next_org_code()
        try:
            with transaction.atomic():
                if Org.objects.filter(pk=org.pk, code__isnull=True).update(code=candidate) == 0:
                    org.refresh_from_db(fields=["code"])
                    return org.code
        except IntegrityError:
            continue
        org.code = candidate
        return candidate
    raise AppError(_("暂时无法分配组织编码，请稍后重试。"), code="org_code_busy")


@transaction.atomic
def org_create(*, actor: Actor | None, name: str, credit_code: str, org_type: str, batch_number: int | None = None,
               contact_name: str = "", contact_phone: str = "", contact_email: str = "", address: str = "",
               website: str = "") -> Org:
    """Register an org (ministry only) and allocate its portal code."""
    # None: the system itself (demo data, management commands)
    if actor is not None and "create" not in registry_access(actor):
        raise Forbidden()
    clean = _clean_fields({
        "name": name, "credit_code": credit_code, "org_type": org_type, "batch_number": batch_number,
        "contact_name": contact_name, "contact_phone": contact_phone, "contact_email": contact_email,
        "address": address, "website": website})
    _check_unique(clean)
    try:
        with transaction.atomic():
            org = Org.objects.create(**clean)
    except IntegrityError:  # a concurrent registration of the same name or code won the race
        _check_unique(clean)
        raise
    org_code_ensure(org=org)
    audit_log(actor=actor, action="org.created", obj=org,
              changes={name: [None, value] for name, value in snapshot(org, (*EDITABLE_FIELDS, "code")).items()
                       if value not in ("", None)})
    return org


@transaction.atomic
def org_update(*, actor: Actor | None, org: Org, **values) -> Org:
    """Edit an org's registry facts (ministry only); records the changed fields."""
    if actor is not None:  # None: the system itself (demo data, management commands)
        org_access_of(actor, org).require("edit")
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise AppError(_("这些字段不能在此修改：%(fields)s。") % {"fields": "、".join(sorted(unknown))},
                       code="not_editable")
    clean = _clean_fields(values)
    org = Org.objects.select_for_update().get(pk=org.pk)
    _check_unique(clean, exclude_pk=org.pk)
    before = snapshot(org, EDITABLE_FIELDS)
    for name, value in clean.items():
        setattr(org, name, value)
    changes = diff(before, snapshot(org, EDITABLE_FIELDS))
    if changes:
        org.save(update_fields=list(changes))
        stamps.renew(stamps.name(stamps.ORG, org.pk))  # answers kept about its certificates name it
        audit_log(actor=actor, action="org.updated", obj=org, changes=changes)
    return org


def org_account_create(*, actor: Actor, org: Org, username: str, full_name: str, email: str = "",
                       phone: str = "") -> tuple[User, str]:
    """An account for one of the org's staff, created by the ministry; returns the user and the
    one-time activation code to show once."""
    org_access_of(actor, org).require("create_account")
    return account_services.user_create(actor=actor, username=username, full_name=full_name, email=email,
                                        phone=phone, role=Role.ORG, scope_id=org.pk)
