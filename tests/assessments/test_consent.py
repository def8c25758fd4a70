"""Consent per purpose: versioned, withdrawable, and read by whoever builds training sets."""

from __future__ import annotations

import hashlib

import pytest
from django.db import IntegrityError
from django.utils import timezone

from assessments.models import Consent, ConsentDocument, ConsentPurpose
from assessments.selectors import patients_consenting_to_training
from assessments.services import consent_grant, consent_withdraw
from tests.factories import PatientFactory, bearer

pytestmark = pytest.mark.django_db


def test_the_first_versions_are_published_by_the_migrations() -> None:
    purposes = set(ConsentDocument.objects.values_list("purpose", flat=True))
    assert purposes == {ConsentPurpose.CARE, ConsentPurpose.MODEL_TRAINING}


def test_granting_twice_keeps_one_active_consent() -> None:
    patient = PatientFactory()
    first = consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    again = consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    assert first.pk == again.pk
    assert patient.consents.filter(withdrawn_at__isnull=True).count() == 1


def test_a_new_text_version_supersedes_the_old_consent() -> None:
    patient = PatientFactory()
    old = consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING)
    newer = ConsentDocument.objects.create(purpose=ConsentPurpose.MODEL_TRAINING, version="2",
                                           text="Updated wording.", published_at=timezone.now())
    new = consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING)
    old.refresh_from_db()
    assert old.withdrawn_at is not None
    assert new.document == newer
    assert newer.text_sha256 == hashlib.sha256(b"Updated wording.").hexdigest()


def test_the_database_refuses_two_active_consents_for_one_purpose() -> None:
    patient = PatientFactory()
    consent = consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    with pytest.raises(IntegrityError):
        Consent.objects.create(patient=patient, purpose=ConsentPurpose.CARE,
                               document=consent.document)


def test_withdrawing_training_consent_removes_the_patient_from_training_sets() -> None:
    keeps, withdraws, never = PatientFactory(), PatientFactory(), PatientFactory()
    for patient in (keeps, withdraws):
        consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING)
    consent_grant(patient=never, purpose=ConsentPurpose.CARE)
    assert set(patients_consenting_to_training()) == {keeps, withdraws}
    consent_withdraw(consent=withdraws.consents.get(purpose=ConsentPurpose.MODEL_TRAINING))
    assert set(patients_consenting_to_training()) == {keeps}


def test_a_patient_grants_and_withdraws_through_the_api(api_client) -> None:
    patient = PatientFactory()
    documents = api_client.get("/api/v1/consent-documents", **bearer(patient.user)).json()
    assert {doc["purpose"] for doc in documents} == {"care", "model_training"}
    granted = api_client.post("/api/v1/consents", {"purpose": "model_training"}, format="json",
                              **bearer(patient.user))
    assert granted.status_code == 201
    assert granted.json()["is_active"] is True
    withdrawn = api_client.post(f"/api/v1/consents/{granted.json()['id']}/withdraw",
                                **bearer(patient.user))
    assert withdrawn.status_code == 200
    assert withdrawn.json()["is_active"] is False
    history = api_client.get("/api/v1/consents", **bearer(patient.user)).json()["results"]
    assert [item["withdrawn_at"] is not None for item in history] == [True]
