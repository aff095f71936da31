"""/api/v1/ routes of filings and trainer qualifications, and of the institution registry they
rest on (its views live in organizations.api_institutions); of sites, sessions, registrations,
results and score reviews (assessments.api_sessions)."""

from django.urls import path

from assessments import api, api_plans, api_sessions
from organizations.api_institutions import InstitutionDetailApi, InstitutionListCreateApi

urlpatterns = [
    path("institutions", InstitutionListCreateApi.as_view(), name="api-institutions"),
    path("institutions/<int:pk>", InstitutionDetailApi.as_view(), name="api-institution"),
    path("filings", api.FilingListCreateApi.as_view(), name="api-filings"),
    path("filings/bulk", api.FilingBulkApi.as_view(), name="api-filings-bulk"),
    path("filings/totals", api.FilingTotalsApi.as_view(), name="api-filings-totals"),
    path("filings/<int:pk>", api.FilingDetailApi.as_view(), name="api-filing"),
    path("filings/<int:pk>/withdraw", api.FilingWithdrawApi.as_view(), name="api-filing-withdraw"),
    path("trainer-qualifications", api.TrainerListCreateApi.as_view(), name="api-trainers"),
    path("trainer-qualifications/<int:pk>/confirm", api.TrainerConfirmApi.as_view(), name="api-trainer-confirm"),
    # sites, sessions, registrations, results, score reviews (api_sessions)
    path("sites", api_sessions.SiteListCreateApi.as_view(), name="api-sites"),
    path("sessions", api_sessions.SessionListCreateApi.as_view(), name="api-sessions"),
    path("sessions/<int:pk>", api_sessions.SessionDetailApi.as_view(), name="api-session"),
    path("sessions/<int:pk>/finalize", api_sessions.SessionFinalizeApi.as_view(), name="api-session-finalize"),
    path("sessions/<int:pk>/registrations/bulk", api_sessions.RegistrationBulkApi.as_view(),
         name="api-registrations-bulk"),
    path("sessions/<int:pk>/results/bulk", api_sessions.ResultBulkApi.as_view(), name="api-results-bulk"),
    path("registrations", api_sessions.RegistrationListCreateApi.as_view(), name="api-registrations"),
    path("results", api_sessions.ResultListApi.as_view(), name="api-results"),
    path("results/<int:pk>/amend", api_sessions.ResultAmendApi.as_view(), name="api-result-amend"),
    path("score-reviews", api_sessions.ReviewListCreateApi.as_view(), name="api-score-reviews"),
    path("score-reviews/<int:pk>/answer", api_sessions.ReviewAnswerApi.as_view(), name="api-score-review-answer"),
    path("assessment-plans", api_plans.PlanListCreateApi.as_view(), name="api-plans"),
    path("assessment-plans/<int:pk>", api_plans.PlanDetailApi.as_view(), name="api-plan"),
    path("planning-windows/<int:year>", api_plans.PlanningWindowApi.as_view(), name="api-planning-window"),
]
