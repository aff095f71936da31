"""URL patterns of the supervision board, included in pilot.urls under the ``pilot`` namespace."""

from django.urls import path

from pilot.indicators import views

patterns = [
    path("supervision/indicators/", views.indicator_list, name="indicators"),
    path("supervision/indicators/run/", views.indicator_run, name="indicator_run"),
    path("supervision/indicators/rules/", views.rules_edit, name="indicator_rules"),
    path("supervision/indicators/<int:year>/<int:month>/status/", views.indicator_status, name="indicator_status"),
    path("supervision/indicators/orgs/<int:pk>/", views.indicator_org, name="indicator_org"),
    path("supervision/candidates/", views.candidate_list, name="candidates"),
    path("supervision/candidates/<int:pk>/yellow-card/", views.candidate_yellow_card, name="candidate_yellow_card"),
]
