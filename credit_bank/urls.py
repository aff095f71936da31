"""/credit/: the credit bank (issue 8)."""

from django.urls import path

from credit_bank.views import catalog, staff, student

app_name = "credit"

urlpatterns = [
    path("", staff.index, name="index"),
    path("account/", student.account, name="account"),
    path("outcomes/", staff.outcome_list, name="outcomes"),
    path("outcomes/<int:pk>/convert/", student.convert, name="convert"),
    path("conversions/<int:pk>/withdraw/", student.conversion_withdraw, name="conversion_withdraw"),
    path("transcripts/", student.transcript_issue, name="transcript_issue"),
    path("transcripts/<str:number>/pdf", student.transcript_pdf, name="transcript_pdf"),
    path("transcripts/<str:number>/withdraw/", student.transcript_withdraw, name="transcript_withdraw"),
    path("t/<str:token>", catalog.transcript_verify, name="transcript_verify"),
    path("rules/", staff.rule_list, name="rules"),
    path("rules/new/", staff.rule_create, name="rule_create"),
    path("rules/<int:pk>/", staff.rule_detail, name="rule_detail"),
    path("policy/", staff.policy, name="policy"),
    path("requests/", staff.requests, name="requests"),
    path("requests/<int:pk>/", staff.request_detail, name="request_detail"),
    path("catalog/", catalog.catalog, name="catalog"),
    path("catalog/<int:certificate_id>/<str:level>/", catalog.catalog_edit, name="catalog_edit"),
    path("stats/", catalog.stats, name="stats"),
]
