"""/api/v1/credit/…: the credit bank's API (issue 8)."""

from django.urls import path

from credit_bank import api

urlpatterns = [
    path("credit/account", api.AccountApi.as_view(), name="api-credit-account"),
    path("credit/outcomes", api.OutcomeListApi.as_view(), name="api-credit-outcomes"),
    path("credit/catalog", api.CatalogApi.as_view(), name="api-credit-catalog"),
    path("credit/rules", api.RuleCollectionApi.as_view(), name="api-credit-rules"),
    path("credit/rules/<int:pk>", api.RuleDetailApi.as_view(), name="api-credit-rule"),
    path("credit/rules/<int:pk>/versions", api.RuleVersionApi.as_view(), name="api-credit-rule-versions"),
    path("credit/rules/<int:pk>/withdraw", api.RuleWithdrawApi.as_view(), name="api-credit-rule-withdraw"),
    path("credit/policies", api.PolicyApi.as_view(), name="api-credit-policies"),
    path("credit/conversions", api.ConversionCollectionApi.as_view(), name="api-credit-conversions"),
    path("credit/conversions/<int:pk>", api.ConversionDetailApi.as_view(), name="api-credit-conversion"),
    path("credit/conversions/<int:pk>/approve", api.ConversionApproveApi.as_view(), name="api-credit-approve"),
    path("credit/conversions/<int:pk>/decline", api.ConversionDeclineApi.as_view(), name="api-credit-decline"),
    path("credit/conversions/<int:pk>/annul", api.ConversionAnnulApi.as_view(), name="api-credit-annul"),
    path("credit/conversions/<int:pk>/withdraw", api.ConversionWithdrawApi.as_view(), name="api-credit-withdraw"),
    path("credit/transcripts", api.TranscriptIssueApi.as_view(), name="api-credit-transcripts"),
    path("credit/transcripts/<str:number>/pdf", api.TranscriptPdfApi.as_view(), name="api-credit-transcript-pdf"),
    path("credit/transcripts/verify/<str:token>", api.TranscriptVerifyApi.as_view(), name="api-credit-transcript-verify"),
    path("credit/stats", api.StatsApi.as_view(), name="api-credit-stats"),
]
