"""The org registry (ministry), the org profile (ministry and the org itself) and org accounts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.forms import add_app_error
from accounts.personal_data import Field
from core.errors import AppError, Forbidden
from core.exports import xlsx_response
from core.public_cache import public_page
from organizations.hooks import org_profile_sections
from organizations.orgs import selectors as orgs_selectors
from organizations.orgs import services
from organizations.orgs.forms import OrgAccountForm, OrgFilterForm, OrgForm
from organizations.orgs.models import Org
from organizations.seals import selectors as seals_selectors
from organizations.supervision import selectors as supervision_selectors

_EXPORT_HEADERS = [gettext_lazy("组织编码"), gettext_lazy("名称"), gettext_lazy("统一社会信用代码"), gettext_lazy("类型"),
                   gettext_lazy("遴选批次"), gettext_lazy("状态"), gettext_lazy("联系人"), gettext_lazy("联系电话"),
                   gettext_lazy("联系邮箱"), gettext_lazy("地址"), gettext_lazy("网站"), gettext_lazy("电子公章版本"),
                   gettext_lazy("登记时间")]


def _export_row(access):
    org, contact = access.obj, (lambda value: access.show(Field.ORG_CONTACT, value))
    return (org.code, org.name, org.credit_code, org.get_org_type_display(), org.batch_number,
            org.get_status_display(), contact(org.contact_name), contact(org.contact_phone),
            contact(org.contact_email), contact(org.address), org.website, org.current_seal_version, org.created_at)


@login_required
def org_list(request):
    form = OrgFilterForm(request.GET or None)
    orgs = orgs_selectors.orgs_registry(request.actor, **form.filters())
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("培训评价组织"), [str(h) for h in _EXPORT_HEADERS],
                             (_export_row(a) for a in orgs_selectors.org_rows(request.actor, orgs)))
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(orgs, 30).get_page(request.GET.get("page"))
    return render(request, "organizations/org_list.html", {
        "form": form, "page": page, "rows": orgs_selectors.org_rows(request.actor, page.object_list),
        "query": query.urlencode(), "registry": orgs_selectors.registry_access(request.actor)})


@login_required
def org_create(request):
    if "create" not in orgs_selectors.registry_access(request.actor):
        raise Forbidden()
    form = OrgForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.org_create(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("已登记“%(name)s”，组织编码 %(code)s。") % {"name": org.name, "code": org.code})
            return redirect("organizations:org_detail", pk=org.pk)
    return render(request, "organizations/org_form.html", {"form": form})


@login_required
def org_edit(request, pk: int):
    org = orgs_selectors.org_access(request.actor, pk).require("edit")
    form = OrgForm.for_org(org, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.org_update(actor=request.actor, org=org, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("组织信息已保存。"))
            return redirect("organizations:org_detail", pk=org.pk)
    return render(request, "organizations/org_form.html", {"form": form, "org": org})


@login_required
def org_mine(request):
    return redirect("organizations:org_detail", pk=orgs_selectors.org_own(request.actor).pk)


@public_page
def org_status_list(request):
    """The public list of the pilot's orgs with their current status and its date (anyone)."""
    status = request.GET.get("status", "")
    orgs = orgs_selectors.orgs_status_public(status=status)
    counts = orgs_selectors.org_status_counts_public()
    return render(request, "organizations/org_status_list.html", {
        "page": Paginator(orgs, 50).get_page(request.GET.get("page")), "status": status,
        "tabs": [(value, label, counts[value]) for value, label in Org.Status.choices],
        "query": f"status={status}" if status else ""})


@login_required
def org_detail(request, pk: int):
    actor = request.actor
    access = orgs_selectors.org_access(actor, pk)
    org = access.obj
    seals = seals_selectors.org_seals(access)
    staff = orgs_selectors.org_staff(actor, org) if access.may.read_staff else None
    export = request.GET.get("export")
    if export == "seals" and seals is not None:
        return xlsx_response(_("电子公章版本") + f"-{org.code or org.pk}",
                             [_("版本"), _("上传时间"), _("上传人"), _("宽（像素）"), _("高（像素）"), _("印面直径（毫米）"),
                              _("文件大小（字节）")],
                             ((s.version, s.uploaded_at, str(s.uploaded_by or _("系统")), s.width_px, s.height_px,
                               s.printed_mm, s.size) for s in seals))
    if export == "staff" and staff is not None:
        return xlsx_response(_("组织账户") + f"-{org.code or org.pk}",
                             [_("用户名"), _("姓名"), _("电子邮箱"), _("手机号码"), _("状态"), _("最近登录")],
                             ((a.obj.username, a.show(Field.NAME, a.obj.full_name), a.show(Field.EMAIL, a.obj.email),
                               a.show(Field.PHONE, a.obj.phone), _("已激活") if a.obj.is_active else _("未激活"),
                               a.obj.last_login) for a in staff))
    seal_list = list(seals) if seals is not None else None
    return render(request, "organizations/org_detail.html", {
        "access": access, "org": org, "latest_action": supervision_selectors.org_latest_action(org),
        "current_seal": seal_list[0] if seal_list else None, "seals": seal_list, "staff": staff,
        "seal_refusal": seals_selectors.seal_upload_refusal(org) if access.may.upload_seal else None,
        "sections": org_profile_sections(actor, org)})


@login_required
def org_account_create(request, pk: int):
    org = orgs_selectors.org_access(request.actor, pk).require("create_account")
    form = OrgAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, code = services.org_account_create(actor=request.actor, org=org, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            return render(request, "accounts/code_issued.html", {"managed": user, "code": code, "created": True})
    return render(request, "organizations/org_account_form.html", {"form": form, "org": org})
