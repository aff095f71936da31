from django.urls import path

from organizations.api_complaints import ComplaintDetailApi, ComplaintEvidenceApi, ComplaintsApi, ComplaintTransitionApi

urlpatterns = [
    path("complaints", ComplaintsApi.as_view(), name="api-complaints"),
    path("complaints/<int:pk>", ComplaintDetailApi.as_view(), name="api-complaint-detail"),
    path("complaints/<int:pk>/transitions", ComplaintTransitionApi.as_view(), name="api-complaint-transitions"),
    path("complaints/<int:pk>/evidence/<int:evidence_pk>", ComplaintEvidenceApi.as_view(),
         name="api-complaint-evidence"),
]
