"""Reads for exercises, always through assessments' ``scope_to_user`` gate."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from assessments.models import User
from assessments.selectors import scope_to_user
from exercises.models import Exercise, Programme, ProgrammeItem, ProgrammeVersion, SessionLog


def exercises_active() -> QuerySet[Exercise]:
    """The library as patients and clinicians browse it (no patient data)."""
    return Exercise.objects.filter(is_active=True).select_related("progression", "regression")


def programmes_for_user(user: User) -> QuerySet[Programme]:
    """Programmes the user may see; patients see only their approved ones.

    The rule is deliberately simple: a programme reaches the patient only after a
    physiotherapist has approved it (provisional and draft ones never do).
    """
    queryset = scope_to_user(
        Programme.objects.select_related("patient", "created_by", "approved_by")
        .prefetch_related(Prefetch("items",
                                   queryset=ProgrammeItem.objects.select_related("exercise"))),
        user, patient_path="patient",
    )
    if user.is_authenticated and user.is_patient:
        queryset = queryset.filter(status=Programme.Status.APPROVED)
    return queryset


def programme_versions(programme: Programme) -> QuerySet[ProgrammeVersion]:
    return programme.versions.select_related("changed_by").order_by("-number")


def sessions_for_user(user: User) -> QuerySet[SessionLog]:
    return scope_to_user(SessionLog.objects.prefetch_related("exercises__exercise"), user,
                         patient_path="patient")
