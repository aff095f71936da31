from django.urls import path  # noqa: F401  (each concern adds its routes below)

app_name = "organizations"

urlpatterns = []
