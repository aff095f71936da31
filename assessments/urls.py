from django.urls import path

from assessments.filings import views as filings_views
from assessments.plans import views as views_plans
from assessments.registrations import views as registrations_views
from assessments.reports import views as views_reports
from assessments.results import views as results_views
from assessments.sessions import views as sessions_views
from assessments.trainers import views as trainers_views
from assessments.trainings import views as views_trainings

app_name = "assessments"

urlpatterns = [
    path("filings/", filings_views.filing_list, name="filings"),
    path("filings/new/", filings_views.filing_create, name="filing_create"),
    path("filings/national/", filings_views.national, name="national"),
    path("filings/template.xlsx", filings_views.filing_template, name="filing_template"),
    path("filings/<int:pk>/", filings_views.filing_detail, name="filing_detail"),
    path("filings/<int:pk>/correct/", filings_views.filing_correct, name="filing_correct"),
    path("filings/<int:pk>/withdraw/", filings_views.filing_withdraw, name="filing_withdraw"),
    path("filings/imports/", filings_views.import_upload, name="import_upload"),
    path("filings/imports/<int:pk>/", filings_views.import_detail, name="import_detail"),
    path("filings/imports/<int:pk>/status/", filings_views.import_status, name="import_status"),
    path("filings/imports/<int:pk>/errors.xlsx", filings_views.import_errors, name="import_errors"),
    path("trainers/", trainers_views.trainer_list, name="trainers"),
    path("trainers/new/", trainers_views.trainer_create, name="trainer_create"),
    path("trainers/<int:pk>/edit/", trainers_views.trainer_edit, name="trainer_edit"),
    path("trainers/<int:pk>/delete/", trainers_views.trainer_delete, name="trainer_delete"),
    path("trainers/<int:pk>/confirm/", trainers_views.trainer_confirm, name="trainer_confirm"),
    # sites and sessions (the session page and its roster: registrations), scores (results)
    path("sites/", sessions_views.site_list, name="sites"),
    path("sites/new/", sessions_views.site_create, name="site_create"),
    path("sites/<int:pk>/edit/", sessions_views.site_edit, name="site_edit"),
    path("open/", sessions_views.open_sessions, name="open_sessions"),
    path("sessions/", sessions_views.session_list, name="sessions"),
    path("sessions/new/", sessions_views.session_create, name="session_create"),
    path("sessions/<int:pk>/", registrations_views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions_views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/registration/", sessions_views.session_registration, name="session_registration"),
    path("sessions/<int:pk>/cancel/", sessions_views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/roster.xlsx", registrations_views.session_roster, name="session_roster"),
    path("sessions/<int:pk>/results/", results_views.session_results, name="session_results"),
    path("sessions/<int:pk>/results/sheet.xlsx", results_views.result_sheet, name="result_sheet"),
    path("sessions/<int:pk>/absence/", results_views.session_absence, name="session_absence"),
    path("sessions/<int:pk>/finalize/", results_views.session_finalize, name="session_finalize"),
    path("uploads/<str:token>/errors.xlsx", sessions_views.upload_errors, name="upload_errors"),
    # registrations and tickets; scores and score reviews (results)
    path("sessions/<int:pk>/register/", registrations_views.registration_create, name="registration_create"),
    path("sessions/<int:pk>/register/upload/", registrations_views.registration_upload, name="registration_upload"),
    path("sessions/<int:pk>/register/template.xlsx", registrations_views.registration_template,
         name="registration_template"),
    path("sessions/<int:pk>/self-register/", registrations_views.registration_self, name="registration_self"),
    path("registrations/", registrations_views.registration_list, name="registrations"),
    path("my/", registrations_views.registration_list, name="my_registrations"),
    path("registrations/<int:pk>/", registrations_views.registration_detail, name="registration_detail"),
    path("registrations/<int:pk>/ticket.pdf", registrations_views.registration_ticket, name="registration_ticket"),
    path("registrations/<int:pk>/cancel/", registrations_views.registration_cancel, name="registration_cancel"),
    path("registrations/<int:pk>/confirm-name/", registrations_views.registration_confirm_name,
         name="registration_confirm_name"),
    path("registrations/<int:pk>/reissue-code/", registrations_views.registration_reissue_code,
         name="registration_reissue_code"),
    path("registrations/<int:pk>/result/", results_views.result_edit, name="result_edit"),
    path("registrations/<int:pk>/review/", results_views.review_request, name="review_request"),
    path("results/<int:pk>/amend/", results_views.result_amend, name="result_amend"),
    path("reviews/", results_views.review_list, name="reviews"),
    path("reviews/<int:pk>/", results_views.review_answer, name="review_answer"),
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
