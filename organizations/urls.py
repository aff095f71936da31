from django.urls import path

from organizations.views import institutions

app_name = "organizations"

urlpatterns = []

# The institution registry (院校名录).
urlpatterns += [
    path("institutions/", institutions.institution_list, name="institutions"),
    path("institutions/new/", institutions.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", institutions.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", institutions.institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/accounts/new/", institutions.institution_account_create,
         name="institution_account_create"),
]
