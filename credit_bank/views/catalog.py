"""The catalog of recognized outcomes (read by staff, kept by the ministry), the ministry's statistics
(a province sees its own), and the public page of a shared transcript."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache

from accounts.forms import add_app_error
from certificates.catalog.models import Certificate, Level
from core.errors import AppError, NotInScope
from core.exports import xlsx_response
from credit_bank import selectors
from credit_bank.forms import CatalogForm
from credit_bank.models import DEFAULT_LEVEL_CREDITS
from credit_bank.services import outcomes as outcome_services


@login_required
def catalog(request):
    access = selectors.credit_bank_access(request.actor)
    access.require("staff")
    query = request.GET.get("q", "").strip()
    rows = selectors.catalog_rows(query=query)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("学习成果认定目录"), [_("证书代码"), _("证书"), _("培训评价组织"), _("等级"), _("认定学分"),
                                               _("目录版本"), _("调整时间")],
                             ((r["certificate"].code, r["certificate"].name, r["certificate"].org.name, r["level_label"],
                               r["credits"], r["version"] or _("默认"), r["updated_at"]) for r in rows))
    return render(request, "credit_bank/catalog.html", {
        "rows": rows, "q": query, "query": f"q={quote(query)}", "access": access,
        "defaults": [(Level(k).label, v) for k, v in DEFAULT_LEVEL_CREDITS.items()]})


@login_required
def catalog_edit(request, certificate_id: int, level: str):
    selectors.credit_bank_access(request.actor).require("edit_catalog")
    level_row = selectors.catalog_level_get(certificate_id=certificate_id, level=level)
    certificate: Certificate = level_row.certificate
    current = selectors.catalog_credits(certificate_id=certificate.pk, level=level)
    form = CatalogForm(request.POST or None, initial={"credits": current})
    if request.method == "POST" and form.is_valid():
        try:
            outcome_services.catalog_credits_set(actor=request.actor, certificate=certificate, level=level,
                                                 **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("%(name)s（%(level)s）的认定学分已调整。") % {
                "name": certificate.name, "level": level_row.get_level_display()})
            return redirect("credit:catalog")
    return render(request, "credit_bank/catalog_edit.html", {
        "certificate": certificate, "level": level_row, "current": current, "form": form,
        "history": selectors.catalog_history(certificate_id=certificate.pk, level=level)})


STATS_TABLES = {
    "province": (_l("按省份统计"), [
        ("province", _l("省份")), ("outcomes", _l("学习成果")), ("valid", _l("有效成果")), ("revoked", _l("已撤销")),
        ("credits", _l("认定学分")), ("requests", _l("转换申请")), ("approved", _l("已认定")), ("declined", _l("未通过")),
        ("pending", _l("待审核")), ("converted_credits", _l("转换学分"))]),
    "certificate": (_l("按证书统计"), [
        ("certificate", _l("证书")), ("level", _l("等级")), ("outcomes", _l("学习成果")), ("valid", _l("有效成果")),
        ("credits", _l("认定学分")), ("requests", _l("转换申请")), ("approved", _l("已认定")),
        ("converted_credits", _l("转换学分"))]),
    "major": (_l("按专业统计"), [
        ("major_code", _l("专业代码")), ("major_name", _l("专业名称")), ("institutions", _l("院校数")),
        ("rules", _l("生效规则")), ("requests", _l("转换申请")), ("approved", _l("已认定")), ("declined", _l("未通过")),
        ("pending", _l("待审核")), ("converted_credits", _l("转换学分"))]),
}


@login_required
def stats(request):
    """Outcomes and conversions by province, certificate and major; every table exports to XLSX."""
    selectors.credit_bank_access(request.actor).require("stats")
    data = {"province": selectors.stats_by_province(actor=request.actor),
            "certificate": selectors.stats_by_certificate(actor=request.actor),
            "major": selectors.stats_by_major(actor=request.actor)}
    export = request.GET.get("export")
    if export in STATS_TABLES:
        title, columns = STATS_TABLES[export]
        return xlsx_response(_("学分银行统计-%(t)s") % {"t": title}, [str(label) for _key, label in columns],
                             ([row[key] for key, _label in columns] for row in data[export]))
    text_columns = {"province": 1, "certificate": 2, "major": 2}
    tables = [{"key": key, "title": title, "columns": columns, "text_columns": text_columns[key],
               "rows": [[row[k] for k, _label in columns] for row in data[key]]}
              for key, (title, columns) in STATS_TABLES.items()]
    totals = selectors.stats_totals(data["province"], ("outcomes", "valid", "credits", "requests", "approved",
                                                       "converted_credits"))
    return render(request, "credit_bank/stats.html", {"tables": tables, "totals": totals})


@never_cache
def transcript_verify(request, token: str):
    """The public page of a shared transcript (anyone with the link; the name masked, no ID)."""
    check = selectors.transcript_verify(token=token)
    if not check.found:
        raise NotInScope(_("成绩单查验链接无效。请向成绩单持有人索取正确的链接。"))
    response = render(request, "credit_bank/transcript_verify.html", {"check": check, "c": check.content})
    response["X-Robots-Tag"] = "noindex, nofollow"  # a shared link, not a page for search engines
    return response
