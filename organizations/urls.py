from django.urls import path

app_name = "organizations"

urlpatterns = []

# Complaints (投诉举报): filing, receipt and status look-up are public; the rest needs a role.
from organizations.views import complaints as complaint_views  # noqa: E402

urlpatterns += [
    path("complaints/", complaint_views.complaint_list, name="complaint_list"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/receipt/", complaint_views.complaint_receipt, name="complaint_receipt"),
    path("complaints/status/", complaint_views.complaint_status, name="complaint_status"),
    path("complaints/upheld/", complaint_views.complaints_upheld, name="complaints_upheld"),
    path("complaints/<int:pk>/", complaint_views.complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/transition/", complaint_views.complaint_transition, name="complaint_transition"),
    path("complaints/<int:pk>/note/", complaint_views.complaint_note, name="complaint_note"),
    path("complaints/evidence/<int:pk>/", complaint_views.complaint_evidence, name="complaint_evidence"),
]
