"""Reads with access control: the one place that decides who sees which patient.

Authorization is read from the database on every request (never from token claims),
so unlinking a physiotherapist or deactivating a user takes effect at once.
"""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from django.db.models import Model, OuterRef, QuerySet, Subquery
from django.http import Http404

from assessments.models import (
    Assessment,
    Consent,
    ConsentDocument,
    ConsentPurpose,
    DataExport,
    Instrument,
    Patient,
    PromScore,
    Recording,
    User,
)

M = TypeVar("M", bound=Model)


def scope_to_user(queryset: QuerySet[M], user: User, *, patient_path: str) -> QuerySet[M]:
    """Restrict rows to those of patients the user may see.

    ``patient_path`` is the lookup from the row to its Patient ("" for Patient itself).
    A patient sees their own rows, a physiotherapist those of assigned patients, an
    admin everything; anyone else nothing.
    """
    prefix = f"{patient_path}__" if patient_path else ""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_admin:
        return queryset
    if user.is_physiotherapist:
        return queryset.filter(**{f"{prefix}physiotherapist": user})
    if user.is_patient:
        return queryset.filter(**{f"{prefix}user": user})
    return queryset.none()


def patients_for_user(user: User) -> QuerySet[Patient]:
    return scope_to_user(
        Patient.objects.select_related("user", "physiotherapist"), user, patient_path=""
    )


def patient_get_for_user(*, user: User, patient_id: UUID | str) -> Patient:
    """The patient if the user may see them; 404 alike for unknown and foreign IDs."""
    patient = patients_for_user(user).filter(pk=patient_id).first()
    if patient is None:
        raise Http404
    return patient


def consents_for_user(user: User) -> QuerySet[Consent]:
    return scope_to_user(
        Consent.objects.select_related("document", "patient"), user, patient_path="patient"
    )


def exports_for_user(user: User) -> QuerySet[DataExport]:
    return scope_to_user(DataExport.objects.all(), user, patient_path="patient")


def instrument_definitions_current() -> dict[str, dict]:
    """Questionnaire code -> definition of the version in use."""
    return {i.code: i.definition for i in Instrument.objects.filter(is_current=True)}


def prom_scores_for_user(user: User) -> QuerySet[PromScore]:
    return scope_to_user(PromScore.objects.all(), user, patient_path="patient")


def assessments_for_user(user: User) -> QuerySet[Assessment]:
    return scope_to_user(Assessment.objects.all(), user, patient_path="patient")


def recordings_for_user(user: User) -> QuerySet[Recording]:
    return scope_to_user(Recording.objects.all(), user, patient_path="patient")


def consent_document_current(purpose: str) -> ConsentDocument | None:
    """The most recently published text for a purpose."""
    return ConsentDocument.objects.filter(purpose=purpose).order_by("-published_at").first()


def consent_documents_current() -> QuerySet[ConsentDocument]:
    """The text in force for each purpose (lazy: one query when evaluated)."""
    latest = ConsentDocument.objects.filter(purpose=OuterRef("purpose")).order_by("-published_at")
    return ConsentDocument.objects.filter(pk=Subquery(latest.values("pk")[:1]))


def patient_has_active_consent(*, patient: Patient, purpose: str) -> bool:
    return patient.consents.filter(purpose=purpose, withdrawn_at__isnull=True).exists()


def patients_consenting_to_training() -> QuerySet[Patient]:
    """Patients whose data may be used to train models right now."""
    return Patient.objects.filter(
        consents__purpose=ConsentPurpose.MODEL_TRAINING,
        consents__withdrawn_at__isnull=True,
    ).distinct()
