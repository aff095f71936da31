"""The public X-certificate catalog (no sign-in needed) and the ministry's catalog editing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from certificates.catalog import selectors, services
from certificates.catalog.filters import CertificateFilter
from certificates.catalog.forms import CertificateForm, SkillsForm, StandardUploadForm
from core.choices import choices_answer, filter_choices_answer
from core.errors import AppError, Forbidden
from core.exports import xlsx_response
from core.public_cache import public_page
from core.uploads import stored_file_open

PAGE_SIZE = 25


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in ("page", *names):
        query.pop(name, None)
    return query.urlencode()


def levels_text(certificate) -> str:
    return "；".join(f"{lv.get_level_display()}（{lv.get_assessment_type_display()}，{lv.pass_mark}/{lv.full_mark}）"
                    for lv in certificate.levels.all())


def _export(certificates):
    rows = ((c.code, c.name, c.org.name, c.field, c.batch.name, levels_text(c), c.get_status_display(),
             c.replaced_by.code if c.replaced_by else "") for c in certificates.iterator(chunk_size=500))
    return xlsx_response(_("职业技能等级证书目录"), [_("证书代码"), _("证书名称"), _("培训评价组织"), _("领域"), _("遴选批次"),
                                               _("等级（考核方式，合格分/满分）"), _("状态"), _("替换为")], rows)


SORTABLE = [("code", _lazy("证书代码")), ("name", _lazy("证书名称")), ("org", _lazy("培训评价组织")), ("field", _lazy("领域")),
            ("batch", _lazy("遴选批次"))]


def sort_headers(request) -> dict:
    """Column headers that sort the table: ascending first, then descending."""
    current = request.GET.get("ordering", "")
    base = _query_without(request, "ordering", "export")
    headers = {}
    for key, label in SORTABLE:
        direction = "ascending" if current == key else "descending" if current == f"-{key}" else None
        target = f"-{key}" if current == key else key
        headers[key] = {"label": label, "sort": direction,
                        "url": f"?{base}{'&' if base else ''}ordering={target}"}
    return headers


@public_page
def catalog(request):
    """证书目录: search, filters, sorting, pages, export. Open to everyone."""
    actor = request.actor
    filterset = CertificateFilter(request.GET, queryset=selectors.certificates_visible(actor), request=request)
    if answer := filter_choices_answer(request, filterset, "org"):
        return answer
    certificates = filterset.qs
    if request.GET.get("export") == "xlsx":
        return _export(certificates)
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certificates/catalog.html", {
        "filter": filterset, "page": page, "query": _query_without(request),
        "export_query": _query_without(request, "export"), "headers": sort_headers(request),
        "may": selectors.catalog_access(actor)})


@public_page
def certificate_detail(request, code: str):
    access = selectors.certificate_access(code, actor=request.actor)
    return _detail(request, access, StandardUploadForm() if access.may.upload_standard else None)


def _detail(request, access, standard_form):
    return render(request, "certificates/certificate_detail.html", {
        "access": access, "certificate": access.obj, "standard_form": standard_form,
        "current_standard": next(iter(access.obj.standards.all()), None)})


def standard_download(request, pk: int):
    standard = selectors.standard_for_download(pk, actor=request.actor)
    return FileResponse(stored_file_open(standard.file), as_attachment=True, filename=standard.original_name,
                        content_type=standard.content_type)


@login_required
def certificate_create(request):
    if not selectors.catalog_access(request.actor).create:
        raise Forbidden()
    form = CertificateForm(request.POST or None)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.certificate_create(
                actor=request.actor, code=data["code"], name=data["name"], org=data["org"], batch=data["batch"],
                field=data["field"], levels=form.levels(), majors=form.majors_list(), description=data["description"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("证书“%(name)s”已登记。") % {"name": certificate.name})
            return redirect("certificates:certificate_detail", code=certificate.code)
    return render(request, "certificates/certificate_form.html", {"form": form, "certificate": None})


@login_required
def certificate_edit(request, code: str):
    access = selectors.certificate_access(code, actor=request.actor)
    certificate = access.require("edit")
    form = CertificateForm(request.POST or None, certificate=certificate)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.certificate_update(
                actor=request.actor, certificate=certificate, code=data["code"], name=data["name"], org=data["org"],
                batch=data["batch"], field=data["field"], levels=form.levels(), majors=form.majors_list(),
                description=data["description"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("证书“%(name)s”已修改。") % {"name": certificate.name})
            return redirect("certificates:certificate_detail", code=certificate.code)
    return render(request, "certificates/certificate_form.html", {"form": form, "certificate": certificate})


@login_required
@require_POST
def standard_upload(request, code: str):
    access = selectors.certificate_access(code, actor=request.actor)
    certificate = access.require("upload_standard")
    form = StandardUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.certificate_standard_upload(actor=request.actor, certificate=certificate,
                                                 upload=form.cleaned_data["file"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("标准文件已上传。"))
            return redirect("certificates:certificate_detail", code=certificate.code)
    return _detail(request, access, form)


@login_required
def certificate_skills(request, code: str):
    """The certificate's org keeps each level's 职业技能要求 (the credential page shows them)."""
    access = selectors.certificate_access(code, actor=request.actor)
    certificate = access.require("edit_skills")
    form = SkillsForm(request.POST or None, certificate=certificate)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_skills_set(actor=request.actor, certificate=certificate, skills=form.skills())
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("职业技能要求已保存。"))
            return redirect("certificates:certificate_detail", code=certificate.code)
    return render(request, "certificates/certificate_skills.html", {"form": form, "certificate": certificate})
