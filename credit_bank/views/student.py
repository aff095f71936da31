"""The student's side: 我的学习账户 (outcomes, credits, conversions), asking for a conversion, and the
signed transcript with its share link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from core.errors import AppError
from core.exports import file_response
from credit_bank import selectors
from credit_bank.forms import ConversionRequestForm
from credit_bank.services import conversions, transcripts


@login_required
def account(request):
    access = selectors.account_access(actor=request.actor)
    account = access.obj
    mine = selectors.conversions_of_person(actor=request.actor)
    outcomes = selectors.account_outcomes(actor=request.actor, account=account)
    shared = list(selectors.transcripts_own(actor=request.actor).filter(withdrawn_at__isnull=True)[:5])
    for transcript in shared:
        transcript.verify_url = selectors.verify_url(transcript)
    return render(request, "credit_bank/account.html", {
        "access": access, "account": account, "summary": selectors.account_summary(account),
        "outcomes": [(row, [c for c in mine if c.obj.outcome_id == row.obj.pk]) for row in outcomes],
        "transcripts": shared})


@login_required
def convert(request, pk: int):
    """Ask the institution of one's enrolment to convert an outcome into a course under a rule."""
    outcome = selectors.outcome_for_conversion(actor=request.actor, pk=pk)
    rules = list(selectors.rules_available(person_id=request.actor.scope.person_id, outcome=outcome))
    form = ConversionRequestForm(request.POST or None, rules=rules)
    if request.method == "POST" and form.is_valid():
        rule = next(r for r in rules if str(r.pk) == form.cleaned_data["rule"])
        try:
            conversions.conversion_request(actor=request.actor, outcome=outcome, rule=rule,
                                           note=form.cleaned_data["note"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("学分转换申请已提交，%(institution)s审核后会通知您。") % {
                "institution": rule.institution.name})
            return redirect("credit:account")
    return render(request, "credit_bank/convert.html", {"outcome": outcome, "form": form, "rules": rules})


@login_required
@require_POST
def conversion_withdraw(request, pk: int):
    conversion = selectors.conversion_for_withdrawal(actor=request.actor, pk=pk)
    try:
        conversions.conversion_withdraw(actor=request.actor, conversion=conversion)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("已撤回学分转换申请。"))
    return redirect("credit:account")


@login_required
@require_POST
def transcript_issue(request):
    """Issue (or reuse, when nothing changed) the signed transcript, then download it."""
    try:
        transcript, _new = transcripts.transcript_issue(actor=request.actor)
    except AppError as error:
        if error.status != 400:
            raise
        messages.error(request, str(error.message))
        return redirect("credit:account")
    return redirect("credit:transcript_pdf", number=transcript.number)


@login_required
def transcript_pdf(request, number: str):
    transcript = selectors.transcript_get_own(actor=request.actor, number=number)
    return file_response(selectors.transcript_pdf_bytes(transcript), _("学分银行成绩单-%(n)s.pdf") % {"n": number},
                         "application/pdf")


@login_required
@require_POST
def transcript_withdraw(request, number: str):
    transcript = selectors.transcript_get_own(actor=request.actor, number=number)
    try:
        transcripts.transcript_withdraw(actor=request.actor, transcript=transcript)
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("成绩单 %(n)s 的分享链接已停用。") % {"n": number})
    return redirect("credit:account")

