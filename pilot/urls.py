from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.metrics import views as metrics_views
from pilot import supervision, views
from pilot.dashboard import views as dashboard
from pilot.indicators.urls import patterns as indicator_patterns
from pilot.public import views as public_views


def _superuser_only(request):
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superuser_only
admin.site.site_header = "1+X证书制度试点管理平台 · 系统管理"

pilot_patterns = ([
    path("", views.home, name="home"),
    path("workbench/", views.workbench, name="workbench"),
    path("portal/", public_views.public_home, name="public_home"),
    path("sitemap/", public_views.sitemap, name="sitemap"),
    path("provinces/", views.provinces, name="provinces"),
    path("provinces/<str:code>/", views.province_detail, name="province_detail"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/publish/", views.notice_publish, name="notice_publish"),
    path("notices/<int:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
    path("notices/attachments/<int:pk>/", views.notice_attachment, name="notice_attachment"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/provinces/<str:code>/", dashboard.dashboard_province, name="dashboard_province"),
    path("dashboard/orgs/<int:pk>/", dashboard.dashboard_org, name="dashboard_org"),
    path("dashboard/institutions/<int:pk>/", dashboard.dashboard_institution, name="dashboard_institution"),
    path("dashboard/institutions/<int:pk>/export/", dashboard.dashboard_institution_export,
         name="dashboard_institution_export"),
    path("dashboard/hubei/", dashboard.dashboard_hubei, name="dashboard_hubei"),
    path("dashboard/lists/<str:measure>/", dashboard.dashboard_list, name="dashboard_list"),
    path("dashboard/lists/<str:measure>/export/", dashboard.dashboard_list_export, name="dashboard_list_export"),
    path("dashboard/export/<str:view>/", dashboard.dashboard_export, name="dashboard_export"),
    path("dashboard/snapshot/", dashboard.dashboard_snapshot, name="dashboard_snapshot"),
    path("dashboard/refresh/", dashboard.dashboard_refresh, name="dashboard_refresh"),
    path("dashboard/refresh/<int:pk>/status/", dashboard.dashboard_refresh_status, name="dashboard_refresh_status"),
    path("supervision/", supervision.supervision_list, name="supervision"),
    path("supervision/orgs/<int:pk>/", supervision.supervision_org, name="supervision_org"),
    path("supervision/orgs/<int:pk>/delist/", supervision.supervision_delist, name="supervision_delist"),
    path("supervision/certificates/<int:pk>/", supervision.supervision_certificate, name="supervision_certificate"),
    path("supervision/evidence/<int:pk>/", supervision.supervision_evidence, name="supervision_evidence"),
    *indicator_patterns,
], "pilot")

urlpatterns = [
    # The API first: the pages' patterns need not be tried for each API call (the public verification
    # is the busiest); nothing else starts with api/v1/.
    path("api/v1/", include("pilot.api_urls")),
    path("", include(pilot_patterns)),
    path("account/", include("accounts.urls")),
    path("orgs/", include("organizations.urls")),
    path("catalog/", include("certificates.urls")),
    path("fees/", include("fees.urls")),
    path("assessments/", include("assessments.urls")),
    path("certificates/", include("certificates.issued_urls")),
    path("verify/", include("certificates.verification.urls")),
    path("c/", include("certificates.credential.urls")),
    path("credit/", include("credit_bank.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/language/", public_views.language_switch, name="language_switch"),
    path("i18n/large-text/", public_views.large_text, name="large_text"),
    path("i18n/catalog.js", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("metrics", metrics_views.metrics, name="metrics"),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler400 = "pilot.views.bad_request"
handler403 = "pilot.views.permission_denied"
handler404 = "pilot.views.page_not_found"
handler500 = "pilot.views.server_error"
