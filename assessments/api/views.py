from __future__ import annotations

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import results, selectors, services, uploads
from assessments.api import serializers as s
from assessments.api.access_log import AccessLoggedMixin
from assessments.api.permissions import (
    IsAdminRole,
    IsPatientOrAdminRole,
    IsPatientRole,
    IsStaffRole,
)
from assessments.erasure import erasure_request
from assessments.models import Consent, Erasure, Instrument
from backtracker_site.api.errors import ApiError
from backtracker_site.api.throttling import ScopedRateThrottle
from backtracker_site.models import JobStatus

UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


# --- Patients and consent -------------------------------------------------------------


class PatientViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Patients the caller may see: themselves, their caseload, or everyone for admins."""

    access_object_type = "patient"
    access_patient_path = ""

    lookup_value_regex = UUID_PATTERN

    http_method_names = ["get", "patch"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    ordering_fields = ["created_at", "year_of_birth", "user__last_name"]
    ordering = ["created_at"]
    filterset_fields = ["physiotherapist", "sex"]

    def get_queryset(self):
        return selectors.patients_for_user(self.request.user)

    def get_serializer_class(self):
        if getattr(self.request, "user", None) and self.request.user.is_authenticated \
                and self.request.user.is_admin:
            return s.PatientAdminSerializer
        return s.PatientSerializer


class ConsentDocumentListApi(generics.ListAPIView):
    """The consent texts currently in force, one per purpose."""

    serializer_class = s.ConsentDocumentSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.consent_documents_current()


class ConsentViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Consent records; only the patient grants or withdraws their own consent."""

    access_object_type = "consent"

    lookup_value_regex = UUID_PATTERN

    serializer_class = s.ConsentSerializer
    filterset_fields = ["purpose", "patient"]
    ordering = ["-granted_at"]

    def get_queryset(self):
        return selectors.consents_for_user(self.request.user)

    def get_permissions(self):
        if self.action in ("create", "withdraw"):
            return [permissions.IsAuthenticated(), IsPatientRole()]
        return super().get_permissions()

    @extend_schema(request=s.ConsentGrantSerializer, responses={201: s.ConsentSerializer})
    def create(self, request: Request) -> Response:
        data = s.ConsentGrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_grant(patient=request.user.patient, **data.validated_data)
        return Response(s.ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.ConsentSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        consent: Consent = self.get_object()
        consent = services.consent_withdraw(consent=consent)
        return Response(s.ConsentSerializer(consent).data)


class DataExportViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Machine-readable copies of a patient's data, built in the background."""

    access_object_type = "data export"

    lookup_value_regex = UUID_PATTERN

    serializer_class = s.DataExportSerializer
    permission_classes = [permissions.IsAuthenticated, IsPatientOrAdminRole]

    def get_queryset(self):
        return selectors.exports_for_user(self.request.user)

    @extend_schema(request=s.DataExportRequestSerializer, responses={202: s.DataExportSerializer})
    def create(self, request: Request) -> Response:
        data = s.DataExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = selectors.patient_get_for_user(user=request.user,
                                                 patient_id=data.validated_data["patient"])
        export = services.data_export_request(patient=patient, requested_by=request.user)
        return Response(s.DataExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.BINARY,
                              409: OpenApiResponse(description="not ready yet")})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        export = self.get_object()
        if not export.file_key:
            raise ApiError(code="not_ready", status_code=409,
                           message="The export is still being prepared; try again shortly.")
        try:
            handle = default_storage.open(export.file_key, "rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, as_attachment=True, content_type="application/json",
                            filename=f"backtracker-export-{export.patient_id}.json")


class ErasureViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Erasure of everything stored about a patient; it cannot be undone.

    A patient asks for their own erasure (an administrator for anyone's), confirming with
    their password. The account is locked at once and the data removed in the background;
    a confirmation e-mail follows. Administrators follow the requests here.
    """

    access_object_type = "erasure"
    access_patient_path = "patient_ref"

    lookup_value_regex = UUID_PATTERN
    serializer_class = s.ErasureSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdminRole]
    filterset_fields = ["status"]
    ordering = ["-queued_at"]

    def get_queryset(self):
        return Erasure.objects.all() if self.request.user.is_authenticated \
            and self.request.user.is_admin else Erasure.objects.none()

    def get_permissions(self):
        if self.action == "create":
            return [permissions.IsAuthenticated(), IsPatientOrAdminRole()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action == "create":  # it checks a password: same budget as signing in
            self.throttle_scope = "login"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=s.ErasureRequestSerializer, responses={202: s.ErasureSerializer})
    def create(self, request: Request) -> Response:
        data = s.ErasureRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.check_password(data.validated_data["password"]):
            raise ApiError(code="wrong_password", status_code=400,
                           message="The password is not right; erasure needs your password.")
        if request.user.is_patient:
            patient = request.user.patient
        elif "patient" in data.validated_data:
            patient = selectors.patient_get_for_user(
                user=request.user, patient_id=data.validated_data["patient"])
        else:
            raise ApiError(code="patient_required", status_code=400,
                           message="Say whose data to erase in `patient`.")
        erasure = erasure_request(patient=patient, requested_by=request.user)
        return Response(s.ErasureSerializer(erasure).data, status=status.HTTP_202_ACCEPTED)


class RawBytesParser(BaseParser):
    """A chunk of a chunked upload, as raw bytes (never larger than one part)."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        limit = settings.UPLOAD_PART_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise ApiError(code="bad_chunk", status_code=413,
                           message=f"A chunk is at most {limit} bytes.")
        return body


class RecordingViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Bend recordings: start an upload, send it, complete it, follow the analysis."""

    access_object_type = "recording"

    lookup_value_regex = UUID_PATTERN
    serializer_class = s.RecordingSerializer
    filterset_fields = ["task", "status", "patient"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return selectors.recordings_for_user(self.request.user).prefetch_related("feature_sets")

    def get_permissions(self):
        if self.action in ("create", "upload", "chunk", "complete"):
            return [permissions.IsAuthenticated(), IsPatientRole()]
        return super().get_permissions()

    def get_throttles(self):
        if self.action == "create":
            self.throttle_scope = "uploads"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=s.RecordingCreateSerializer,
                   responses={201: s.RecordingStartedSerializer})
    def create(self, request: Request) -> Response:
        """Start a recording's upload; the answer says where and how to send the bytes."""
        data = s.RecordingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recording, upload = uploads.recording_start_upload(patient=request.user.patient,
                                                           **data.validated_data)
        body = {"recording": s.RecordingSerializer(recording).data, "upload": upload}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.UploadInstructionsSerializer})
    @action(detail=True, methods=["get"])
    def upload(self, request: Request, pk: str) -> Response:
        """Resume: which parts are stored, and fresh URLs for the missing ones."""
        recording = self.get_object()
        if recording.status != JobStatus.PENDING:
            raise ApiError(code="not_uploading", status_code=409,
                           message="This recording is not waiting for an upload.")
        return Response(uploads.upload_instructions(recording))

    @extend_schema(request={"application/octet-stream": OpenApiTypes.BINARY},
                   responses={204: None},
                   parameters=[OpenApiParameter("number", int, OpenApiParameter.PATH)])
    @action(detail=True, methods=["put"], url_path=r"chunks/(?P<number>[0-9]{1,5})",
            parser_classes=[RawBytesParser])
    def chunk(self, request: Request, pk: str, number: str) -> Response:
        """Send one numbered chunk (local storage); sending it again replaces it."""
        recording = self.get_object()
        body = request.data if isinstance(request.data, bytes) else b""
        uploads.chunk_store(recording=recording, number=int(number), body=body)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.RecordingSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Check the stored video and queue its analysis (repeating this changes nothing)."""
        recording = uploads.upload_complete(recording=self.get_object())
        return Response(s.RecordingSerializer(recording).data)


class InstrumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Questionnaires in use, with their items (licensed wording where an admin loaded it)."""

    serializer_class = s.InstrumentSerializer
    pagination_class = None
    lookup_field = "code"
    lookup_value_regex = "[a-z0-9]{1,20}"

    def get_queryset(self):
        return Instrument.objects.filter(is_current=True)

    def get_throttles(self):
        if self.action == "responses":
            self.throttle_scope = "questionnaires"
            return [ScopedRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=s.PromAnswersSerializer, responses={201: s.PromScoreSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated,
                                                                IsPatientRole])
    def responses(self, request: Request, code: str) -> Response:
        """Submit answers; the score, subscales and risk band come back and are kept."""
        data = s.PromAnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.prom_submit(patient=request.user.patient, code=code,
                                      answers=data.validated_data["answers"])
        return Response(s.PromScoreSerializer(result).data, status=status.HTTP_201_CREATED)


class PromScoreViewSet(AccessLoggedMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Questionnaire score history."""

    access_object_type = "prom score"

    serializer_class = s.PromScoreSerializer
    filterset_fields = ["instrument", "patient"]
    ordering = ["-recorded_at"]

    def get_queryset(self):
        return selectors.prom_scores_for_user(self.request.user)


class AssessmentViewSet(AccessLoggedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """A forward and a backward recording (and questionnaires) turned into a result."""

    access_object_type = "assessment"

    lookup_value_regex = UUID_PATTERN
    serializer_class = s.AssessmentSerializer
    filterset_fields = ["status", "patient"]
    ordering = ["-created_at"]
    http_method_names = ["get", "post", "patch"]

    def get_queryset(self):
        return selectors.assessments_for_user(self.request.user).select_related(
            "forward", "backward", "model_version").prefetch_related("programmes")

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [permissions.IsAuthenticated(), IsPatientRole()]
        if self.action == "review":
            return [permissions.IsAuthenticated(), IsStaffRole()]
        return super().get_permissions()

    @extend_schema(request=s.AssessmentCreateSerializer, responses={201: s.AssessmentSerializer})
    def create(self, request: Request) -> Response:
        """Start an assessment from your recordings; it runs once both are analysed."""
        data = s.AssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = results.assessment_create(
            patient=request.user.patient, forward_id=data.validated_data.get("forward"),
            backward_id=data.validated_data.get("backward"),
            use_proms=data.validated_data["use_proms"])
        body = s.AssessmentSerializer(assessment, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssessmentUpdateSerializer, responses={200: s.AssessmentSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Use a new recording for a task after a quality check asked for it."""
        assessment = self.get_object()
        data = s.AssessmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        for task, recording_id in data.validated_data.items():
            assessment = results.assessment_replace_recording(
                assessment=assessment, task=task, recording_id=recording_id)
        return Response(s.AssessmentSerializer(assessment, context={"request": request}).data)

    @extend_schema(request=s.AssessmentReviewSerializer, responses={200: s.AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        """Confirm or override the classification (with a reason); retraining learns it."""
        data = s.AssessmentReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = results.assessment_review(
            assessment=self.get_object(), physiotherapist=request.user, **data.validated_data)
        return Response(s.AssessmentSerializer(assessment, context={"request": request}).data)


class RecordingProtocolApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        """How to film each bend: instructions, camera placement, repetitions and limits."""
        from assessments.protocol import recording_protocol

        return Response(recording_protocol())
