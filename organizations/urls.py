from django.urls import path

from organizations.complaints import views as complaint_views
from organizations.institutions import views as institutions
from organizations.orgs import views as orgs
from organizations.seals import views as seals

app_name = "organizations"

urlpatterns = [
    # org registry and profiles
    path("", orgs.org_list, name="org_list"),
    path("new/", orgs.org_create, name="org_create"),
    path("mine/", orgs.org_mine, name="org_mine"),
    path("status/", orgs.org_status_list, name="org_status_list"),
    path("<int:pk>/", orgs.org_detail, name="org_detail"),
    path("<int:pk>/edit/", orgs.org_edit, name="org_edit"),
    path("<int:pk>/accounts/new/", orgs.org_account_create, name="org_account_create"),
    # e-seals
    path("<int:pk>/seal/upload/", seals.seal_upload, name="seal_upload"),
    path("<int:pk>/seal/current/", seals.seal_file, name="seal_current"),
    path("<int:pk>/seal/v<int:version>/", seals.seal_file, name="seal_file"),
    # complaints (投诉举报): filing, receipt and status look-up are public; the rest needs a role
    path("complaints/", complaint_views.complaint_list, name="complaint_list"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/receipt/", complaint_views.complaint_receipt, name="complaint_receipt"),
    path("complaints/status/", complaint_views.complaint_status, name="complaint_status"),
    path("complaints/upheld/", complaint_views.complaints_upheld, name="complaints_upheld"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/transition/", complaint_views.complaint_transition, name="complaint_transition"),
    path("complaints/<int:pk>/note/", complaint_views.complaint_note, name="complaint_note"),
    path("complaints/evidence/<int:pk>/", complaint_views.complaint_evidence, name="complaint_evidence"),
    # the institution registry (院校名录)
    path("institutions/", institutions.institution_list, name="institutions"),
    path("institutions/new/", institutions.institution_create, name="institution_create"),
    path("institutions/<int:pk>/", institutions.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", institutions.institution_edit, name="institution_edit"),
    path("institutions/<int:pk>/accounts/new/", institutions.institution_account_create,
         name="institution_account_create"),
]
