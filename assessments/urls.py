from django.urls import path

from assessments import views, views_plans, views_reports, views_trainings

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
    # teacher and certificate trainings, the Hubei special action
    path("trainings/", views_trainings.training_list, name="trainings"),
    path("trainings/new/", views_trainings.training_create, name="training_create"),
    path("trainings/<int:pk>/edit/", views_trainings.training_edit, name="training_edit"),
    path("trainings/<int:pk>/delete/", views_trainings.training_delete, name="training_delete"),
    path("trainings/certificate/", views_trainings.certificate_training_list, name="certificate_trainings"),
    path("trainings/certificate/new/", views_trainings.certificate_training_create, name="certificate_training_create"),
    path("trainings/certificate/<int:pk>/delete/", views_trainings.certificate_training_delete,
         name="certificate_training_delete"),
    path("trainings/hubei/", views_trainings.hubei_action, name="hubei_action"),
    path("trainings/hubei/commitment/", views_trainings.hubei_commitment, name="hubei_commitment"),
    # assessment plans
    path("plans/", views_plans.plan_list, name="plans"),
    path("plans/template.xlsx", views_plans.plan_template, name="plan_template"),
    path("plans/upload/", views_plans.plan_upload, name="plan_upload"),
    path("plans/edit/", views_plans.plan_edit, name="plan_edit"),
    path("plans/window/", views_plans.plan_window, name="plan_window"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan_detail"),
    # the monthly progress report
    path("reports/", views_reports.report_list, name="reports"),
    path("reports/generate/", views_reports.report_generate, name="report_generate"),
    path("reports/<int:year>/<int:month>/", views_reports.report_detail, name="report_detail"),
    path("reports/<int:year>/<int:month>/status/", views_reports.report_status, name="report_status"),
    path("reports/<int:year>/<int:month>/report.pdf", views_reports.report_pdf, name="report_pdf"),
    path("reports/<int:year>/<int:month>/report.xlsx", views_reports.report_xlsx, name="report_xlsx"),
]
