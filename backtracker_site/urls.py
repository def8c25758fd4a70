from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backtracker_site import views
from backtracker_site.api.health import HealthApi

admin.site.site_header = "BackTracker administration"
admin.site.site_title = "BackTracker admin"
admin.site.index_title = "Clinic administration"

handler400 = "backtracker_site.api.errors.json_bad_request"
handler404 = "backtracker_site.api.errors.json_not_found"
handler500 = "backtracker_site.api.errors.json_server_error"

api_v1 = [
    path("health", HealthApi.as_view(), name="health"),
    path("", include("assessments.api.urls")),
    path("", include("exercises.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/mfa/setup/", views.mfa_setup, name="mfa-setup"),
    path("accounts/mfa/verify/", views.mfa_verify, name="mfa-verify"),
    path("accounts/password-reset/", views.password_reset, name="password-reset"),
    path("accounts/reset/<str:uidb64>/<str:token>/",
         auth_views.PasswordResetConfirmView.as_view(success_url="/accounts/reset/done/"),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("accounts/activate/<str:uidb64>/<str:token>/", views.activate_account,
         name="activate-account"),
    path("dashboard/", include("assessments.web")),
    path("app/", include("patientapp.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
