"""Exercise library, patients' programmes with their version history, and session logs."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from assessments.models import Assessment, Patient, Phenotype, User


class Exercise(models.Model):
    """One exercise of the library, written for this project; edited by admins."""

    class Direction(models.TextChoices):
        FLEXION_CONTROL = "flexion_control", "Flexion control"
        EXTENSION_CONTROL = "extension_control", "Extension control"
        NEUTRAL = "neutral", "Neutral"

    class Category(models.TextChoices):
        MOTOR_CONTROL = "motor_control", "Motor control"
        EDUCATION = "education", "Pain education"
        GRADED_ACTIVITY = "graded_activity", "Graded activity"
        GRADED_EXPOSURE = "graded_exposure", "Graded exposure"
        MOBILITY = "mobility", "Mobility"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    purpose = models.TextField()
    instructions = models.TextField(help_text="One step per line.")
    starting_position = models.CharField(max_length=200)
    equipment = models.CharField(max_length=200, blank=True)
    image = models.FileField(upload_to="exercises/images/", blank=True)
    video = models.FileField(upload_to="exercises/videos/", blank=True)
    level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)])
    direction = models.CharField(max_length=20, choices=Direction.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    default_sets = models.PositiveSmallIntegerField(default=1)
    default_reps = models.PositiveSmallIntegerField(default=1)
    default_hold_seconds = models.PositiveSmallIntegerField(default=0)
    default_minutes = models.PositiveSmallIntegerField(default=0)
    default_sessions_per_week = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(7)])
    contraindications = models.TextField(blank=True)
    cautions = models.TextField(blank=True)
    references = models.TextField(help_text="Clinical sources, one per line.")
    progression = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="regresses_from")
    regression = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="progresses_from")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["direction", "slug"]

    def __str__(self) -> str:
        return f"{self.name} (level {self.level})"


class Programme(models.Model):
    """A patient's exercise programme. Only exercises.services writes it (and its history).

    Patients see a programme only once a physiotherapist has approved it; provisional
    (low-confidence) and draft programmes are for the physiotherapist alone.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft, awaiting approval"
        PROVISIONAL = "provisional", "Provisional, needs physio review"
        APPROVED = "approved", "Approved"
        RETIRED = "retired", "Retired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="programmes")
    # The result it was built for (None when a physiotherapist generated it by hand).
    assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="programmes")
    phenotype = models.CharField(max_length=2, choices=Phenotype.choices)
    probability = models.FloatField()
    confidence = models.FloatField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    needs_review = models.BooleanField(default=False)
    review_reasons = models.JSONField(default=list, blank=True)
    rationale = models.JSONField(default=list, blank=True)
    schedule_days = models.JSONField(default=list, blank=True)  # 0 = Monday
    level = models.PositiveSmallIntegerField(default=1)
    level_started_on = models.DateField()
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    approved_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phenotype} programme for {self.patient} ({self.status})"

    @property
    def sessions_per_week(self) -> int:
        return max(1, len(self.schedule_days))


class ProgrammeItem(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(default=1)
    reps = models.PositiveSmallIntegerField(default=1)
    hold_seconds = models.PositiveSmallIntegerField(default=0)
    minutes = models.PositiveSmallIntegerField(default=0)
    sessions_per_week = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(7)])
    rule = models.CharField(max_length=10, blank=True)  # the generation rule that added it

    class Meta:
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "exercise"],
                                    name="one_item_per_exercise"),
        ]

    def __str__(self) -> str:
        return f"{self.exercise} in {self.programme_id}"


class ProgrammeVersion(models.Model):
    """Every state a programme has been in, with who changed it and why (append-only)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        APPROVED = "approved", "Approved"
        PROGRESSED = "progressed", "Progressed"
        REGRESSED = "regressed", "Regressed"
        RETIRED = "retired", "Retired"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")  # None: the system (rules)
    reason = models.TextField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"],
                                    name="unique_programme_version"),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.kind} of {self.programme_id}"


class SessionLog(models.Model):
    """One exercise session a patient did, with pain before and after (0-10)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="sessions")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="sessions")
    performed_on = models.DateField()
    pain_before = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    pain_after = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    difficulty = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 very easy, 3 about right, 5 very hard")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_on", "-created_at"]

    def __str__(self) -> str:
        return f"Session of {self.patient} on {self.performed_on}"


class SessionExercise(models.Model):
    session = models.ForeignKey(SessionLog, on_delete=models.CASCADE, related_name="exercises")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    sets_done = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return f"{self.exercise} x{self.sets_done}"
