"""/verify/: public certificate verification (issue 6)."""

from django.urls import path

from certificates.verification import views as verify

app_name = "verify"

urlpatterns = [
    path("", verify.verify_form, name="form"),
    path("t/<str:token>", verify.verify_token, name="token"),
    path("pdf/", verify.verify_file, name="pdf"),  # the upload of a PDF or an OFD; its first address kept
]
