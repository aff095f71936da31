"""/api/v1/ routes of the certificates app: catalog, selection batches, issued certificates, paper
copies and public verification."""

from django.urls import path

from certificates.batches import api as batches_api
from certificates.catalog import api as catalog_api
from certificates.issuance import api as issuance_api
from certificates.paper_copies import api as paper_copies_api
from certificates.verification import api as verification_api

urlpatterns = [
    # The public verification first: the busiest path of the API, resolved before the others.
    path("verify/pdf", verification_api.VerifyPdfApi.as_view(), name="api-verify-pdf"),
    path("verify/ofd", verification_api.VerifyOfdApi.as_view(), name="api-verify-ofd"),
    path("verify/<str:number>", verification_api.VerifyApi.as_view(), name="api-verify"),
    path("catalog/certificates", catalog_api.CertificateListApi.as_view(), name="api-certificates"),
    path("catalog/certificates/<str:code>", catalog_api.CertificateDetailApi.as_view(), name="api-certificate"),
    path("batches", batches_api.BatchListApi.as_view(), name="api-batches"),
    path("batches/<int:number>", batches_api.BatchDetailApi.as_view(), name="api-batch"),
    path("batches/<int:number>/applications", batches_api.ApplicationListApi.as_view(), name="api-batch-applications"),
    path("batches/<int:number>/items/<int:pk>/review", batches_api.ReviewApi.as_view(), name="api-batch-item-review"),
    path("batches/<int:number>/publish", batches_api.BatchPublishApi.as_view(), name="api-batch-publish"),
    path("certificates", issuance_api.CertificateListApi.as_view(), name="api-issued-list"),
    path("certificates/<str:number>", issuance_api.CertificateDetailApi.as_view(), name="api-issued-detail"),
    path("certificates/<str:number>/pdf", issuance_api.CertificatePdfApi.as_view(), name="api-issued-pdf"),
    path("certificates/<str:number>/ofd", issuance_api.CertificateOfdApi.as_view(), name="api-issued-ofd"),
    path("certificates/<str:number>/revoke", issuance_api.CertificateRevokeApi.as_view(), name="api-issued-revoke"),
    path("certificates/<str:number>/reissue", issuance_api.CertificateReissueApi.as_view(), name="api-issued-reissue"),
    path("certificates/<str:number>/paper-copies", paper_copies_api.PaperOrderCreateApi.as_view(), name="api-paper-create"),
    path("certificates/<str:number>/credential", verification_api.CredentialApi.as_view(), name="api-issued-credential"),
    path("issuer", verification_api.IssuerApi.as_view(), name="api-issuer"),
    path("issuer/jwks", verification_api.IssuerJwksApi.as_view(), name="api-issuer-jwks"),
    path("paper-copies", paper_copies_api.PaperOrderListApi.as_view(), name="api-paper-list"),
    path("paper-copies/<int:pk>/advance", paper_copies_api.PaperOrderAdvanceApi.as_view(), name="api-paper-advance"),
    path("issuance/batches", issuance_api.BatchListApi.as_view(), name="api-issuance-batches"),
    path("issuance/requests/<int:result_id>/retry", issuance_api.RequestRetryApi.as_view(), name="api-issuance-retry"),
]
