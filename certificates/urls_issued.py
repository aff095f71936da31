"""/certificates/: issued e-certificates (issue 6)."""

from django.urls import path

from certificates.views import issued

app_name = "issued"

urlpatterns = [
    path("", issued.index, name="index"),
    path("mine/", issued.mine, name="mine"),
    path("batches/", issued.batches, name="batches"),
    path("queue/", issued.queue, name="queue"),
    path("waiting/", issued.waiting, name="waiting"),
    path("requests/<int:pk>/retry/", issued.retry, name="retry"),
    path("import/", issued.import_certificates, name="import"),
    path("paper/", issued.paper_queue, name="paper_queue"),
    path("paper/<int:pk>/advance/", issued.paper_advance, name="paper_advance"),
    path("<str:number>/", issued.detail, name="detail"),
    path("<str:number>/pdf", issued.certificate_pdf, name="pdf"),
    path("<str:number>/paper/", issued.paper_order, name="paper_order"),
]
