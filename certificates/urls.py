from django.urls import path

from certificates.batches import views as batches
from certificates.catalog import views as catalog

app_name = "certificates"

urlpatterns = [
    # The public catalog (mounted at /catalog/).
    path("", catalog.catalog, name="catalog"),
    path("certificates/new/", catalog.certificate_create, name="certificate_create"),
    path("certificates/<str:code>/", catalog.certificate_detail, name="certificate_detail"),
    path("certificates/<str:code>/edit/", catalog.certificate_edit, name="certificate_edit"),
    path("certificates/<str:code>/standard/", catalog.standard_upload, name="standard_upload"),
    path("certificates/<str:code>/skills/", catalog.certificate_skills, name="certificate_skills"),
    path("standards/<int:pk>/", catalog.standard_download, name="standard_download"),
    # Selection batches.
    path("batches/", batches.batches, name="batches"),
    path("batches/new/", batches.batch_create, name="batch_create"),
    path("batches/<int:number>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:number>/applications/", batches.batch_applications, name="batch_applications"),
    path("batches/<int:number>/apply/", batches.application_create, name="application_create"),
    path("batches/<int:number>/import/", batches.applications_import, name="applications_import"),
    path("batches/<int:number>/items/<int:pk>/review/", batches.item_review, name="item_review"),
    path("batches/<int:number>/close/", batches.batch_close, name="batch_close"),
    path("batches/<int:number>/publish/", batches.batch_publish, name="batch_publish"),
]
