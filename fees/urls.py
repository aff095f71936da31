from django.urls import path

from fees import views

app_name = "fees"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.proposal_new, name="proposal_new"),
    path("threads/<int:pk>/", views.thread_detail, name="thread"),
    path("standards/", views.standards, name="standards"),
    path("payments/", views.payments, name="payments"),
]
