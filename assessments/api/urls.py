from django.urls import path
from rest_framework.routers import SimpleRouter

from assessments.api import account_views, views

router = SimpleRouter(trailing_slash=False)
router.register("patients", views.PatientViewSet, basename="patient")
router.register("consents", views.ConsentViewSet, basename="consent")
router.register("exports", views.DataExportViewSet, basename="export")
router.register("erasures", views.ErasureViewSet, basename="erasure")
router.register("recordings", views.RecordingViewSet, basename="recording")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("questionnaires", views.InstrumentViewSet, basename="questionnaire")
router.register("prom-scores", views.PromScoreViewSet, basename="prom-score")

urlpatterns = [
    path("auth/token", account_views.TokenObtainApi.as_view(), name="token-obtain"),
    path("auth/token/refresh", account_views.TokenRefreshApi.as_view(), name="token-refresh"),
    path("auth/logout", account_views.LogoutApi.as_view(), name="logout-api"),
    path("auth/register", account_views.RegisterApi.as_view(), name="register"),
    path("auth/activate", account_views.ActivateApi.as_view(), name="activate"),
    path("auth/password-reset", account_views.PasswordResetApi.as_view(),
         name="password-reset-api"),
    path("me", account_views.MeApi.as_view(), name="me"),
    path("me/mfa", account_views.MfaApi.as_view(), name="mfa"),
    path("me/mfa/confirm", account_views.MfaConfirmApi.as_view(), name="mfa-confirm"),
    path("recording-protocol", views.RecordingProtocolApi.as_view(), name="recording-protocol"),
    path("consent-documents", views.ConsentDocumentListApi.as_view(), name="consent-documents"),
    *router.urls,
]
