"""The org's electronic seal: upload (the org itself) and the scoped seal files (org and ministry)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import add_app_error
from core.errors import AppError
from core.exports import export_filename
from core.uploads import stored_file_open
from organizations.orgs import selectors as orgs_selectors
from organizations.seals import selectors as seals_selectors
from organizations.seals.forms import SealUploadForm
from organizations.seals.services import org_seal_upload


@login_required
def seal_upload(request, pk: int):
    org = orgs_selectors.org_access(request.actor, pk).require("upload_seal", _("电子公章只能由培训评价组织本身上传。"))
    form = SealUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            seal = org_seal_upload(actor=request.actor, org=org, upload=form.cleaned_data["file"],
                                   printed_mm=form.cleaned_data["printed_mm"])
        except AppError as error:
            add_app_error(form, error)
        else:
            messages.success(request, _("电子公章已上传（第 %(v)d 版），此后签发的电子证书将使用该版本。") % {"v": seal.version})
            return redirect("organizations:org_detail", pk=org.pk)
    return render(request, "organizations/seal_upload.html", {
        "form": form, "org": org, "current_seal": seals_selectors.org_seal_current(org),
        "refusal": seals_selectors.seal_upload_refusal(org)})


def seal_response(seal, *, immutable: bool) -> FileResponse:
    """A seal image for the org or the ministry: never cached by shared caches, never sniffed."""
    response = FileResponse(stored_file_open(seal.file), content_type="image/png",
                            filename=export_filename(_("%(org)s电子公章") % {"org": seal.org.name}, "png",
                                                     day=timezone.localdate(seal.uploaded_at)))
    response["Cache-Control"] = "private, max-age=86400, immutable" if immutable else "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def seal_file(request, pk: int, version: int | None = None):
    seal = seals_selectors.org_seal_for_file(request.actor, pk, version)
    return seal_response(seal, immutable=version is not None)
