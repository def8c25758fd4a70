from __future__ import annotations

from rest_framework.routers import SimpleRouter

from exercises.api import views

router = SimpleRouter(trailing_slash=False)
router.register("exercises", views.ExerciseViewSet, basename="exercise")
router.register("programmes", views.ProgrammeViewSet, basename="programme")
router.register("sessions", views.SessionLogViewSet, basename="session")

urlpatterns = router.urls
