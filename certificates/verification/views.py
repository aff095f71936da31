"""Public verification pages (/verify/): by number and name, by the QR link, by uploading the PDF or OFD.
Open to anyone, signed in or not; the rate limit and the uniform answers live in the service."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accounts.forms import add_app_error, render_form
from certificates.verification import services as verification
from certificates.verification.forms import VerifyFileForm, VerifyForm
from core.errors import AppError


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "")


@never_cache
def verify_form(request):
    # POST, so that names and ID characters stay out of URLs and server logs (design rule 7).
    form = VerifyForm(request.POST or None, initial={"number": request.GET.get("number", "")[:32]})
    verdict = refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            verdict = verification.certificate_verify(client=client_address(request), **form.cleaned_data)
        except AppError as error:
            add_app_error(form, error)
            refusal = error
    return render_form(request, "certificates/verify.html", {"form": form, "verdict": verdict,
                                                             "file_form": VerifyFileForm()}, refusal=refusal)


@never_cache
def verify_token(request, token: str):
    verdict = verification.certificate_verify_token(token=token, client=client_address(request))
    return render(request, "certificates/verify_result.html", {"verdict": verdict, "by_token": True})


@never_cache
def verify_file(request):
    form = VerifyFileForm(request.POST or None, request.FILES or None)
    result = refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            result = verification.certificate_verify_file(upload=form.cleaned_data["pdf"],
                                                          client=client_address(request))
        except AppError as error:
            add_app_error(form, error)
            refusal = error
    return render_form(request, "certificates/verify_pdf.html", {"file_form": form, "result": result}, refusal=refusal)
