"""The holder's credential page (sharing, downloads) and the public page it turns on (/c/<token>/).

Every decision comes from the certificate's access (certificates.issuance.selectors): ``share``,
``export_credential``, ``download_poster``, ``download_report`` and ``view_verification_counts``.
The public page is reached by its random token only, shows the masked name, and is a public page
(core.public_cache) cacheable for a minute at most (the status it shows is live): private for the
signed-in, whose header is their own."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from certificates.credential import poster, report, selectors, services
from certificates.issuance import open_badges
from certificates.issuance.documents import verify_url
from certificates.issuance.selectors import issued_certificate_access
from core.base_url import public_base_url
from core.errors import NotInScope
from core.exports import file_response
from core.public_cache import public_page

PAGE_ACTIONS = ("share", "export_credential", "download_poster", "download_report", "view_verification_counts")
PUBLIC_MAX_AGE = 60


def _client(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _access(request, number: str, action: str | None = None):
    """The certificate's access; 404 when the actor may not ``action`` it (nothing to reveal)."""
    access = issued_certificate_access(actor=request.actor, number=number)
    wanted = (action,) if action else PAGE_ACTIONS
    if not any(getattr(access.may, name) for name in wanted):
        raise NotInScope()
    return access


def public_url(request, page) -> str:
    return public_base_url(request) + reverse("credential:public", args=[page.token])


def _file_stem(issued) -> str:
    return f"{issued.certificate.name}-{issued.get_level_display()}-{issued.number}"


@login_required
@never_cache
def manage(request, number: str):
    access = _access(request, number)
    issued = access.obj
    page = selectors.credential_page_of(issued) if access.may.share else None
    counts = None
    if access.may.view_verification_counts:
        services.verification_counts_flush()  # the lookups still tallied in Redis count too
        counts = selectors.verification_counts(access)
    return render(request, "certificates/credential/manage.html", {
        "access": access, "issued": issued, "page": page,
        "public_url": public_url(request, page) if page and page.public else "",
        "counts": counts, "counts_total": selectors.verification_total(counts or []),
        "count_days": selectors.COUNT_DAYS})


@login_required
@require_safe
def verifications(request):
    """The org's verification counts of all its certificates: per day and per certificate."""
    services.verification_counts_flush()  # the lookups still tallied in Redis count too
    overview = selectors.verification_overview(request.actor)
    page = Paginator(overview.certificates, 50).get_page(request.GET.get("page"))
    return render(request, "certificates/credential/verifications.html", {
        "overview": overview, "page": page, "count_days": selectors.COUNT_DAYS})


@login_required
@require_POST
def share(request, number: str):
    access = _access(request, number, "share")
    public = request.POST.get("public") == "on"
    services.credential_page_set(actor=request.actor, issued=access.obj, public=public)
    messages.success(request, _("已开启证书公开页。") if public else _("已关闭证书公开页，原链接不再显示证书。"))
    return redirect("issued:credential", number=number)


@require_safe
@login_required
def credential_download(request, number: str, kind: str):
    """The Open Badges 3.0 credential: the VC-JWT (``jwt``) or the credential it signs (``json``)."""
    issued = _access(request, number, "export_credential").obj
    if kind not in ("json", "jwt"):
        raise NotInScope()
    token, body = open_badges.credential_jwt(issued)
    if kind == "jwt":
        return file_response(token.encode(), f"{_file_stem(issued)}.jwt", "application/jwt")
    return file_response(json.dumps(body, ensure_ascii=False, indent=2).encode(), f"{_file_stem(issued)}.json",
                         "application/ld+json")


@require_safe
@login_required
def poster_png(request, number: str):
    issued = _access(request, number, "download_poster").obj
    page = selectors.credential_page_of(issued)
    # The QR leads to the public page while it is on, else to the certificate's verification link.
    url = public_url(request, page) if page and page.public else verify_url(issued.token)
    content = poster.poster_png(selectors.credential_facts(issued), url)
    return file_response(content, f"{_file_stem(issued)}-{_('分享海报')}.png", "image/png")


@require_safe
@login_required
def report_pdf(request, number: str):
    issued = _access(request, number, "download_report").obj
    content = report.report_pdf(issued, selectors.credential_facts(issued))
    return file_response(content, f"{_('查验报告')}-{issued.number}.pdf", "application/pdf")


@require_safe
@public_page(max_age=PUBLIC_MAX_AGE)
def public(request, token: str):
    """The public credential page: anyone with the link, while the holder keeps it on."""
    services.public_lookup_throttle(_client(request))
    issued = selectors.shared_certificate(token)
    services.verification_counted(issued_id=issued.pk)
    response = render(request, "certificates/credential/public.html", {
        "facts": selectors.credential_facts(issued), "token": token, "verify_url": verify_url(issued.token)})
    return response


@require_safe
@never_cache
def public_report(request, token: str):
    services.public_lookup_throttle(_client(request))
    issued = selectors.shared_certificate(token)
    content = report.report_pdf(issued, selectors.credential_facts(issued))
    return file_response(content, f"{_('查验报告')}-{issued.number}.pdf", "application/pdf")
