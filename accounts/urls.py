from django.urls import path

from accounts import views
from accounts.signup import views as signup_views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("activate/", views.activate_view, name="activate"),
    path("signup/", signup_views.signup, name="signup"),
    path("signup/verify/", signup_views.signup_verify, name="signup_verify"),
    path("privacy/", signup_views.privacy_notice, name="privacy"),
    path("password/reset/", views.password_reset_request, name="password_reset"),
    path("password/change/", views.password_change, name="password_change"),
    path("role/", views.role_switch, name="role_switch"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("users/", views.users_list, name="users"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/action/", views.user_action, name="user_action"),
    path("audit/", views.audit_log_view, name="audit_log"),
]
