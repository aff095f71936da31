"""/api/v1/ routes of the organizations app: orgs, e-seals, institutions, complaints."""

from django.urls import path

from organizations.complaints.api import ComplaintDetailApi, ComplaintEvidenceApi, ComplaintsApi, ComplaintTransitionApi
from organizations.institutions.api import InstitutionDetailApi, InstitutionListCreateApi
from organizations.orgs.api import OrgCollectionApi, OrgDetailApi
from organizations.seals.api import OrgSealCurrentApi, OrgSealUploadApi

urlpatterns = [
    path("orgs", OrgCollectionApi.as_view(), name="api-orgs"),
    path("orgs/<int:pk>", OrgDetailApi.as_view(), name="api-org"),
    path("orgs/<int:pk>/seals", OrgSealUploadApi.as_view(), name="api-org-seals"),
    path("orgs/<int:pk>/seals/current", OrgSealCurrentApi.as_view(), name="api-org-seal-current"),
    path("institutions", InstitutionListCreateApi.as_view(), name="api-institutions"),
    path("institutions/<int:pk>", InstitutionDetailApi.as_view(), name="api-institution"),
    path("complaints", ComplaintsApi.as_view(), name="api-complaints"),
    path("complaints/<int:pk>", ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path("complaints/<int:pk>/transitions", ComplaintTransitionApi.as_view(), name="api-complaint-transitions"),
    path("complaints/<int:pk>/evidence/<int:evidence_pk>", ComplaintEvidenceApi.as_view(),
         name="api-complaint-evidence"),
]
