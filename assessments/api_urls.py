"""/api/v1/ routes of the assessments app: filings, trainer qualifications, sites, sessions,
registrations, results, score reviews and assessment plans."""

from django.urls import path

from assessments.filings import api as filings_api
from assessments.plans import api as plans_api
from assessments.registrations import api as registrations_api
from assessments.results import api as results_api
from assessments.sessions import api as sessions_api
from assessments.trainers import api as trainers_api

urlpatterns = [
    path("filings", filings_api.FilingListCreateApi.as_view(), name="api-filings"),
    path("filings/bulk", filings_api.FilingBulkApi.as_view(), name="api-filings-bulk"),
    path("filings/totals", filings_api.FilingTotalsApi.as_view(), name="api-filings-totals"),
    path("filings/<int:pk>", filings_api.FilingDetailApi.as_view(), name="api-filing"),
    path("filings/<int:pk>/withdraw", filings_api.FilingWithdrawApi.as_view(), name="api-filing-withdraw"),
    path("trainer-qualifications", trainers_api.TrainerListCreateApi.as_view(), name="api-trainers"),
    path("trainer-qualifications/<int:pk>/confirm", trainers_api.TrainerConfirmApi.as_view(), name="api-trainer-confirm"),
    path("sites", sessions_api.SiteListCreateApi.as_view(), name="api-sites"),
    path("sessions", sessions_api.SessionListCreateApi.as_view(), name="api-sessions"),
    path("sessions/<int:pk>", sessions_api.SessionDetailApi.as_view(), name="api-session"),
    path("sessions/<int:pk>/finalize", results_api.SessionFinalizeApi.as_view(), name="api-session-finalize"),
    path("sessions/<int:pk>/registrations/bulk", registrations_api.RegistrationBulkApi.as_view(),
         name="api-registrations-bulk"),
    path("sessions/<int:pk>/results/bulk", results_api.ResultBulkApi.as_view(), name="api-results-bulk"),
    path("registrations", registrations_api.RegistrationListCreateApi.as_view(), name="api-registrations"),
    path("results", results_api.ResultListApi.as_view(), name="api-results"),
    path("results/<int:pk>/amend", results_api.ResultAmendApi.as_view(), name="api-result-amend"),
    path("score-reviews", results_api.ReviewListCreateApi.as_view(), name="api-score-reviews"),
    path("score-reviews/<int:pk>/answer", results_api.ReviewAnswerApi.as_view(), name="api-score-review-answer"),
    path("assessment-plans", plans_api.PlanListCreateApi.as_view(), name="api-plans"),
    path("assessment-plans/<int:pk>", plans_api.PlanDetailApi.as_view(), name="api-plan"),
    path("planning-windows/<int:year>", plans_api.PlanningWindowApi.as_view(), name="api-planning-window"),
]
