"""Models of the assessments app, one module per concept."""

from assessments.models.accounts import EmailUserManager, Patient, User
from assessments.models.assessment import Assessment, ClinicSettings
from assessments.models.clinical import Instrument, Phenotype, PhenotypeLabel, PromScore
from assessments.models.consent import Consent, ConsentDocument, ConsentPurpose, DataExport
from assessments.models.recordings import Recording, Task

__all__ = [
    "Assessment",
    "ClinicSettings",
    "Consent",
    "ConsentDocument",
    "ConsentPurpose",
    "DataExport",
    "EmailUserManager",
    "Instrument",
    "Patient",
    "Phenotype",
    "PhenotypeLabel",
    "PromScore",
    "Recording",
    "Task",
    "User",
]
