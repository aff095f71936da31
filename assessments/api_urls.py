"""/api/v1/ routes of filings and trainer qualifications, and of the institution registry they
rest on (its views live in organizations.api_institutions)."""

from django.urls import path

from assessments import api, api_plans
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
    path("assessment-plans", api_plans.PlanListCreateApi.as_view(), name="api-plans"),
    path("assessment-plans/<int:pk>", api_plans.PlanDetailApi.as_view(), name="api-plan"),
    path("planning-windows/<int:year>", api_plans.PlanningWindowApi.as_view(), name="api-planning-window"),
]
