"""The data export holds every record about the patient, found from the schema."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder

from assessments.export import patient_data, patient_paths
from assessments.models import ConsentPurpose, PromScore
from assessments.services import consent_grant
from tests.assessments.dashboard_data import processed_patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_every_model_that_points_at_a_patient_is_exported() -> None:
    exported = set(patient_paths())
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.many_to_one and field.related_model is not None and \
                    field.related_model._meta.label == "assessments.Patient":
                assert model in exported or model._meta.label == "assessments.AccessEvent", model


def test_an_export_contains_the_patients_records_and_no_one_elses() -> None:
    patient, other = PatientFactory(), PatientFactory()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
    processed_patient(patient)
    processed_patient(other)
    PromScore.objects.create(patient=patient, instrument="odi", total=30, source="app")
    data = json.loads(json.dumps(patient_data(patient), cls=DjangoJSONEncoder))
    records = data["records"]
    assert len(records["assessments.Recording"]) == 2
    assert len(records["mlpipeline.FeatureSet"]) == 2
    assert records["assessments.PromScore"][0]["total"] == 30
    assert len(records["assessments.Consent"]) == 1
    assert str(other.pk) not in json.dumps(data)
    assert "source_key" not in json.dumps(records)
