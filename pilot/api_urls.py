"""/api/v1/: each app contributes its own api_urls module."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("organizations.api_urls")),
    path("", include("certificates.api_urls")),
    path("", include("assessments.api_urls")),
    path("", include("credit_bank.api_urls")),
    path("", include("fees.api_urls")),
]
