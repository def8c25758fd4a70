from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.models import (
    Assessment,
    Consent,
    ConsentDocument,
    DataExport,
    Erasure,
    Instrument,
    Patient,
    Phenotype,
    PromScore,
    Recording,
    Task,
    User,
)
from assessments.prom_scoring import item_range


class UserSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name", "email", "role"]
        read_only_fields = fields


class PhysiotherapistSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    patient_id = serializers.UUIDField(source="patient.id", read_only=True, allow_null=True,
                                       default=None)

    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "patient_id"]
        read_only_fields = ["id", "email", "role", "patient_id"]


class PatientSerializer(serializers.ModelSerializer):
    """What a patient or their physiotherapist sees and may edit of a profile."""

    name = serializers.CharField(source="user.get_full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    physiotherapist = PhysiotherapistSummarySerializer(read_only=True)

    class Meta:
        model = Patient
        fields = ["id", "name", "email", "year_of_birth", "sex", "height_cm",
                  "physiotherapist", "created_at"]
        read_only_fields = ["id", "name", "email", "physiotherapist", "created_at"]


class PatientAdminSerializer(PatientSerializer):
    """Admins also assign the physiotherapist."""

    physiotherapist_id = serializers.PrimaryKeyRelatedField(
        source="physiotherapist",
        queryset=User.objects.filter(role=User.Role.PHYSIOTHERAPIST, is_active=True),
        allow_null=True, required=False, write_only=True,
    )

    class Meta(PatientSerializer.Meta):
        fields = [*PatientSerializer.Meta.fields, "physiotherapist_id"]


class RegistrationSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    # Spaces count, at sign-in too (web and API alike).
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False,
                                     style={"input_type": "password"})
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    year_of_birth = serializers.IntegerField(min_value=1900, max_value=2100, required=False)
    sex = serializers.ChoiceField(choices=Patient.Sex.choices, required=False)
    height_cm = serializers.IntegerField(min_value=50, max_value=250, required=False)
    consent_to_care = serializers.BooleanField()
    consent_to_training = serializers.BooleanField(default=False)

    def validate(self, attrs: dict) -> dict:
        try:
            validate_password(attrs["password"], user=User(email=attrs["email"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class MfaStartSerializer(serializers.Serializer):
    secret = serializers.CharField(read_only=True, help_text="Base32 key for the app.")
    otpauth_uri = serializers.CharField(read_only=True, help_text="otpauth:// URI (QR code).")


class MfaCodeSerializer(serializers.Serializer):
    otp = serializers.CharField(max_length=64, help_text="The code the app shows now.")


class MfaRecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(child=serializers.CharField(), read_only=True,
                                           help_text="One-time codes, shown this once.")


class MfaDisableSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class ActivationSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ConsentDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentDocument
        fields = ["purpose", "version", "text", "text_sha256", "published_at"]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    version = serializers.CharField(source="document.version", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "patient", "purpose", "version", "channel", "granted_at",
                  "withdrawn_at", "is_active"]
        read_only_fields = ["id", "patient", "version", "granted_at", "withdrawn_at",
                            "is_active"]


class ConsentGrantSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=Consent._meta.get_field("purpose").choices)
    channel = serializers.ChoiceField(choices=Consent.Channel.choices, default="app")


class DataExportSerializer(serializers.ModelSerializer):
    ready = serializers.SerializerMethodField()

    class Meta:
        model = DataExport
        fields = ["id", "patient", "status", "stage", "percent", "queued_at", "finished_at",
                  "error_message", "ready"]
        read_only_fields = fields

    def get_ready(self, export: DataExport) -> bool:
        return bool(export.file_key)


class DataExportRequestSerializer(serializers.Serializer):
    patient = serializers.UUIDField()


class ErasureSerializer(serializers.ModelSerializer):
    patient = serializers.UUIDField(source="patient_ref", read_only=True)

    class Meta:
        model = Erasure
        fields = ["id", "patient", "status", "stage", "percent", "queued_at", "finished_at",
                  "rows_removed", "objects_removed", "uploads_aborted", "error_message"]
        read_only_fields = fields


class ErasureRequestSerializer(serializers.Serializer):
    password = serializers.CharField(
        max_length=128, trim_whitespace=False,
        help_text="The caller's own password, to confirm an action that cannot be undone.")
    patient = serializers.UUIDField(required=False,
                                    help_text="Administrators only: whose data to erase.")


class RecordingSerializer(serializers.ModelSerializer):
    qc = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = ["id", "patient", "task", "status", "stage", "percent", "size_bytes",
                  "created_at", "finished_at", "error_code", "error_message", "qc"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "ok": {"type": "boolean"},
        "issues": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}}}}})
    def get_qc(self, recording: Recording) -> dict | None:
        """The quality check of the current pipeline's analysis (else the newest): what, if
        anything, to record again."""
        from mlpipeline.selectors import feature_set_for_display

        latest = feature_set_for_display(recording)
        if latest is None:
            return None
        return {"ok": latest.qc_ok, "issues": latest.qc_issues}


class RecordingCreateSerializer(serializers.Serializer):
    task = serializers.ChoiceField(choices=Task.choices)
    content_type = serializers.ChoiceField(choices=["video/mp4", "video/quicktime"])
    size_bytes = serializers.IntegerField(min_value=1)


class UploadPartSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class UploadInstructionsSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["post", "multipart", "chunked"])
    expires_in = serializers.IntegerField()
    url = serializers.CharField(required=False, help_text="post: where to POST the form")
    fields = serializers.DictField(child=serializers.CharField(), required=False,
                                   help_text="post: form fields to send before the file")
    part_count = serializers.IntegerField(required=False)
    stored_parts = serializers.ListField(child=serializers.IntegerField(), required=False)
    parts = UploadPartSerializer(many=True, required=False,
                                 help_text="multipart/chunked: the parts still to send")


class RecordingStartedSerializer(serializers.Serializer):
    recording = RecordingSerializer()
    upload = UploadInstructionsSerializer()


class InstrumentItemSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField(help_text="licensed wording, or a neutral label")
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class InstrumentSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

    class Meta:
        model = Instrument
        fields = ["code", "version", "name", "items"]
        read_only_fields = fields

    def get_name(self, instrument: Instrument) -> str:
        return instrument.definition.get("name", instrument.code)

    @extend_schema_field(InstrumentItemSerializer(many=True))
    def get_items(self, instrument: Instrument) -> list[dict]:
        definition = instrument.definition
        items = []
        for number in range(1, definition["items"] + 1):
            low, high = item_range(definition, number)
            text = instrument.wording.get(str(number)) or f"Item {number}"
            items.append({"number": number, "text": text, "min": low, "max": high})
        return items


class PromAnswersSerializer(serializers.Serializer):
    answers = serializers.ListField(child=serializers.IntegerField(allow_null=True),
                                    max_length=100,
                                    help_text="one answer per item, in order; null if skipped")


class PromScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = PromScore
        fields = ["id", "patient", "instrument", "instrument_version", "total", "subscales",
                  "band", "source", "recorded_at"]
        read_only_fields = fields


class AssessmentResultSerializer(serializers.Serializer):
    phenotype = serializers.ChoiceField(choices=Phenotype.choices)
    probability = serializers.FloatField(help_text="confidence in the phenotype shown, 0.5-1")
    model_version = serializers.IntegerField(allow_null=True)
    review = serializers.CharField()
    programme = serializers.UUIDField(allow_null=True,
                                      help_text="the exercise programme built for this result")
    mask_scores = serializers.ListField(child=serializers.DictField(), required=False,
                                       help_text="staff only: per-mask FP/EP pull")


def programme_for(assessment: Assessment, staff: bool) -> str | None:
    """The programme built for this result: the newest one, or for the patient the newest
    one a physiotherapist approved (prefetched as ``programmes``)."""
    programmes = sorted(assessment.programmes.all(), key=lambda p: p.created_at, reverse=True)
    shown = [p for p in programmes if staff or p.status == "approved"]
    return str(shown[0].id) if shown else None


class AssessmentSerializer(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["id", "patient", "forward", "backward", "use_proms", "status", "stage",
                  "percent", "needs", "error_code", "error_message", "result", "created_at"]
        read_only_fields = fields

    def get_percent(self, assessment: Assessment) -> int:
        """Progress of the whole assessment: analysis of both recordings, then the model."""
        if assessment.status in ("done", "failed"):
            return 100
        if assessment.status in ("queued", "running"):
            return 90 + assessment.percent // 10
        recordings = [assessment.forward, assessment.backward]
        done = [r.percent if r and r.status != "done" else (100 if r else 0) for r in recordings]
        return int(sum(done) / 2 * 0.9)

    @extend_schema_field(AssessmentResultSerializer(allow_null=True))
    def get_result(self, assessment: Assessment) -> dict | None:
        if not assessment.phenotype:
            return None
        request = self.context.get("request")
        staff = request is not None and not request.user.is_patient
        if not staff and not assessment.released:
            return None  # waiting for the physiotherapist
        result = {"phenotype": assessment.phenotype, "probability": assessment.probability,
                  "model_version": getattr(assessment.model_version, "number", None),
                  "review": assessment.review, "programme": programme_for(assessment, staff)}
        if staff:
            result["mask_scores"] = assessment.mask_scores
        return result


class AssessmentCreateSerializer(serializers.Serializer):
    forward = serializers.UUIDField(required=False, allow_null=True)
    backward = serializers.UUIDField(required=False, allow_null=True)
    use_proms = serializers.BooleanField(default=True)


class AssessmentUpdateSerializer(serializers.Serializer):
    forward = serializers.UUIDField(required=False)
    backward = serializers.UUIDField(required=False)


class AssessmentReviewSerializer(serializers.Serializer):
    phenotype = serializers.ChoiceField(choices=Phenotype.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
