"""Models of the assessments app, one module per concept."""

from assessments.models.accounts import EmailUserManager, Patient, User
from assessments.models.assessment import Assessment, ClinicSettings
from assessments.models.audit import AccessEvent
from assessments.models.clinical import Instrument, Phenotype, PhenotypeLabel, PromScore
from assessments.models.consent import (
    Consent,
    ConsentDocument,
    ConsentPurpose,
    DataExport,
    Erasure,
)
from assessments.models.recordings import Recording, RecordingRequest, Task

__all__ = [
    "AccessEvent",
    "Assessment",
    "ClinicSettings",
    "Consent",
    "ConsentDocument",
    "ConsentPurpose",
    "DataExport",
    "EmailUserManager",
    "Erasure",
    "Instrument",
    "Patient",
    "Phenotype",
    "PhenotypeLabel",
    "PromScore",
    "Recording",
    "RecordingRequest",
    "Task",
    "User",
]
