from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("filings/", views.filing_list, name="filings"),
    path("filings/new/", views.filing_create, name="filing_create"),
    path("filings/national/", views.national, name="national"),
    path("filings/template.xlsx", views.filing_template, name="filing_template"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/correct/", views.filing_correct, name="filing_correct"),
    path("filings/<int:pk>/withdraw/", views.filing_withdraw, name="filing_withdraw"),
    path("filings/imports/", views.import_upload, name="import_upload"),
    path("filings/imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("filings/imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("filings/imports/<int:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("trainers/", views.trainer_list, name="trainers"),
    path("trainers/new/", views.trainer_create, name="trainer_create"),
    path("trainers/<int:pk>/edit/", views.trainer_edit, name="trainer_edit"),
    path("trainers/<int:pk>/delete/", views.trainer_delete, name="trainer_delete"),
    path("trainers/<int:pk>/confirm/", views.trainer_confirm, name="trainer_confirm"),
]
