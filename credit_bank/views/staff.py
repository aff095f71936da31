"""Staff pages: the credit-bank hub, outcomes, conversion rules and limits, conversion requests.
Institutions (and alliances for their members) write; provinces and the ministry read. What each
actor may do and see comes from credit_bank.selectors (``credit_bank_access`` for the pages, an
``Access`` per object or row); personal fields are rendered through its relations."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import add_app_error
from core.choices import choices_answer
from core.errors import AppError, Forbidden, NotInScope
from core.exports import xlsx_response
from credit_bank import selectors
from credit_bank.forms import ApproveForm, DeclineForm, PolicyForm, ReasonForm, RuleChangeForm, RuleForm
from credit_bank.models import Conversion, ConversionRule, Outcome
from credit_bank.services import conversions, rules


def _staff(request):
    """The page-level access of a staff page (403 for a role without one)."""
    access = selectors.credit_bank_access(request.actor)
    access.require("staff")
    return access


@login_required
def index(request):
    """The credit-bank hub for staff: what is waiting and where to go."""
    access = selectors.credit_bank_access(request.actor)
    if access.may.account:
        return redirect("credit:account")
    access.require("staff")
    actor = request.actor
    context = {
        "access": access,
        "outcomes": selectors.outcome_list(actor=actor).count(),
        "rules": selectors.rule_list(actor=actor, status=ConversionRule.Status.ACTIVE).count(),
        "pending": selectors.conversion_list(actor=actor, status=Conversion.Status.REQUESTED).count(),
        "flagged": selectors.conversion_list(actor=actor, flagged=True).count(),
        "policies": [(i, selectors.policy_for(i)) for i in selectors.institutions_writable(actor=actor)],
    }
    return render(request, "credit_bank/index.html", context)


# --- outcomes ------------------------------------------------------------------------------------

@login_required
def outcome_list(request):
    _staff(request)
    query, status, province = (request.GET.get("q", "").strip(), request.GET.get("status", ""),
                               request.GET.get("province", ""))
    qs = selectors.outcome_list(actor=request.actor, query=query, status=status, province=province)
    if request.GET.get("export") == "xlsx":
        rows = (_outcome_cells(row) for row in selectors.outcome_accesses(request.actor, qs.iterator(chunk_size=2000)))
        return xlsx_response(_("学习成果"), [_("证书编号"), _("姓名"), _("证件号码"), _("证书"), _("等级"), _("发证机构"),
                                          _("考核所在省份"), _("发证日期"), _("认定学分"), _("状态")], rows)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "credit_bank/outcomes.html", {
        "page": page, "rows": list(selectors.outcome_accesses(request.actor, page)), "q": query, "status": status,
        "province": province, "statuses": Outcome.Status.choices,
        "provinces": selectors.province_choices(actor=request.actor),
        "query": f"q={quote(query)}&status={status}&province={province}"})


def _outcome_cells(row) -> tuple:
    o = row.obj
    person = o.account.person
    return (o.number, row.show("name", person.name), row.show("id_number", person.id_number), o.certificate.name,
            o.get_level_display(), o.issued.org.name, o.province.name, o.issued_on, o.credits, o.get_status_display())


# --- rules and limits ------------------------------------------------------------------------------

@login_required
def rule_list(request):
    access = _staff(request)
    query, status = request.GET.get("q", "").strip(), request.GET.get("status", "")
    qs = selectors.rule_list(actor=request.actor, query=query, status=status)
    if request.GET.get("export") == "xlsx":
        rows = ((r.institution.name, r.major_code, r.major_name, r.certificate.name, r.get_level_display(), r.course_code,
                 r.current.course_name, r.current.get_course_type_display(), r.current.course_credits, r.current.version,
                 r.get_status_display()) for r in qs.iterator(chunk_size=2000))
        return xlsx_response(_("学分转换规则"), [_("院校"), _("专业代码"), _("专业名称"), _("证书"), _("等级"), _("课程代码"),
                                             _("课程名称"), _("课程类型"), _("课程学分"), _("版本"), _("状态")], rows)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "credit_bank/rules.html", {
        "page": page, "q": query, "status": status, "statuses": ConversionRule.Status.choices,
        "query": f"q={quote(query)}&status={status}", "access": access})


@login_required
def rule_create(request):
    selectors.credit_bank_access(request.actor).require("write")
    institutions = list(selectors.institutions_writable(actor=request.actor))
    majors = [(i.pk, i.name if len(institutions) > 1 else "", code, name) for i in institutions
              for code, name in selectors.institution_majors(i)]
    form = RuleForm(request.POST or None, majors=majors)
    if answer := choices_answer(request, form):
        return answer
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = next(i for i in institutions if str(i.pk) == data["institution"])
        try:
            rule = rules.rule_create(
                actor=request.actor, institution=institution, major_name=data["major_name"],
                certificate=data["certificate"], level=data["level"], course_code=data["course_code"],
                course_name=data["course_name"], course_credits=data["course_credits"], course_type=data["course_type"],
                note=data["note"])
        except AppError as error:
            add_app_error(form, error if error.field != "major_name" else AppError(error.message, field="major"))
        else:
            messages.success(request, _("转换规则已生效。"))
            return redirect("credit:rule_detail", pk=rule.pk)
    return render(request, "credit_bank/rule_form.html", {"form": form, "no_majors": not majors})


@login_required
def rule_detail(request, pk: int):
    _staff(request)
    access = selectors.rule_get(actor=request.actor, pk=pk)
    rule = access.obj
    action = request.POST.get("action")
    current = rule.current
    change_form = RuleChangeForm(request.POST if action == "change" else None, prefix="change", initial={
        "course_name": current.course_name, "course_credits": current.course_credits, "course_type": current.course_type})
    withdraw_form = ReasonForm(request.POST if action == "withdraw" else None, prefix="withdraw")
    if request.method == "POST":
        rule = selectors.rule_for_change(actor=request.actor, pk=pk)
        form = change_form if action == "change" else withdraw_form
        if form.is_valid():
            try:
                if form is change_form:
                    rules.rule_change(actor=request.actor, rule=rule, **form.cleaned_data)
                    messages.success(request, _("已生成规则的新版本。"))
                else:
                    rules.rule_withdraw(actor=request.actor, rule=rule, reason=form.cleaned_data["reason"])
                    messages.success(request, _("规则已停用。"))
            except AppError as error:
                add_app_error(form, error)
            else:
                return redirect("credit:rule_detail", pk=rule.pk)
    return render(request, "credit_bank/rule_detail.html", {
        "rule": rule, "access": access, "versions": list(rule.versions.select_related("created_by")),
        "policy": selectors.policy_for(rule.institution), "change_form": change_form, "withdraw_form": withdraw_form,
        "used": rule.versions.filter(conversions__isnull=False).distinct().count()})


@login_required
def policy(request):
    """The institution's limits (an alliance sets them for a member)."""
    selectors.credit_bank_access(request.actor).require("write")
    institutions = list(selectors.institutions_writable(actor=request.actor))
    if not institutions:
        raise NotInScope()
    wanted = request.POST.get("institution") or request.GET.get("institution")
    chosen = next((i for i in institutions if str(i.pk) == wanted), None) if wanted else institutions[0]
    if chosen is None:
        raise NotInScope()
    current = selectors.policy_for(chosen)
    form = PolicyForm(request.POST or None, institutions=institutions, initial={
        "institution": chosen.pk, "max_certificates_per_course": current.max_certificates_per_course,
        "max_credits_per_certificate": current.max_credits_per_certificate})
    if request.method == "POST" and form.is_valid():
        try:
            rules.policy_set(actor=request.actor, institution=chosen,
                             max_certificates_per_course=form.cleaned_data["max_certificates_per_course"],
                             max_credits_per_certificate=form.cleaned_data["max_credits_per_certificate"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("%(name)s的学分转换限额已保存。") % {"name": chosen.name})
            return redirect("credit:index")
    return render(request, "credit_bank/policy.html", {
        "form": form, "institution": chosen, "policies": [(i, selectors.policy_for(i)) for i in institutions]})


# --- conversion requests -----------------------------------------------------------------------------

@login_required
def requests(request):
    _staff(request)
    status, flagged, query = request.GET.get("status", ""), request.GET.get("flagged") == "1", request.GET.get("q", "")
    qs = selectors.conversion_list(actor=request.actor, status=status, flagged=flagged, query=query.strip())
    if request.GET.get("export") == "xlsx":
        rows = (_request_cells(row) for row in selectors.conversion_accesses(request.actor, qs.iterator(chunk_size=2000)))
        return xlsx_response(_("学分转换申请"), [
            _("编号"), _("姓名"), _("证件号码"), _("院校"), _("专业"), _("证书"), _("等级"), _("证书编号"), _("课程代码"),
            _("课程名称"), _("课程学分"), _("规则版本"), _("状态"), _("认定学分"), _("审核意见"), _("申请时间"), _("审核时间"),
            _("标记")], rows)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "credit_bank/requests.html", {
        "page": page, "rows": list(selectors.conversion_accesses(request.actor, page)), "status": status,
        "flagged": flagged, "q": query, "statuses": Conversion.Status.choices,
        "query": f"status={status}&flagged={'1' if flagged else ''}&q={quote(query)}"})


def _request_cells(row) -> tuple:
    c = row.obj
    return (c.pk, row.show("name", c.person.name), row.show("id_number", c.person.id_number), c.institution.name,
            c.enrolment.major_name, c.outcome.certificate.name, c.outcome.get_level_display(), c.outcome.number,
            c.course_code, c.rule_version.course_name, c.rule_version.course_credits, c.rule_version.version,
            c.get_status_display(), c.converted_credits, c.decision_reason, c.requested_at, c.decided_at, c.flag_reason)


@login_required
def request_detail(request, pk: int):
    _staff(request)
    access = selectors.conversion_get(actor=request.actor, pk=pk)
    conversion = access.obj
    action = request.POST.get("action")
    approve_form = ApproveForm(request.POST if action == "approve" else None, prefix="approve",
                               initial={"credits": conversion.rule_version.course_credits})
    decline_form = DeclineForm(request.POST if action == "decline" else None, prefix="decline")
    annul_form = ReasonForm(request.POST if action == "annul" else None, prefix="annul")
    if request.method == "POST":
        conversion = selectors.conversion_for_decision(actor=request.actor, pk=pk)
        forms = {"approve": approve_form, "decline": decline_form, "annul": annul_form}
        form = forms.get(action)
        if form is None:
            raise Forbidden()
        if form.is_valid():
            try:
                if action == "approve":
                    conversions.conversion_approve(actor=request.actor, conversion=conversion,
                                                   credits=form.cleaned_data["credits"])
                    messages.success(request, _("已认定学分。"))
                elif action == "decline":
                    conversions.conversion_decline(actor=request.actor, conversion=conversion,
                                                   reason=form.cleaned_data["reason"])
                    messages.success(request, _("已作出不予认定的决定，申请人将收到通知。"))
                else:
                    conversions.conversion_annul(actor=request.actor, conversion=conversion,
                                                 reason=form.cleaned_data["reason"])
                    messages.success(request, _("已撤销该项学分认定。"))
            except AppError as error:
                add_app_error(form, error)
            else:
                return redirect("credit:request_detail", pk=conversion.pk)
    return render(request, "credit_bank/request_detail.html", {
        "c": access.obj, "access": access, "policy": selectors.policy_for(access.obj.institution),
        "approve_form": approve_form, "decline_form": decline_form, "annul_form": annul_form})
