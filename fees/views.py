from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.forms import add_app_error
from core.choices import choices_answer
from core.errors import AppError, Forbidden
from core.exports import xlsx_response
from core.public_cache import public_page
from fees import selectors, services
from fees.forms import ItemsForm, PaymentForm, ProposalForm, VerifyForm
from fees.models import CostItem, FeeThread


@login_required
def index(request):
    actor = request.actor
    page_access = selectors.fees_access(actor)
    selectors.require_negotiation_reader(actor)
    threads = selectors.threads_visible(actor).order_by("-opened_at")
    status = request.GET.get("status", "")
    if status in FeeThread.Status.values:
        threads = threads.filter(status=status)
    province = request.GET.get("province", "")
    if province and page_access.filter_by_province:
        threads = threads.filter(province_id=province)
    waiting_provinces = selectors.waiting_by_province(actor) if page_access.waiting_by_province else []
    export = request.GET.get("export")
    if export == "xlsx":
        rows = ((t.certificate.name, t.get_level_display() or _("各等级统一"), t.province.name, t.org.name,
                 t.get_assessment_type_display(), t.get_status_display(), t.version_count, t.opened_at,
                 t.waiting_days) for t in threads)
        return xlsx_response(_("费用标准协商"), [_("证书"), _("等级"), _("省份"), _("培训评价组织"), _("考核方式"),
                                              _("状态"), _("版本数"), _("提出时间"), _("已等待核定（天）")], rows)
    if export == "waiting_provinces":
        return xlsx_response(_("各省等待核定的费用标准"), [_("省份"), _("等待核定（项）"), _("最长已等待（天）")],
                             ((w["province_name"], w["waiting"], w["longest_days"]) for w in waiting_provinces))
    waiting = selectors.threads_waiting(actor)
    page = Paginator(threads, 30).get_page(request.GET.get("page"))
    return render(request, "fees/index.html", {
        "page": page, "waiting": waiting[:20], "waiting_count": waiting.count(), "waiting_provinces": waiting_provinces,
        "status": status, "province": province, "fees_access": page_access,
        "provinces": selectors.provinces() if page_access.filter_by_province else None,
        "query": f"status={status}&province={province}"})


@login_required
def proposal_new(request):
    actor = request.actor
    if "propose" not in selectors.fees_access(actor):
        raise Forbidden()
    form = ProposalForm(request.POST or None, certificates=selectors.proposable_certificates(actor))
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.fee_proposal_submit(actor=actor, certificate=data["certificate"], level=data["level"],
                                                   province=data["province"], items=form.items(), note=data["note"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("费用标准提议已提交，合计 %(t)s 元/人次。") % {"t": version.total})
            return redirect("fees:thread", pk=version.thread_id)
    return render(request, "fees/proposal_form.html", {"form": form})


@login_required
def thread_detail(request, pk: int):
    actor = request.actor
    access = selectors.thread_access(actor, pk)
    thread = access.obj
    versions = selectors.thread_versions(thread)
    latest = versions[-1] if versions else None
    latest_items = {k: (str(i.amount), i.basis) for k, i in latest.item_map.items()} if latest else {}
    # The org revises its proposal; the province's agency or an alliance answers it.
    answer = "propose" if access.may.propose else "counter_propose" if access.may.counter_propose else None
    posted = request.POST.get("form") if request.method == "POST" else None
    answer_form = ItemsForm(request.POST if posted == "answer" else None, initial_items=latest_items,
                            prefix="answer") if answer else None
    verify_form = VerifyForm(request.POST if posted == "verify" else None) if access.may.verify else None
    if posted == "answer" and answer_form is not None:
        if answer_form.is_valid():
            try:
                if answer == "propose":
                    services.fee_proposal_submit(actor=actor, certificate=thread.certificate, level=thread.level,
                                                 province=thread.province, items=answer_form.items(),
                                                 note=answer_form.cleaned_data["note"])
                else:
                    services.fee_counter_propose(actor=actor, thread=thread, items=answer_form.items(),
                                                 note=answer_form.cleaned_data["note"])
            except AppError as error:
                add_app_error(answer_form, error)
            else:
                messages.success(request, _("新版本已提交。"))
                return redirect("fees:thread", pk=thread.pk)
    elif posted == "verify" and verify_form is not None:
        if verify_form.is_valid():
            version = selectors.thread_version(thread, verify_form.cleaned_data["version"])
            if version is None:
                verify_form.add_error(None, _("请选择本协商中的一个版本。"))
            else:
                try:
                    standard = services.fee_version_verify(actor=actor, version=version,
                                                           effective_from=verify_form.cleaned_data["effective_from"])
                except AppError as error:
                    add_app_error(verify_form, error)
                else:
                    messages.success(request, _("已核定：%(a)s 元/人次，自 %(d)s 起执行。") % {
                        "a": standard.amount, "d": standard.effective_from})
                    for old in selectors.standards_superseded_by(standard):
                        messages.info(request, _("自 %(d)s 起替代：%(s)s") % {
                            "d": standard.effective_from, "s": selectors.standard_describe(old)})
                    return redirect("fees:thread", pk=thread.pk)
    elif request.method == "POST":
        raise Forbidden()
    return render(request, "fees/thread.html", {
        "access": access, "thread": thread, "versions": versions, "items": CostItem.choices,
        "answer_form": answer_form, "verify_form": verify_form,
        "standards": [(s, [selectors.standard_describe(old) for old in selectors.standards_superseded_by(s)])
                      for s in thread.standards.all()]})


_STATES = {"in_force": _lazy("现行"), "upcoming": _lazy("待生效"), "ended": _lazy("已失效")}


@public_page
def standards(request):
    """Verified standards are public (institutions, orgs, anyone): what applies today to each
    certificate level and what will apply from which later date; with history, what applied before."""
    province = request.GET.get("province", "")
    certificate = request.GET.get("certificate", "").strip()
    history = request.GET.get("history") == "1"
    today = timezone.localdate()
    rows = selectors.standards_schedule(province=province, certificate=certificate, history=history, today=today)
    for row in rows:
        row.state_label = _STATES[row.state]
    if request.GET.get("export") == "xlsx":
        data = ((r.standard.province.name, r.standard.certificate.code, r.standard.certificate.name,
                 r.standard.get_level_display() or _("各等级统一"), r.level_labels, r.standard.org.name,
                 r.standard.get_assessment_type_display(), r.standard.amount, r.standard.cap_amount, r.effective_from,
                 r.effective_until, r.state_label) for r in rows)
        return xlsx_response(_("核定费用标准"), [_("省份"), _("证书代码"), _("证书"), _("核定范围"), _("适用等级"),
                                              _("培训评价组织"), _("考核方式"), _("核定标准（元/人次）"),
                                              _("上限（元/人次）"), _("生效日期"), _("失效日期"), _("状态")], data)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "fees/standards.html", {
        "page": page, "provinces": selectors.provinces(), "province": province, "certificate": certificate,
        "history": history, "today": today, "caps": selectors.caps_all(),
        "query": f"province={province}&certificate={certificate}&history={'1' if history else ''}"})


@login_required
def payments(request):
    """Amounts due and payments: an institution its own dues (and records payments), an org the dues
    of its sessions (and records social learners' payments), a province its institutions, the
    ministry every province and org — outstanding amounts aged by 30/60/90 days."""
    actor = request.actor
    selectors.require_payment_reader(actor)
    if request.method == "POST":
        form = PaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.fee_payment_record(actor=actor, session_id=data["session"], amount=data["amount"],
                                            paid_on=data["paid_on"], reference=data["reference"],
                                            institution_id=data["institution"], person_id=data["person"])
            except AppError as error:
                messages.error(request, str(error.message))
            else:
                messages.success(request, _("已登记支付 %(a)s 元。") % {"a": data["amount"]})
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("fees:payments")
    page_access = selectors.fees_access(actor)
    rows = selectors.dues(actor)
    by = selectors.summary_by(actor)
    summary = selectors.outstanding_summary(rows, by=by) if by else []
    names = selectors.due_names(rows)
    for entry in summary:
        entry["label"] = names.get((by, entry["key"]), _("社会学习者") if entry["key"] is None else str(entry["key"]))
    org_summary = selectors.outstanding_summary(rows, by="org_id") if page_access.summary_by_org else []
    for entry in org_summary:
        entry["label"] = names.get(("org_id", entry["key"]), str(entry["key"]))
    if request.GET.get("export") == "summary" and summary:
        heading = _("省份") if by == "province_code" else _("付款方")
        return xlsx_response(_("尚欠考核费用汇总"), [heading, _("考核批次"), _("应付（元）"), _("已付（元）"), _("尚欠（元）")]
                             + [_("账龄 %(b)s 天（元）") % {"b": b} for _limit, b in selectors.AGE_BUCKETS]
                             + [_("无核定标准的参考人数")],
                             ((e["label"], e["sessions"], e["due"], e["paid"], e["outstanding"],
                               *(e[b] for _limit, b in selectors.AGE_BUCKETS), e["no_standard_candidates"])
                              for e in summary))
    if request.GET.get("export") == "xlsx":
        data = ((d.session_date, d.certificate_name, d.level, names.get(("province_code", d.province_code), ""),
                 names.get(("org_id", d.org_id), ""), names.get(("institution_id", d.institution_id), _("社会学习者")),
                 d.candidates, d.standard.amount if d.standard else _("无核定标准"), d.amount_due, d.paid, d.outstanding,
                 d.due_on, d.age_days) for d in rows)
        return xlsx_response(_("应付与已付考核费用"), [_("考核日期"), _("证书"), _("等级"), _("省份"), _("培训评价组织"),
                                                 _("付款方"), _("参考人数"), _("核定标准（元/人次）"), _("应付（元）"),
                                                 _("已付（元）"), _("尚欠（元）"), _("应付日期"), _("账龄（天）")], data)
    return render(request, "fees/payments.html", {
        "rows": selectors.due_rows(actor, rows[:500]), "row_count": len(rows), "summary": summary,
        "org_summary": org_summary, "by": by, "names": names, "fees_access": page_access,
        "buckets": [label for _limit, label in selectors.AGE_BUCKETS], "today": timezone.localdate()})
