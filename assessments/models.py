"""People and their agreements: users with a role, patient profiles, consent, data exports."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from backtracker_site.models import QueuedJob


class EmailUserManager(UserManager):
    """Users sign in with their e-mail address; there is no separate user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.PATIENT)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = User.Role.ADMIN
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        PATIENT = "patient", "Patient"
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
        ADMIN = "admin", "Admin"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = None
    email = models.EmailField("e-mail address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = EmailUserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # The role is the single source of truth for admin rights.
        self.is_staff = self.is_superuser = self.role == self.Role.ADMIN
        if self.email:
            self.email = self.email.lower()
        super().save(*args, **kwargs)

    @property
    def is_patient(self) -> bool:
        return self.role == self.Role.PATIENT

    @property
    def is_physiotherapist(self) -> bool:
        return self.role == self.Role.PHYSIOTHERAPIST

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Patient(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNDISCLOSED = "undisclosed", "Prefer not to say"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient")
    physiotherapist = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patients",
        limit_choices_to={"role": User.Role.PHYSIOTHERAPIST},
    )
    year_of_birth = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNDISCLOSED)
    height_cm = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(50), MaxValueValidator(250)]
    )
    # "cohort/participant" for patients brought in by import_cohort; keeps imports idempotent.
    external_ref = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return str(self.user)


class ConsentPurpose(models.TextChoices):
    CARE = "care", "Assessment and care"
    MODEL_TRAINING = "model_training", "Use of my data to train models"


class ConsentDocument(models.Model):
    """One published version of the text a patient agrees to for one purpose."""

    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    version = models.CharField(max_length=20)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["purpose", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="unique_consent_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"

    def save(self, *args, **kwargs):
        self.text_sha256 = hashlib.sha256(self.text.encode()).hexdigest()
        super().save(*args, **kwargs)


class Consent(models.Model):
    """A patient's agreement to one document; withdrawal ends it but keeps the record."""

    class Channel(models.TextChoices):
        APP = "app", "Phone app"
        WEB = "web", "Web"
        PAPER = "paper", "Paper, entered by staff"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.APP)
    granted_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_active_consent_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        state = "active" if self.is_active else "withdrawn"
        return f"{self.get_purpose_display()} ({state})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class DataExport(QueuedJob):
    """A machine-readable copy of everything stored about one patient (GDPR Art. 15/20)."""

    task_name = "assessments.tasks.build_data_export"
    queue = "default"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    file_key = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"Export {self.id} ({self.status})"


class Task(models.TextChoices):
    FORWARD = "forward", "Forward bend"
    BACKWARD = "backward", "Backward bend"


class Recording(QueuedJob):
    """One video of one bend, and the job that analyses it.

    The job status reads: PENDING (upload not finished), QUEUED (stored, waiting for a
    worker), RUNNING, DONE (analysed: see its FeatureSet, whose quality check may still
    ask for a new recording) or FAILED (the file is not a usable video).
    """

    task_name = "mlpipeline.tasks.analyse_recording"
    queue = "video"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="recordings")
    task = models.CharField(max_length=10, choices=Task.choices)
    source_key = models.CharField(max_length=255, unique=True)  # server-made, never client text
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=40, default="video/mp4")
    upload_mode = models.CharField(max_length=10, blank=True)  # post, multipart, chunked
    upload_id = models.CharField(max_length=255, blank=True)  # S3 multipart upload ID
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.get_task_display()} of {self.patient} ({self.status})"


class Phenotype(models.TextChoices):
    FP = "FP", "Flexion pattern (FP-MCI)"
    EP = "EP", "Extension pattern (EP-MCI)"


class PhenotypeLabel(models.Model):
    """A clinician's classification of a patient; the newest one is what training learns."""

    class Source(models.TextChoices):
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
        IMPORT = "import", "Imported cohort"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="labels")
    phenotype = models.CharField(max_length=2, choices=Phenotype.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    labelled_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.phenotype} for {self.patient} ({self.source})"


class Instrument(models.Model):
    """A questionnaire's structure and scoring rules as data (see prom_scoring.py).

    ``wording`` maps item numbers to licensed item text; it ships empty (the wording of
    several instruments is copyrighted) and an admin loads it from a licensed file.
    """

    code = models.CharField(max_length=20)
    version = models.CharField(max_length=40)
    definition = models.JSONField()
    wording = models.JSONField(default=dict, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_instrument_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_current=True),
                                    name="one_current_version_per_instrument"),
        ]

    def __str__(self) -> str:
        return f"{self.definition.get('name', self.code)} ({self.version})"


class PromScore(models.Model):
    """One scored questionnaire (total, subscales, band), kept as history per patient."""

    class Source(models.TextChoices):
        APP = "app", "Answered in the app"
        IMPORT = "import", "Imported total"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prom_scores")
    instrument = models.CharField(max_length=20)  # vas, odi, pcs, pseq, sbt, tsk, csq, pass20
    instrument_version = models.CharField(max_length=40, blank=True)
    answers = models.JSONField(default=list, blank=True)  # empty for imported totals
    total = models.FloatField()
    subscales = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.instrument.upper()} {self.total:g} for {self.patient}"
