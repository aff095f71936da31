from django.urls import path

from certificates import api_issued as api

urlpatterns = [
    path("certificates", api.CertificateListApi.as_view(), name="api-issued-list"),
    path("certificates/<str:number>", api.CertificateDetailApi.as_view(), name="api-issued-detail"),
    path("certificates/<str:number>/pdf", api.CertificatePdfApi.as_view(), name="api-issued-pdf"),
    path("certificates/<str:number>/revoke", api.CertificateRevokeApi.as_view(), name="api-issued-revoke"),
    path("certificates/<str:number>/reissue", api.CertificateReissueApi.as_view(), name="api-issued-reissue"),
    path("certificates/<str:number>/paper-copies", api.PaperOrderCreateApi.as_view(), name="api-paper-create"),
    path("certificates/<str:number>/credential", api.CredentialApi.as_view(), name="api-issued-credential"),
    path("issuer", api.IssuerApi.as_view(), name="api-issuer"),
    path("issuer/jwks", api.IssuerJwksApi.as_view(), name="api-issuer-jwks"),
    path("paper-copies", api.PaperOrderListApi.as_view(), name="api-paper-list"),
    path("paper-copies/<int:pk>/advance", api.PaperOrderAdvanceApi.as_view(), name="api-paper-advance"),
    path("issuance/batches", api.BatchListApi.as_view(), name="api-issuance-batches"),
    path("issuance/requests/<int:result_id>/retry", api.RequestRetryApi.as_view(), name="api-issuance-retry"),
    path("verify/pdf", api.VerifyPdfApi.as_view(), name="api-verify-pdf"),
    path("verify/<str:number>", api.VerifyApi.as_view(), name="api-verify"),
]
