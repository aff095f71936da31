from django.urls import path

from certificates import api

urlpatterns = [
    path("catalog/certificates", api.CertificateListApi.as_view(), name="api-certificates"),
    path("catalog/certificates/<str:code>", api.CertificateDetailApi.as_view(), name="api-certificate"),
    path("batches", api.BatchListApi.as_view(), name="api-batches"),
    path("batches/<int:number>", api.BatchDetailApi.as_view(), name="api-batch"),
    path("batches/<int:number>/applications", api.ApplicationListApi.as_view(), name="api-batch-applications"),
    path("batches/<int:number>/items/<int:pk>/review", api.ReviewApi.as_view(), name="api-batch-item-review"),
    path("batches/<int:number>/publish", api.BatchPublishApi.as_view(), name="api-batch-publish"),
]
