"""/certificates/: issued e-certificates (issue 6) and their paper copies. Routed here, at the app's
top, because the pages come from three features (issuance, credential, paper copies) and issuance
imports neither of the others."""

from django.urls import path

from certificates.credential import views as credential_views
from certificates.issuance import views as issuance_views
from certificates.paper_copies import views as paper_copies_views

app_name = "issued"

urlpatterns = [
    path("", issuance_views.index, name="index"),
    path("mine/", paper_copies_views.mine, name="mine"),
    path("batches/", issuance_views.batches, name="batches"),
    path("queue/", issuance_views.queue, name="queue"),
    path("waiting/", issuance_views.waiting, name="waiting"),
    path("requests/<int:pk>/retry/", issuance_views.retry, name="retry"),
    path("import/", issuance_views.import_certificates, name="import"),
    path("verifications/", credential_views.verifications, name="verifications"),
    path("paper/", paper_copies_views.paper_queue, name="paper_queue"),
    path("paper/<int:pk>/advance/", paper_copies_views.paper_advance, name="paper_advance"),
    path("<str:number>/", issuance_views.detail, name="detail"),
    path("<str:number>/pdf", issuance_views.certificate_pdf, name="pdf"),
    path("<str:number>/ofd", issuance_views.certificate_ofd, name="ofd"),
    path("<str:number>/paper/", paper_copies_views.paper_order, name="paper_order"),
    # The holder's public page and downloads (issue 17, item 4); the org's verification counts.
    path("<str:number>/credential/", credential_views.manage, name="credential"),
    path("<str:number>/share/", credential_views.share, name="share"),
    path("<str:number>/credential.json", credential_views.credential_download, {"kind": "json"},
         name="credential_json"),
    path("<str:number>/credential.jwt", credential_views.credential_download, {"kind": "jwt"}, name="credential_jwt"),
    path("<str:number>/poster.png", credential_views.poster_png, name="poster"),
    path("<str:number>/report.pdf", credential_views.report_pdf, name="report"),
]
