from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from assessments.api.access_log import AccessLoggedMixin
from assessments.api.permissions import IsPatientRole, IsStaffRole
from assessments.api.views import UUID_PATTERN
from assessments.selectors import patient_get_for_user
from exercises import progression, selectors, services
from exercises.api import serializers as s
from exercises.models import Programme


class ExerciseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """The exercise library (edited in the admin)."""

    lookup_value_regex = UUID_PATTERN
    serializer_class = s.ExerciseSerializer
    filterset_fields = ["direction", "category", "level"]
    search_fields = ["name", "slug", "purpose"]
    ordering = ["direction", "slug"]

    def get_queryset(self):
        return selectors.exercises_active()


class ProgrammeViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Exercise programmes. Patients see their approved programme; physiotherapists (and
    admins) generate, edit and approve them, and every change is versioned."""

    access_object_type = "programme"

    lookup_value_regex = UUID_PATTERN
    serializer_class = s.ProgrammeSerializer
    filterset_fields = ["patient", "status", "phenotype"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch"]

    def get_queryset(self):
        return selectors.programmes_for_user(self.request.user)

    def get_permissions(self):
        if self.action in ("create", "partial_update", "approve"):
            return [permissions.IsAuthenticated(), IsStaffRole()]
        return super().get_permissions()

    @extend_schema(request=s.ProgrammeCreateSerializer, responses={201: s.ProgrammeSerializer})
    def create(self, request: Request) -> Response:
        """Generate a programme for a patient from a classification result."""
        data = s.ProgrammeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = patient_get_for_user(user=request.user,
                                       patient_id=data.validated_data["patient"])
        programme = services.programme_create_for_result(
            patient=patient, phenotype=data.validated_data["phenotype"],
            probability=data.validated_data["probability"], created_by=request.user)
        return Response(s.ProgrammeSerializer(self._fresh(programme)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ProgrammeUpdateSerializer, responses={200: s.ProgrammeSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Edit exercises, dosage, schedule or notes; the reason goes into the history."""
        programme = self.get_object()
        data = s.ProgrammeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.programme_update(programme=programme, by=request.user,
                                              **data.validated_data)
        return Response(s.ProgrammeSerializer(self._fresh(programme)).data)

    @extend_schema(request=s.ProgrammeApproveSerializer, responses={200: s.ProgrammeSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Approve the programme: the patient sees it from now on."""
        programme = self.get_object()
        data = s.ProgrammeApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        programme = services.programme_approve(programme=programme, by=request.user,
                                               reason=data.validated_data["reason"])
        return Response(s.ProgrammeSerializer(self._fresh(programme)).data)

    @extend_schema(responses={200: s.ProgrammeVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request: Request, pk: str) -> Response:
        """Every version of the programme, newest first, with who changed it and why."""
        programme = self.get_object()
        return Response(s.ProgrammeVersionSerializer(
            selectors.programme_versions(programme), many=True).data)

    @extend_schema(responses={200: s.AdherenceSerializer})
    @action(detail=True, methods=["get"])
    def adherence(self, request: Request, pk: str) -> Response:
        """Weekly adherence at the current level and what the progression rules say now."""
        programme: Programme = self.get_object()
        records = services.session_records(programme)
        weeks = progression.weekly_adherence(
            records, since=programme.level_started_on, today=services.today(),
            planned_per_week=programme.sessions_per_week)
        decision = services.programme_evaluate(programme=programme)
        body = {"level": programme.level, "level_started_on": programme.level_started_on,
                "weeks": weeks, "decision": decision}
        return Response(s.AdherenceSerializer(body).data)

    def _fresh(self, programme: Programme) -> Programme:
        return selectors.programmes_for_user(self.request.user).get(pk=programme.pk)


class SessionLogViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Exercise sessions; only the patient logs their own."""

    access_object_type = "session"

    lookup_value_regex = UUID_PATTERN
    serializer_class = s.SessionLogSerializer
    filterset_fields = ["programme", "patient"]
    ordering = ["-performed_on", "-created_at"]

    def get_queryset(self):
        return selectors.sessions_for_user(self.request.user)

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsPatientRole()]
        return super().get_permissions()

    @extend_schema(request=s.SessionLogCreateSerializer, responses={201: s.SessionLogSerializer})
    def create(self, request: Request) -> Response:
        """Log a session; progression or regression follows from the rules at once."""
        data = s.SessionLogCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        programme = selectors.programmes_for_user(request.user) \
            .filter(pk=fields.pop("programme")).first()
        if programme is None:
            raise Http404
        session = services.session_log(patient=request.user.patient, programme=programme,
                                       **fields)
        session = selectors.sessions_for_user(request.user).get(pk=session.pk)
        return Response(s.SessionLogSerializer(session).data, status=status.HTTP_201_CREATED)
