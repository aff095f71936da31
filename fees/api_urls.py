"""/api/v1/fees/… routes: caps, verified standards, negotiation, amounts due and payments."""

from django.urls import path

from fees import api

urlpatterns = [
    path("fees/caps", api.CapListCreateApi.as_view(), name="api-fee-caps"),
    path("fees/standards", api.StandardListApi.as_view(), name="api-fee-standards"),
    path("fees/threads", api.ThreadListApi.as_view(), name="api-fee-threads"),
    path("fees/threads/<int:pk>", api.ThreadDetailApi.as_view(), name="api-fee-thread"),
    path("fees/threads/<int:pk>/counter-proposals", api.CounterProposalCreateApi.as_view(),
         name="api-fee-counter-proposals"),
    path("fees/threads/<int:pk>/verification", api.VerificationCreateApi.as_view(), name="api-fee-verification"),
    path("fees/proposals", api.ProposalCreateApi.as_view(), name="api-fee-proposals"),
    path("fees/dues", api.DueListApi.as_view(), name="api-fee-dues"),
    path("fees/outstanding", api.OutstandingApi.as_view(), name="api-fee-outstanding"),
    path("fees/payments", api.PaymentListCreateApi.as_view(), name="api-fee-payments"),
]
