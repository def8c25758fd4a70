"""Clinical labels and questionnaires."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from assessments.models.accounts import Patient, User


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
