"""Supervision views: the national board, one org's record and the actions on it, delisting with
replacement. Who may see and do what is decided in pilot.selectors (``pilot_access``,
``supervision_org_get``); the cross-app writes are in pilot.orchestration."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import add_app_error
from certificates.catalog.selectors import certificates_of_org, replacement_candidates
from certificates.catalog.services import certificate_status_set
from core.confirmation import ConsequenceField
from core.errors import AppError
from core.exports import xlsx_response
from core.uploads import stored_file_open
from organizations.orgs.models import Org
from organizations.supervision import services as supervision
from organizations.supervision.models import TRANSITIONS, OrgAction
from pilot import selectors
from pilot.forms import MultipleFileField
from pilot.indicators.selectors import candidate_reason
from pilot.orchestration import org_delist_with_replacement


class SupervisionActionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("监管措施"))
    reason = forms.CharField(label=gettext_lazy("原因与依据"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=gettext_lazy("将通知该组织并记入其监管记录。"))
    evidence = MultipleFileField(label=gettext_lazy("证据材料"), required=False,
                                 help_text=gettext_lazy("PDF、Word、Excel 或 PNG/JPEG 图片，每个不超过 10 MB，最多 5 个。"))
    # The evidence files cannot be posted twice, so the confirmation is asked on this form itself.
    acknowledged = ConsequenceField(consequence=gettext_lazy("我已知悉：该措施将记入该组织的监管记录，并通知该组织。"))

    def __init__(self, *args, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        # Delisting settles the org's certificates too: it has its own page (supervision_delist).
        self.fields["kind"].choices = [(kind, OrgAction.Kind(kind).label)
                                       for kind, (sources, _target) in TRANSITIONS.items()
                                       if org.status in sources and kind != OrgAction.Kind.DELIST]
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.doc,.docx,.xls,.xlsx,.png,.jpg,.jpeg"


@login_required
def supervision_list(request):
    status, query = request.GET.get("status", ""), request.GET.get("q", "").strip()
    orgs = selectors.supervision_orgs(request.actor, status=status, query=query)
    if request.GET.get("export") == "xlsx":
        rows = ((o.name, o.get_org_type_display(), o.batch_number, o.get_status_display(), o.status_changed_at,
                 o.yellow_cards, o.action_count) for o in orgs)
        return xlsx_response(_("培训评价组织监管"), [_("组织"), _("类型"), _("批次"), _("状态"), _("状态变更时间"),
                                                  _("黄牌次数"), _("监管记录")], rows)
    counts = selectors.org_status_counts()
    page = Paginator(orgs, 50).get_page(request.GET.get("page"))
    return render(request, "pilot/supervision_list.html", {
        "page": page, "status": status, "q": query, "statuses": Org.Status.choices,
        "counts": [(label, counts.get(value, 0), value) for value, label in Org.Status.choices],
        "query": f"status={status}&q={query}"})


@login_required
def supervision_org(request, pk: int):
    """Ministry: the org's timeline and the actions it can take. The org itself: its own timeline."""
    access = selectors.supervision_org_get(request.actor, pk)
    org = access.obj
    form = None
    if access.may.act:
        form = SupervisionActionForm(request.POST or None, request.FILES or None, org=org)
        if request.method == "POST" and form.is_valid():
            try:
                action = supervision.org_action_record(actor=request.actor, org=org, kind=form.cleaned_data["kind"],
                                                       reason=form.cleaned_data["reason"],
                                                       evidence=form.cleaned_data["evidence"])
            except AppError as error:
                add_app_error(form, error)
            else:
                messages.success(request, _("已对“%(org)s”采取“%(action)s”，并已通知该组织。") % {
                    "org": org.name, "action": action.get_kind_display()})
                return redirect("pilot:supervision_org", pk=org.pk)
    elif request.method == "POST":
        access.require("act")
    return render(request, "pilot/supervision_org.html", {
        "org": org, "access": access, "form": form, "timeline": selectors.org_timeline(request.actor, org),
        "latest": org.actions.first(), "certificates": certificates_of_org(org)})


# Candidates listed per certificate, most related first (a search narrows them).
CANDIDATES_SHOWN = 50


class DelistForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("摘牌原因与依据"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=gettext_lazy("证据材料"), required=False)
    acknowledged = ConsequenceField(consequence=gettext_lazy(
        "我已知悉：摘牌后该组织不能再开展新的考核计划和考核，摘牌之日起考核的合格者不再由其发证（此前考核的仍发证），"
        "其证书按上面的选择替换或退出；此操作不可撤销。"))

    def __init__(self, *args, certificates, query: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        acknowledged = self.fields.pop("acknowledged")
        for certificate in certificates:
            offered = list(replacement_candidates(certificate, query=query)[:CANDIDATES_SHOWN])
            chosen = self.data.get(f"cert_{certificate.pk}", "")
            if chosen.isdigit() and all(str(c.pk) != chosen for c in offered):
                # Chosen before the search changed: still offered, the service checks it anyway.
                offered += list(replacement_candidates(certificate).filter(pk=int(chosen)))
            choices = [("withdraw", _("退出（不替换）"))] + [
                (str(c.pk), f"{c.name}（{c.code}，{c.field}，{c.org.name}，第{c.batch.number}批）") for c in offered]
            self.fields[f"cert_{certificate.pk}"] = forms.ChoiceField(
                label=_("“%(name)s”（%(code)s）的处理") % {"name": certificate.name, "code": certificate.code},
                choices=choices)
        self.fields["acknowledged"] = acknowledged  # asked last, after the choices it confirms

    def replacements(self) -> dict[int, int | None]:
        return {int(name[5:]): (None if value == "withdraw" else int(value))
                for name, value in self.cleaned_data.items() if name.startswith("cert_")}


@login_required
def supervision_delist(request, pk: int):
    """Delisting with replacement: the org loses its status and each of its certificates is replaced
    by a related certificate of a later batch, or withdrawn."""
    org = selectors.org_for_delisting(request.actor, pk)
    certificates = selectors.certificates_to_settle(org)
    query = request.GET.get("q", "").strip()[:50]
    form = DelistForm(request.POST or None, request.FILES or None, certificates=certificates, query=query,
                      initial={"reason": candidate_reason(request.actor, org, request.GET.get("month"))})
    if request.method == "POST" and form.is_valid():
        try:
            org_delist_with_replacement(actor=request.actor, org=org, reason=form.cleaned_data["reason"],
                                        replacements=form.replacements(), evidence=form.cleaned_data["evidence"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("“%(org)s”已摘牌，其证书已按所选方式处理。") % {"org": org.name})
            return redirect("pilot:supervision_org", pk=org.pk)
    return render(request, "pilot/supervision_delist.html", {"org": org, "form": form, "certificates": certificates,
                                                             "q": query, "month": request.GET.get("month", "")})


@login_required
@require_POST
def supervision_certificate(request, pk: int):
    """Suspend a certificate, or lift its suspension (the ministry)."""
    certificate = selectors.certificate_for_supervision(request.actor, pk)
    status = request.POST.get("status", "")
    try:
        certificate_status_set(actor=request.actor, certificate=certificate, status=status,
                               reason=request.POST.get("reason", ""))
    except AppError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("证书“%(c)s”状态已更新。") % {"c": certificate.name})
    return redirect("pilot:supervision_org", pk=certificate.org_id)


@login_required
def supervision_evidence(request, pk: int):
    evidence = selectors.evidence_get(request.actor, pk)  # the ministry, or the org itself
    return FileResponse(stored_file_open(evidence.file), as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)
