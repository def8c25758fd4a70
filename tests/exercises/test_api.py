"""Exercises API: generation, approval, visibility, editing, sessions, adherence, admin."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.base import ContentFile

from exercises import services
from exercises.models import Exercise, Programme
from tests.factories import AdminFactory, PatientFactory, PhysiotherapistFactory, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def care(db):
    services.exercises_seed()
    physio = PhysiotherapistFactory()
    return {"physio": physio, "patient": PatientFactory(physiotherapist=physio),
            "other": PatientFactory()}


def generate(api_client, care, phenotype: str = "FP", probability: float = 0.9) -> dict:
    response = api_client.post("/api/v1/programmes",
                               {"patient": str(care["patient"].id), "phenotype": phenotype,
                                "probability": probability},
                               format="json", **bearer(care["physio"]))
    assert response.status_code == 201, response.content
    return response.json()


def test_the_library_lists_the_seeded_exercises_with_links(api_client, care) -> None:
    response = api_client.get("/api/v1/exercises?page_size=100&direction=flexion_control",
                              **bearer(care["patient"].user))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 9
    hinge = next(e for e in body["results"] if e["slug"] == "fp-dowel-hip-hinge")
    assert hinge["progression"]["slug"] == "fp-single-leg-hip-hinge"
    assert hinge["regression"]["slug"] == "fp-wall-hip-hinge"
    assert "O'Sullivan" in hinge["references"]


def test_a_patient_sees_a_programme_only_once_approved(api_client, care) -> None:
    programme = generate(api_client, care, "EP", 0.91)
    assert programme["status"] == "draft"
    assert programme["items"][0]["exercise"]["slug"] == "ep-supine-posterior-pelvic-tilt"
    patient = bearer(care["patient"].user)
    assert api_client.get(f"/api/v1/programmes/{programme['id']}", **patient).status_code == 404
    assert api_client.get("/api/v1/programmes", **patient).json()["results"] == []
    approved = api_client.post(f"/api/v1/programmes/{programme['id']}/approve",
                               {"reason": "Matches my examination"}, format="json",
                               **bearer(care["physio"]))
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    mine = api_client.get(f"/api/v1/programmes/{programme['id']}", **patient)
    assert mine.status_code == 200
    assert mine.json()["phenotype"] == "EP"


def test_a_low_confidence_result_comes_back_provisional(api_client, care) -> None:
    programme = generate(api_client, care, "FP", 0.55)
    assert programme["status"] == "provisional"
    assert programme["needs_review"]


def test_physios_edit_with_a_reason_and_the_history_shows_it(api_client, care) -> None:
    programme = generate(api_client, care)
    physio = bearer(care["physio"])
    missing_reason = api_client.patch(f"/api/v1/programmes/{programme['id']}",
                                      {"notes": "x"}, format="json", **physio)
    assert missing_reason.status_code == 400
    assert "reason" in missing_reason.json()["error"]["details"]
    edited = api_client.patch(
        f"/api/v1/programmes/{programme['id']}",
        {"reason": "Hip hinge hurts today", "schedule_days": [0, 2, 4],
         "items": [{"exercise": "fp-sitting-lordosis-awareness", "sets": 1, "reps": 5},
                   {"exercise": "ga-walking", "minutes": 10}]},
        format="json", **physio)
    assert edited.status_code == 200, edited.content
    assert [i["exercise"]["slug"] for i in edited.json()["items"]] == [
        "fp-sitting-lordosis-awareness", "ga-walking"]
    assert edited.json()["version"] == 2
    history = api_client.get(f"/api/v1/programmes/{programme['id']}/versions", **physio).json()
    assert [(v["number"], v["kind"]) for v in history] == [(2, "edited"), (1, "created")]
    assert history[0]["reason"] == "Hip hinge hurts today"
    assert history[0]["changed_by"] == care["physio"].get_full_name()
    unknown = api_client.patch(f"/api/v1/programmes/{programme['id']}",
                               {"reason": "r", "items": [{"exercise": "no-such-thing"}]},
                               format="json", **physio)
    assert unknown.status_code == 400


def test_patients_cannot_edit_or_approve(api_client, care) -> None:
    programme = generate(api_client, care)
    patient = bearer(care["patient"].user)
    edit = api_client.patch(f"/api/v1/programmes/{programme['id']}", {"reason": "mine"},
                            format="json", **patient)
    approve = api_client.post(f"/api/v1/programmes/{programme['id']}/approve", {},
                              format="json", **patient)
    assert edit.status_code == approve.status_code == 403
    assert Programme.objects.get(pk=programme["id"]).version == 1


def test_foreign_and_unknown_programmes_get_the_same_404(api_client, care) -> None:
    programme = generate(api_client, care)
    stranger = bearer(PhysiotherapistFactory())
    foreign = api_client.get(f"/api/v1/programmes/{programme['id']}", **stranger)
    unknown = api_client.get(f"/api/v1/programmes/{uuid.uuid4()}", **stranger)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.content == unknown.content
    other = api_client.post("/api/v1/programmes",
                            {"patient": str(care["other"].id), "phenotype": "FP",
                             "probability": 0.9}, format="json", **bearer(care["physio"]))
    assert other.status_code == 404


def test_a_patient_logs_a_session_and_reads_adherence(api_client, care) -> None:
    programme = generate(api_client, care)
    api_client.post(f"/api/v1/programmes/{programme['id']}/approve", {}, format="json",
                    **bearer(care["physio"]))
    patient = bearer(care["patient"].user)
    body = {"programme": programme["id"], "pain_before": 3, "pain_after": 2, "difficulty": 3,
            "exercises": [{"exercise": "fp-wall-hip-hinge", "sets_done": 2}]}
    logged = api_client.post("/api/v1/sessions", body, format="json", **patient)
    assert logged.status_code == 201, logged.content
    assert logged.json()["exercises"] == [{"exercise": "fp-wall-hip-hinge", "sets_done": 2}]
    assert api_client.post("/api/v1/sessions", body, format="json",
                           **bearer(care["physio"])).status_code == 403
    other = bearer(care["other"].user)
    assert api_client.post("/api/v1/sessions", body, format="json", **other).status_code == 404
    future = api_client.post("/api/v1/sessions", {**body, "performed_on": "2999-01-01"},
                             format="json", **patient)
    assert future.status_code == 400
    for long_ago in ("0001-01-01", "1970-01-01"):  # issue 18 row 12
        ancient = api_client.post("/api/v1/sessions", {**body, "performed_on": long_ago},
                                  format="json", **patient)
        assert ancient.status_code == 400
        assert "performed_on" in ancient.json()["error"]["details"]
    adherence = api_client.get(f"/api/v1/programmes/{programme['id']}/adherence",
                               **bearer(care["physio"])).json()
    assert adherence["level"] == 1
    assert adherence["weeks"][0]["sessions"] == 1
    assert adherence["decision"]["action"] == "hold"
    listed = api_client.get("/api/v1/sessions", **bearer(care["physio"])).json()
    assert listed["count"] == 1
    assert api_client.get("/api/v1/sessions", **other).json()["count"] == 0


def test_the_admin_previews_exercise_media(client, care) -> None:
    exercise = Exercise.objects.get(slug="fp-wall-hip-hinge")
    exercise.image.save("hinge.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=True)
    client.force_login(AdminFactory())
    listing = client.get("/admin/exercises/exercise/")
    assert listing.status_code == 200
    assert f'<img src="{exercise.image.url}"' in listing.content.decode()
    page = client.get(f"/admin/exercises/exercise/{exercise.pk}/change/")
    assert page.status_code == 200
    assert "fp-wall-hip-hinge" in page.content.decode()
    programmes = client.get("/admin/exercises/programme/")
    assert programmes.status_code == 200
