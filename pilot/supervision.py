"""Supervision views and orchestration that span orgs and certificates (the layer above both)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.forms import add_app_error
from accounts.models import Role
from accounts.scoping import Actor, get_in_scope, scoped
from certificates.catalog.models import Certificate, CertificateStatusChange
from certificates.catalog.selectors import certificates_of_org, replacement_candidates
from certificates.catalog.services import certificate_status_set
from core.errors import AppError, Forbidden, NotInScope
from core.exports import xlsx_response
from core.uploads import stored_file_open
from organizations.orgs.models import Org
from organizations.supervision import services as supervision
from organizations.supervision.models import OrgAction, OrgActionEvidence
from pilot.forms import MultipleFileField
from pilot.orchestration import certificates_to_settle, org_delist_with_replacement


class SupervisionActionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("监管措施"))
    reason = forms.CharField(label=gettext_lazy("原因与依据"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=gettext_lazy("将通知该组织并记入其监管记录。"))
    evidence = MultipleFileField(label=gettext_lazy("证据材料"), required=False,
                                 help_text=gettext_lazy("PDF、Word、Excel 或 PNG/JPEG 图片，每个不超过 10 MB，最多 5 个。"))

    def __init__(self, *args, org: Org, **kwargs):
        super().__init__(*args, **kwargs)
        # Delisting settles the org's certificates too: it has its own page (supervision_delist).
        self.fields["kind"].choices = [(kind, OrgAction.Kind(kind).label)
                                       for kind, (sources, _target) in supervision.TRANSITIONS.items()
                                       if org.status in sources and kind != OrgAction.Kind.DELIST]
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.doc,.docx,.xls,.xlsx,.png,.jpg,.jpeg"


def org_timeline(actor: Actor, org: Org) -> list[dict]:
    """The org's supervision history: its own status changes and its certificates', newest first."""
    events = [{"at": a.at, "kind": a.get_kind_display(), "subject": org.name, "reason": a.reason,
               "status": a.get_status_after_display(), "evidence": list(a.evidence.all()), "action": a}
              for a in scoped(OrgAction, actor).filter(org=org).prefetch_related("evidence")]
    events += [{"at": c.at, "kind": _("证书状态变更"), "subject": c.certificate.name, "reason": c.reason,
                "status": c.get_status_after_display(), "evidence": [], "action": None}
               for c in scoped(CertificateStatusChange, actor).filter(certificate__org=org).select_related("certificate")]
    return sorted(events, key=lambda e: e["at"], reverse=True)


@login_required
def supervision_list(request):
    if request.actor.role != Role.MINISTRY:
        raise NotInScope()  # national data: not found outside the ministry's scope
    orgs = Org.objects.annotate(action_count=Count("actions"),
                                yellow_cards=Count("actions", filter=Q(actions__kind=OrgAction.Kind.YELLOW_CARD)))
    status = request.GET.get("status", "")
    if status in Org.Status.values:
        orgs = orgs.filter(status=status)
    query = request.GET.get("q", "").strip()
    if query:
        orgs = orgs.filter(name__icontains=query)
    if request.GET.get("export") == "xlsx":
        rows = ((o.name, o.get_org_type_display(), o.batch_number, o.get_status_display(), o.status_changed_at,
                 o.yellow_cards, o.action_count) for o in orgs)
        return xlsx_response(_("培训评价组织监管"), [_("组织"), _("类型"), _("批次"), _("状态"), _("状态变更时间"),
                                                  _("黄牌次数"), _("监管记录")], rows)
    counts = dict(Org.objects.values_list("status").annotate(n=Count("pk")))
    page = Paginator(orgs.order_by("name"), 50).get_page(request.GET.get("page"))
    return render(request, "pilot/supervision_list.html", {
        "page": page, "status": status, "q": query, "statuses": Org.Status.choices,
        "counts": [(label, counts.get(value, 0), value) for value, label in Org.Status.choices],
        "query": f"status={status}&q={query}"})


@login_required
def supervision_org(request, pk: int):
    """Ministry: the org's timeline and the actions it can take. The org itself: its own timeline."""
    org = get_in_scope(Org, request.actor, pk=pk)
    form = None
    if request.actor.role == Role.MINISTRY:
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
        raise Forbidden()
    latest = org.actions.first()
    return render(request, "pilot/supervision_org.html", {
        "org": org, "form": form, "timeline": org_timeline(request.actor, org), "latest": latest,
        "certificates": certificates_of_org(org),
        "can_delist": request.actor.role == Role.MINISTRY and org.status in supervision.TRANSITIONS[
            OrgAction.Kind.DELIST][0]})


class DelistForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("摘牌原因与依据"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=gettext_lazy("证据材料"), required=False)

    def __init__(self, *args, certificates, **kwargs):
        super().__init__(*args, **kwargs)
        for certificate in certificates:
            choices = [("withdraw", _("退出（不替换）"))] + [
                (str(c.pk), f"{c.name}（{c.code}，{c.org.name}，第{c.batch.number}批）")
                for c in replacement_candidates(certificate)[:200]]
            self.fields[f"cert_{certificate.pk}"] = forms.ChoiceField(
                label=_("“%(name)s”（%(code)s）的处理") % {"name": certificate.name, "code": certificate.code},
                choices=choices)

    def replacements(self) -> dict[int, int | None]:
        return {int(name[5:]): (None if value == "withdraw" else int(value))
                for name, value in self.cleaned_data.items() if name.startswith("cert_")}


def _candidate_reason(actor: Actor, org: Org, month: str | None) -> str:
    """Opened from the yellow-card candidates (``?month=``): the indicators' evidence as the reason."""
    from pilot.indicators.selectors import candidate_for, org_row, run_for

    if not month:
        return ""
    run, message = run_for(month)
    row = org_row(actor, org, run) if not message else None
    candidate = candidate_for(row) if row is not None else None
    return candidate["reason"] if candidate else ""


@login_required
def supervision_delist(request, pk: int):
    """Delisting with replacement: the org loses its status and each of its certificates is replaced
    by a related certificate of a later batch, or withdrawn."""
    if request.actor.role != Role.MINISTRY:
        raise Forbidden()
    org = get_in_scope(Org, request.actor, pk=pk)
    certificates = certificates_to_settle(org)
    form = DelistForm(request.POST or None, request.FILES or None, certificates=certificates,
                      initial={"reason": _candidate_reason(request.actor, org, request.GET.get("month"))})
    if request.method == "POST" and form.is_valid():
        try:
            org_delist_with_replacement(actor=request.actor, org=org, reason=form.cleaned_data["reason"],
                                        replacements=form.replacements(), evidence=form.cleaned_data["evidence"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("“%(org)s”已摘牌，其证书已按所选方式处理。") % {"org": org.name})
            return redirect("pilot:supervision_org", pk=org.pk)
    return render(request, "pilot/supervision_delist.html", {"org": org, "form": form, "certificates": certificates})


@login_required
def supervision_certificate(request, pk: int):
    """Suspend a certificate, or lift its suspension (the ministry)."""
    if request.actor.role != Role.MINISTRY or request.method != "POST":
        raise Forbidden()
    certificate = get_object_or_404(Certificate, pk=pk)
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
    evidence = get_object_or_404(OrgActionEvidence, pk=pk)
    get_in_scope(Org, request.actor, pk=evidence.action.org_id)  # the ministry, or the org itself
    return FileResponse(stored_file_open(evidence.file), as_attachment=True, filename=evidence.original_name,
                        content_type=evidence.content_type)


def supervision_todos(actor) -> list:
    """An org under a yellow card sees it first on its workbench."""
    from django.urls import reverse

    from core.navigation import Todo

    if actor.role != Role.ORG:
        return []
    org = Org.objects.filter(pk=actor.scope.org_id).first()
    if org is None or org.status == Org.Status.ACTIVE:
        return []
    return [Todo(title=_("贵组织处于“%(status)s”状态，请查看监管记录并整改") % {"status": org.get_status_display()},
                 url=reverse("pilot:supervision_org", args=[org.pk]), urgent=True)]


