"""Role x endpoint authorization matrix, driven by one table (RELIABILITY B1, B4, B8).

Every API operation in the OpenAPI schema must have a row here (the last test checks
that), and every row states the expected status for every point of view:

- anon: no credentials
- patient_a / patient_b: patient A owns the objects used in the paths
- physio_a: A's physiotherapist; physio_b: someone else's
- admin
- inactive: A's former physiotherapist, deactivated after the token was issued
- unlinked: was A's physiotherapist when the token was issued, then unlinked
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from drf_spectacular.generators import SchemaGenerator

from assessments.models import AccessEvent, ConsentPurpose, DataExport, Erasure
from assessments.results import assessment_create
from assessments.services import consent_grant
from assessments.uploads import recording_start_upload
from backtracker_site.models import JobStatus
from exercises.services import programme_approve, programme_create_for_result, session_log
from tests.exercises.factories import ExerciseFactory
from tests.factories import AdminFactory, PatientFactory, PhysiotherapistFactory, bearer

ROLES = ["anon", "patient_a", "patient_b", "physio_a", "physio_b", "admin", "inactive",
         "unlinked"]


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # OpenAPI path; {id} is filled from `target`
    expected: dict[str, int]
    target: str = ""  # which of patient A's objects fills {id}
    body: dict | None = None


def everyone(status: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, status) for role in ROLES}


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    """Anonymous and deactivated callers get 401; everyone else `status` unless overridden."""
    return everyone(status, anon=401, inactive=401, **overrides)


# Objects of patient A: visible to A, A's physio and admins; 404 for everyone else.
OWN_OBJECT = signed_in(200, patient_b=404, physio_b=404, unlinked=404)
# Consent and export actions that only patients (or admins, for exports) may take.
PATIENT_ONLY_ON_A = signed_in(403, patient_a=200, patient_b=404)
EXPORT_ON_A = signed_in(403, patient_a=200, patient_b=404, admin=200)

MATRIX = [
    Row("GET", "/api/v1/health", everyone(200)),
    Row("POST", "/api/v1/auth/token", everyone(400), body={}),
    Row("POST", "/api/v1/auth/token/refresh", everyone(400), body={}),
    Row("POST", "/api/v1/auth/register", everyone(400), body={}),
    Row("POST", "/api/v1/auth/activate", everyone(400), body={}),
    Row("POST", "/api/v1/auth/password-reset", everyone(400), body={}),
    Row("POST", "/api/v1/auth/logout", signed_in(400), body={}),
    Row("GET", "/api/v1/me", signed_in(200)),
    Row("PATCH", "/api/v1/me", signed_in(200), body={"first_name": "Renamed"}),
    Row("POST", "/api/v1/me/mfa", signed_in(201), body={}),
    Row("DELETE", "/api/v1/me/mfa", signed_in(400, physio_a=403, physio_b=403, admin=403,
                                               unlinked=403), body={}),
    Row("POST", "/api/v1/me/mfa/confirm", signed_in(400), body={}),
    Row("GET", "/api/v1/consent-documents", signed_in(200)),
    Row("GET", "/api/v1/patients", signed_in(200)),
    Row("GET", "/api/v1/patients/{id}", OWN_OBJECT, target="patient"),
    Row("PATCH", "/api/v1/patients/{id}", OWN_OBJECT, target="patient", body={"height_cm": 171}),
    Row("GET", "/api/v1/consents", signed_in(200)),
    Row("POST", "/api/v1/consents", signed_in(403, patient_a=201, patient_b=201),
        body={"purpose": "model_training"}),
    Row("GET", "/api/v1/consents/{id}", OWN_OBJECT, target="consent"),
    Row("POST", "/api/v1/consents/{id}/withdraw", PATIENT_ONLY_ON_A, target="consent"),
    Row("GET", "/api/v1/exports", signed_in(403, patient_a=200, patient_b=200, admin=200)),
    Row("POST", "/api/v1/exports", signed_in(403, patient_a=202, patient_b=404, admin=202),
        target="patient", body={"patient": "{id}"}),
    Row("GET", "/api/v1/exports/{id}", EXPORT_ON_A, target="export"),
    Row("GET", "/api/v1/exports/{id}/download", EXPORT_ON_A, target="export"),
    Row("GET", "/api/v1/erasures", signed_in(403, admin=200)),
    Row("POST", "/api/v1/erasures", signed_in(403, patient_a=400, patient_b=400, admin=400),
        body={}),
    Row("GET", "/api/v1/erasures/{id}", signed_in(403, admin=200), target="erasure"),
    Row("GET", "/api/v1/assessments", signed_in(200)),
    Row("POST", "/api/v1/assessments", signed_in(403, patient_a=201, patient_b=201), body={}),
    Row("GET", "/api/v1/assessments/{id}", OWN_OBJECT, target="assessment"),
    Row("PATCH", "/api/v1/assessments/{id}", PATIENT_ONLY_ON_A, target="assessment", body={}),
    Row("POST", "/api/v1/assessments/{id}/review",
        signed_in(403, physio_a=409, admin=409, physio_b=404, unlinked=404),
        target="assessment", body={"phenotype": "FP"}),
    Row("GET", "/api/v1/questionnaires", signed_in(200)),
    Row("POST", "/api/v1/questionnaires/{code}/responses",
        signed_in(403, patient_a=201, patient_b=201), body={"answers": [40]}),
    Row("GET", "/api/v1/prom-scores", signed_in(200)),
    Row("GET", "/api/v1/recording-protocol", signed_in(200)),
    Row("GET", "/api/v1/recordings", signed_in(200)),
    Row("POST", "/api/v1/recordings", signed_in(403, patient_a=201, patient_b=201),
        body={"task": "forward", "content_type": "video/mp4", "size_bytes": 2_000_000}),
    Row("GET", "/api/v1/recordings/{id}", OWN_OBJECT, target="recording"),
    Row("GET", "/api/v1/recordings/{id}/upload", PATIENT_ONLY_ON_A, target="recording"),
    Row("PUT", "/api/v1/recordings/{id}/chunks/{number}",
        signed_in(403, patient_a=400, patient_b=404), target="recording"),
    Row("POST", "/api/v1/recordings/{id}/complete",
        signed_in(403, patient_a=409, patient_b=404), target="recording"),
    Row("GET", "/api/v1/exercises", signed_in(200)),
    Row("GET", "/api/v1/exercises/{id}", signed_in(200), target="exercise"),
    Row("GET", "/api/v1/programmes", signed_in(200)),
    Row("POST", "/api/v1/programmes",
        signed_in(403, physio_a=201, admin=201, physio_b=404, unlinked=404), target="patient",
        body={"patient": "{id}", "phenotype": "FP", "probability": 0.9}),
    Row("GET", "/api/v1/programmes/{id}", OWN_OBJECT, target="programme"),
    Row("PATCH", "/api/v1/programmes/{id}",
        signed_in(403, physio_a=200, admin=200, physio_b=404, unlinked=404),
        target="programme", body={"reason": "Gentler start", "notes": "Fewer reps"}),
    Row("POST", "/api/v1/programmes/{id}/approve",
        signed_in(403, physio_a=200, admin=200, physio_b=404, unlinked=404),
        target="draft_programme", body={"reason": "Fits the examination"}),
    Row("GET", "/api/v1/programmes/{id}/versions", OWN_OBJECT, target="programme"),
    Row("GET", "/api/v1/programmes/{id}/adherence", OWN_OBJECT, target="programme"),
    Row("GET", "/api/v1/sessions", signed_in(200)),
    Row("POST", "/api/v1/sessions", signed_in(403, patient_a=201, patient_b=404),
        target="programme",
        body={"programme": "{id}", "pain_before": 2, "pain_after": 2, "difficulty": 3}),
    Row("GET", "/api/v1/sessions/{id}", OWN_OBJECT, target="session"),
]


PATIENT_DATA = {"patient", "consent", "export", "recording", "assessment", "programme",
                "draft_programme", "session", "erasure"}


@pytest.fixture
def world(db):
    """Two patients with physios, plus the admin, inactive and unlinked callers.

    Tokens are issued before the deactivation and the unlinking, as in real life.
    """
    physio_a, physio_b = PhysiotherapistFactory(), PhysiotherapistFactory()
    inactive, unlinked = PhysiotherapistFactory(), PhysiotherapistFactory()
    patient_a = PatientFactory(physiotherapist=unlinked)
    patient_b = PatientFactory(physiotherapist=physio_b)
    PatientFactory(physiotherapist=inactive)
    admin = AdminFactory()
    headers = {
        "anon": {},
        "patient_a": bearer(patient_a.user),
        "patient_b": bearer(patient_b.user),
        "physio_a": bearer(physio_a),
        "physio_b": bearer(physio_b),
        "admin": bearer(admin),
        "inactive": bearer(inactive),
        "unlinked": bearer(unlinked),
    }
    inactive.is_active = False
    inactive.save()
    patient_a.physiotherapist = physio_a  # "unlinked" loses A after its token was issued
    patient_a.save()
    consent_grant(patient=patient_a, purpose=ConsentPurpose.CARE)
    consent_grant(patient=patient_b, purpose=ConsentPurpose.CARE)
    consent = consent_grant(patient=patient_a, purpose=ConsentPurpose.MODEL_TRAINING)
    recording, _ = recording_start_upload(patient=patient_a, task="forward",
                                          content_type="video/mp4", size_bytes=2_000_000)
    assessment = assessment_create(patient=patient_a, forward_id=None, backward_id=None)
    key = default_storage.save(f"exports/{patient_a.id}/x.json", ContentFile(b"{}"))
    export = DataExport.objects.create(patient=patient_a, status=JobStatus.DONE, file_key=key)
    erasure = Erasure.objects.create(patient_ref=patient_a.pk, requested_by_role="admin")
    exercise = ExerciseFactory(slug="fp-sitting-lordosis-awareness")
    programme = programme_create_for_result(patient=patient_a, phenotype="FP", probability=0.9)
    programme_approve(programme=programme, by=physio_a)
    draft_programme = programme_create_for_result(patient=patient_a, phenotype="FP",
                                                  probability=0.9)
    session = session_log(patient=patient_a, programme=programme, pain_before=2, pain_after=2,
                          difficulty=3)
    return {"headers": headers, "patient": patient_a, "consent": consent, "export": export,
            "erasure": erasure,
            "recording": recording, "assessment": assessment,
            "exercise": exercise, "programme": programme, "draft_programme": draft_programme,
            "session": session}


def fill(value, object_id: str):
    if isinstance(value, str):
        return value.replace("{id}", object_id).replace("{number}", "1").replace("{code}", "vas")
    if isinstance(value, dict):
        return {k: fill(v, object_id) for k, v in value.items()}
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("row", MATRIX, ids=lambda r: f"{r.method} {r.path}")
def test_matrix(api_client, world, row: Row, role: str) -> None:
    object_id = str(world[row.target].pk) if row.target else ""
    path, body = fill(row.path, object_id), fill(row.body, object_id)
    response = api_client.generic(row.method, path, data=None, **world["headers"][role]) \
        if body is None else getattr(api_client, row.method.lower())(
            path, body, format="json", **world["headers"][role])
    assert response.status_code == row.expected[role], response.content[:300]
    assert response["Cache-Control"] == "no-store"
    if response.status_code >= 400:
        assert set(response.json()) == {"error"}
        assert {"code", "message"} <= set(response.json()["error"])
    if row.method == "GET" and row.target in PATIENT_DATA:
        # Every read of patient A's data, and every refused attempt, is in the access log.
        outcome = AccessEvent.Outcome.ALLOWED if response.status_code == 200 \
            else AccessEvent.Outcome.DENIED
        assert AccessEvent.objects.filter(path=path, patient_id=world["patient"].pk,
                                          outcome=outcome).count() == 1


@pytest.mark.django_db
def test_unlinking_takes_effect_with_an_unexpired_token(api_client) -> None:
    physio = PhysiotherapistFactory()
    patient = PatientFactory(physiotherapist=physio)
    headers = bearer(physio)
    assert api_client.get(f"/api/v1/patients/{patient.id}", **headers).status_code == 200
    patient.physiotherapist = None
    patient.save()
    assert api_client.get(f"/api/v1/patients/{patient.id}", **headers).status_code == 404
    listed = api_client.get("/api/v1/patients", **headers).json()["results"]
    assert listed == []


@pytest.mark.django_db
def test_unknown_and_foreign_ids_get_the_same_answer(api_client) -> None:
    import uuid

    mine, theirs = PatientFactory(), PatientFactory()
    headers = bearer(mine.physiotherapist)
    foreign = api_client.get(f"/api/v1/patients/{theirs.id}", **headers)
    unknown = api_client.get(f"/api/v1/patients/{uuid.uuid4()}", **headers)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content


@pytest.mark.django_db
def test_lists_return_only_permitted_patients(api_client) -> None:
    physios = [PhysiotherapistFactory() for _ in range(3)]
    patients = {physio.pk: {str(PatientFactory(physiotherapist=physio).id) for _ in range(4)}
                for physio in physios}
    for physio in physios:
        queries = ("", "?ordering=-created_at", "?search=e", f"?physiotherapist={physios[0].pk}")
        for query in queries:
            response = api_client.get(f"/api/v1/patients{query}", **bearer(physio))
            ids = {item["id"] for item in response.json()["results"]}
            assert ids <= patients[physio.pk]
            if not query:
                assert ids == patients[physio.pk]


@pytest.mark.django_db
def test_page_size_has_a_hard_maximum(api_client) -> None:
    admin = AdminFactory()
    PatientFactory.create_batch(205)
    response = api_client.get("/api/v1/patients?page_size=1000000", **bearer(admin))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200
    assert response.json()["count"] == 205


@pytest.mark.django_db
def test_patients_cannot_assign_their_own_physiotherapist(api_client) -> None:
    patient = PatientFactory()
    original = patient.physiotherapist_id
    other = PhysiotherapistFactory()
    response = api_client.patch(
        f"/api/v1/patients/{patient.id}",
        {"physiotherapist_id": str(other.pk), "physiotherapist": str(other.pk),
         "user": "x", "id": "00000000-0000-0000-0000-000000000000"},
        format="json", **bearer(patient.user),
    )
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.physiotherapist_id == original
    admin_response = api_client.patch(f"/api/v1/patients/{patient.id}",
                                      {"physiotherapist_id": str(other.pk)}, format="json",
                                      **bearer(AdminFactory()))
    assert admin_response.status_code == 200
    patient.refresh_from_db()
    assert patient.physiotherapist_id == other.pk


def test_every_api_operation_is_in_the_matrix() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {(method.upper(), path) for path, methods in schema["paths"].items()
                  for method in methods if path.startswith("/api/v1/")}
    covered = {(row.method, row.path) for row in MATRIX}
    assert operations - covered == set(), "add these operations to MATRIX"
    assert covered - operations == set(), "these MATRIX rows match no operation"
