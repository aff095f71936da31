from django.urls import path

from organizations.api import OrgCollectionApi, OrgDetailApi, OrgSealCurrentApi, OrgSealUploadApi

urlpatterns = [
    path("orgs", OrgCollectionApi.as_view(), name="api-orgs"),
    path("orgs/<int:pk>", OrgDetailApi.as_view(), name="api-org"),
    path("orgs/<int:pk>/seals", OrgSealUploadApi.as_view(), name="api-org-seals"),
    path("orgs/<int:pk>/seals/current", OrgSealCurrentApi.as_view(), name="api-org-seal-current"),
]
