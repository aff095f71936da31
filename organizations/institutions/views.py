"""Pages of the institution registry (院校名录) under /orgs/institutions/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from core.errors import AppError, Forbidden
from core.exports import xlsx_response
from organizations.institutions import selectors, services
from organizations.institutions.forms import InstitutionAccountForm, InstitutionFilterForm, InstitutionForm

EXPORT_HEADERS = (gettext_lazy("学校标识码"), gettext_lazy("院校名称"), gettext_lazy("类型"), gettext_lazy("省份"),
                  gettext_lazy("城市"), gettext_lazy("所属院校联盟"))


@login_required
def institution_list(request):
    registry = selectors.registry_access(request.actor)
    if "read" not in registry:
        raise Forbidden()
    form = InstitutionFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"query": data["q"].strip(), "institution_type": data["institution_type"],
                   "province": data["province"].code if data["province"] else ""}
    institutions = selectors.institutions_visible(request.actor, **filters)
    if request.GET.get("export") == "xlsx":
        rows = ((i.school_code, i.name, i.get_institution_type_display(), i.province.name, i.city,
                 i.alliance.name if i.alliance else "") for i in institutions.iterator(chunk_size=2000))
        return xlsx_response(_("院校名录"), [str(h) for h in EXPORT_HEADERS], rows)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "organizations/institutions.html", {
        "form": form, "page": Paginator(institutions, 30).get_page(request.GET.get("page")),
        "query": query.urlencode(), "registry": registry})


@login_required
def institution_create(request):
    if "create" not in selectors.registry_access(request.actor):
        raise Forbidden()
    form = InstitutionForm(request.POST or None, alliances=selectors.alliances_of_province(request.actor))
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(actor=request.actor, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("院校“%(name)s”已登记。") % {"name": institution.name})
            return redirect("organizations:institution_detail", pk=institution.pk)
    return render(request, "organizations/institution_form.html", {"form": form, "institution": None})


@login_required
def institution_edit(request, pk: int):
    institution = selectors.institution_access(request.actor, pk).require("edit")
    initial = {"name": institution.name, "school_code": institution.school_code,
               "institution_type": institution.institution_type, "city": institution.city,
               "alliance": institution.alliance}
    form = InstitutionForm(request.POST or None, initial=initial,
                           alliances=selectors.alliances_of_province(request.actor))
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(actor=request.actor, institution=institution, **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("院校信息已更新。"))
            return redirect("organizations:institution_detail", pk=institution.pk)
    return render(request, "organizations/institution_form.html", {"form": form, "institution": institution})


@login_required
def institution_detail(request, pk: int):
    access = selectors.institution_access(request.actor, pk)
    return render(request, "organizations/institution_detail.html", {
        "access": access, "institution": access.obj,
        "accounts": selectors.institution_accounts(request.actor, access.obj),
        "account_form": InstitutionAccountForm() if access.may.create_account else None})


@login_required
@require_POST
def institution_account_create(request, pk: int):
    access = selectors.institution_access(request.actor, pk)
    institution = access.require("create_account")
    form = InstitutionAccountForm(request.POST)
    if form.is_valid():
        try:
            user, code = services.institution_account_create(actor=request.actor, institution=institution,
                                                             **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            return render(request, "accounts/code_issued.html", {"managed": user, "code": code, "created": True})
    return render(request, "organizations/institution_detail.html", {
        "access": access, "institution": institution,
        "accounts": selectors.institution_accounts(request.actor, institution), "account_form": form}, status=400)
