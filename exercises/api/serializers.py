from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from assessments.models import Phenotype
from exercises.models import (
    Exercise,
    Programme,
    ProgrammeItem,
    ProgrammeVersion,
    SessionExercise,
    SessionLog,
)


class ExerciseLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exercise
        fields = ["id", "slug", "name", "level"]
        read_only_fields = fields


class ExerciseSerializer(serializers.ModelSerializer):
    progression = ExerciseLinkSerializer(read_only=True, allow_null=True)
    regression = ExerciseLinkSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Exercise
        fields = ["id", "slug", "name", "purpose", "instructions", "starting_position",
                  "equipment", "image", "video", "level", "direction", "category",
                  "default_sets", "default_reps", "default_hold_seconds", "default_minutes",
                  "default_sessions_per_week", "contraindications", "cautions", "references",
                  "progression", "regression"]
        read_only_fields = fields


class ProgrammeItemSerializer(serializers.ModelSerializer):
    exercise = ExerciseLinkSerializer(read_only=True)

    class Meta:
        model = ProgrammeItem
        fields = ["exercise", "order", "sets", "reps", "hold_seconds", "minutes",
                  "sessions_per_week", "rule"]
        read_only_fields = fields


class ProgrammeSerializer(serializers.ModelSerializer):
    items = ProgrammeItemSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "patient", "phenotype", "probability", "confidence", "status",
                  "needs_review", "review_reasons", "rationale", "schedule_days", "level",
                  "level_started_on", "notes", "version", "created_by", "approved_by",
                  "approved_at", "created_at", "updated_at", "items"]
        read_only_fields = fields


class ProgrammeCreateSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    phenotype = serializers.ChoiceField(choices=Phenotype.choices)
    probability = serializers.FloatField(min_value=0.0, max_value=1.0)


class ProgrammeItemInputSerializer(serializers.Serializer):
    exercise = serializers.SlugRelatedField(slug_field="slug",
                                            queryset=Exercise.objects.filter(is_active=True))
    sets = serializers.IntegerField(min_value=1, max_value=20, required=False)
    reps = serializers.IntegerField(min_value=1, max_value=100, required=False)
    hold_seconds = serializers.IntegerField(min_value=0, max_value=600, required=False)
    minutes = serializers.IntegerField(min_value=0, max_value=240, required=False)
    sessions_per_week = serializers.IntegerField(min_value=1, max_value=7, required=False)


class ProgrammeUpdateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
    items = ProgrammeItemInputSerializer(many=True, required=False, allow_empty=False)
    schedule_days = serializers.ListField(child=serializers.IntegerField(min_value=0,
                                                                         max_value=6),
                                          required=False, allow_empty=False, max_length=7)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ProgrammeApproveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True,
                                   default="")


class ProgrammeVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.get_full_name", allow_null=True,
                                       read_only=True, default=None)

    class Meta:
        model = ProgrammeVersion
        fields = ["number", "kind", "changed_by", "reason", "snapshot", "created_at"]
        read_only_fields = fields


class WeekAdherenceSerializer(serializers.Serializer):
    week = serializers.IntegerField()
    start = serializers.DateField()
    sessions = serializers.IntegerField()
    planned = serializers.IntegerField()
    adherence = serializers.FloatField()
    complete = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["progress", "regress", "hold"])
    reason = serializers.CharField()
    target_level = serializers.IntegerField()


class AdherenceSerializer(serializers.Serializer):
    level = serializers.IntegerField()
    level_started_on = serializers.DateField()
    weeks = WeekAdherenceSerializer(many=True)
    decision = DecisionSerializer()


class SessionExerciseSerializer(serializers.ModelSerializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = SessionExercise
        fields = ["exercise", "sets_done"]
        read_only_fields = fields


class SessionLogSerializer(serializers.ModelSerializer):
    exercises = SessionExerciseSerializer(many=True, read_only=True)

    class Meta:
        model = SessionLog
        fields = ["id", "programme", "patient", "performed_on", "pain_before", "pain_after",
                  "difficulty", "notes", "exercises", "created_at"]
        read_only_fields = fields


class SessionExerciseInputSerializer(serializers.Serializer):
    exercise = serializers.SlugRelatedField(slug_field="slug", queryset=Exercise.objects.all())
    sets_done = serializers.IntegerField(min_value=0, max_value=20)


# How late a session may be logged: a week's sessions entered together still fit; a date
# such as 0001-01-01 does not (issue 18 row 12).
SESSION_BACKDATE_LIMIT = timedelta(days=31)


class SessionLogCreateSerializer(serializers.Serializer):
    programme = serializers.UUIDField()
    performed_on = serializers.DateField(required=False)
    pain_before = serializers.IntegerField(min_value=0, max_value=10)
    pain_after = serializers.IntegerField(min_value=0, max_value=10)
    difficulty = serializers.IntegerField(min_value=1, max_value=5,
                                          help_text="1 very easy, 3 about right, 5 very hard")
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    exercises = SessionExerciseInputSerializer(many=True, required=False)

    def validate_performed_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("A session cannot be in the future.")
        if value < timezone.localdate() - SESSION_BACKDATE_LIMIT:
            raise serializers.ValidationError(
                f"Log a session within {SESSION_BACKDATE_LIMIT.days} days of doing it.")
        return value
