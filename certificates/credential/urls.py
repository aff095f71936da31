"""/c/<token>/: a holder's public credential page (issue 17, item 4), by its random token."""

from django.urls import path

from certificates.credential import views

app_name = "credential"

urlpatterns = [
    path("<str:token>/", views.public, name="public"),
    path("<str:token>/report.pdf", views.public_report, name="public_report"),
]
