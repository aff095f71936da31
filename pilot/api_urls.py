"""/api/v1/: each app contributes its own api_urls module."""

from django.urls import include, path

urlpatterns = [
    # certificates first: its public verification is the API's busiest path (tried patterns cost).
    path("", include("certificates.api_urls")),
    path("", include("accounts.api_urls")),
    path("", include("organizations.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("credit_bank.api_urls")),
    path("", include("fees.api_urls")),
]
