from django.urls import path

from organizations.views import orgs, seals

app_name = "organizations"

urlpatterns = [
    # org registry and profiles
    path("", orgs.org_list, name="org_list"),
    path("new/", orgs.org_create, name="org_create"),
    path("mine/", orgs.org_mine, name="org_mine"),
    path("<int:pk>/", orgs.org_detail, name="org_detail"),
    path("<int:pk>/edit/", orgs.org_edit, name="org_edit"),
    path("<int:pk>/accounts/new/", orgs.org_account_create, name="org_account_create"),
    # e-seals
    path("<int:pk>/seal/upload/", seals.seal_upload, name="seal_upload"),
    path("<int:pk>/seal/current/", seals.seal_file, name="seal_current"),
    path("<int:pk>/seal/v<int:version>/", seals.seal_file, name="seal_file"),
]
