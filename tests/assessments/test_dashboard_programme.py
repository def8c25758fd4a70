"""The programme on the physiotherapist's patient page: approve, edit, generate, adherence."""

from __future__ import annotations

import pytest
from django.test import Client

from assessments.models import AccessEvent, Assessment, PhenotypeLabel, User
from backtracker_site.models import JobStatus
from exercises import services
from exercises.models import Exercise, Programme, ProgrammeVersion
from tests.assessments.dashboard_data import approved_programme, log_sessions
from tests.factories import PatientFactory, PhysiotherapistFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db) -> None:
    services.exercises_seed()


@pytest.fixture
def draft(library) -> Programme:
    """A classified patient with the draft programme the classification generated."""
    patient = PatientFactory()
    Assessment.objects.create(patient=patient, status=JobStatus.DONE, phenotype="FP",
                              probability=0.9, review=Assessment.Review.AWAITING)
    return services.programme_create_for_result(patient=patient, phenotype="FP",
                                                 probability=0.9)


def page_url(programme: Programme) -> str:
    return f"/dashboard/patients/{programme.patient_id}/"


def action_url(programme: Programme, action: str) -> str:
    return f"{page_url(programme)}programmes/{programme.pk}/{action}"


def edit_data(programme: Programme, **changes) -> dict:
    """What the edit form posts when nothing is changed, with ``changes`` applied."""
    data = {"version": programme.version, "schedule_days": programme.schedule_days,
            "notes": programme.notes, "reason": "", "add": ""}
    for item in programme.items.select_related("exercise"):
        slug = item.exercise.slug
        for name in ("sets", "reps", "hold_seconds", "minutes", "sessions_per_week"):
            data[f"{slug}.{name}"] = getattr(item, name)
    data.update(changes)
    return data


def test_the_patient_page_shows_the_programme_and_its_history(client, draft) -> None:
    client.force_login(draft.patient.physiotherapist)
    page = client.get(page_url(draft)).content.decode()
    first = draft.items.select_related("exercise").first().exercise
    assert 'id="programme"' in page
    assert "Draft, awaiting approval" in page
    assert first.name in page
    assert 'id="approve-form"' in page
    assert "Generated from a FP result" in page  # version 1 in the history
    assert 'id="generate-form"' not in page  # a programme for the result exists


def test_a_physio_approves_the_programme(client, draft) -> None:
    physio = draft.patient.physiotherapist
    client.force_login(physio)
    response = client.post(action_url(draft, "approve"),
                           {"version": draft.version, "reason": "fits her goals"})
    assert response.status_code == 302
    assert response["Location"] == page_url(draft) + "#programme"
    draft.refresh_from_db()
    assert (draft.status, draft.approved_by) == (Programme.Status.APPROVED, physio)
    assert draft.versions.first().reason == "fits her goals"
    page = client.get(response["Location"]).content.decode()
    assert "Programme approved" in page
    assert 'id="approve-form"' not in page
    assert AccessEvent.objects.filter(patient_id=draft.patient_id, action="approve programme",
                                      outcome=AccessEvent.Outcome.ALLOWED).exists()


def test_approving_or_editing_a_version_the_physio_has_not_seen_is_refused(client, draft
                                                                          ) -> None:
    client.force_login(draft.patient.physiotherapist)
    services.programme_update(programme=draft, by=draft.patient.physiotherapist,
                              reason="a colleague's edit")
    response = client.post(action_url(draft, "approve"), {"version": 1}, follow=True)
    assert "changed since you opened the page" in response.content.decode()
    response = client.post(action_url(draft, "edit"),
                           edit_data(draft, version=1, reason="mine"), follow=True)
    assert "changed since you opened the page" in response.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Programme.Status.DRAFT, 2)


def test_a_physio_edits_dose_removes_and_adds_exercises_with_a_reason(client, draft) -> None:
    physio = draft.patient.physiotherapist
    items = list(draft.items.select_related("exercise"))
    kept, dropped = items[0].exercise, items[1].exercise
    added = Exercise.objects.exclude(pk__in=[i.exercise_id for i in items]).first()
    client.force_login(physio)
    data = edit_data(draft, **{f"{kept.slug}.sets": 4, f"{kept.slug}.reps": 12,
                               f"{dropped.slug}.remove": "on", "add": str(added.pk),
                               "schedule_days": [0, 2, 4], "reason": "knee pain: fewer days"})
    response = client.post(action_url(draft, "edit"), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    slugs = [i.exercise.slug for i in draft.items.select_related("exercise")]
    assert dropped.slug not in slugs
    assert slugs[-1] == added.slug
    edited = draft.items.get(exercise=kept)
    assert (edited.sets, edited.reps) == (4, 12)
    assert draft.items.get(exercise=added).sets == added.default_sets
    assert draft.schedule_days == [0, 2, 4]
    version = draft.versions.first()
    assert (version.kind, version.changed_by, version.reason) == (
        ProgrammeVersion.Kind.EDITED, physio, "knee pain: fewer days")
    assert "Programme saved" in client.get(page_url(draft)).content.decode()


def test_an_edit_without_a_reason_or_with_a_bad_dose_is_shown_again(client, draft) -> None:
    client.force_login(draft.patient.physiotherapist)
    slug = draft.items.select_related("exercise").first().exercise.slug
    response = client.post(action_url(draft, "edit"), edit_data(draft, **{f"{slug}.sets": 0}))
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page  # the reason
    assert "greater than or equal to 1" in page  # the sets
    assert draft.versions.count() == 1


def test_removing_every_exercise_is_refused(client, draft) -> None:
    client.force_login(draft.patient.physiotherapist)
    removals = {f"{i.exercise.slug}.remove": "on" for i in draft.items.select_related("exercise")}
    response = client.post(action_url(draft, "edit"),
                           edit_data(draft, reason="start again", **removals))
    assert response.status_code == 400
    assert "at least one exercise" in response.content.decode()
    assert draft.items.count() > 0


@pytest.mark.parametrize("action", ["approve", "edit"])
def test_another_physios_patient_is_404_and_logged(client, draft, action) -> None:
    intruder = PhysiotherapistFactory()
    client.force_login(intruder)
    response = client.post(action_url(draft, action),
                           edit_data(draft, reason="mine now"))
    assert response.status_code == 404
    event = AccessEvent.objects.get(patient_id=draft.patient_id)
    assert (event.actor, event.outcome) == (intruder, AccessEvent.Outcome.DENIED)
    assert (event.action, event.object_id) == (f"{action} programme", str(draft.pk))
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Programme.Status.DRAFT, 1)


def test_a_programme_of_another_patient_is_404_under_my_patients_url(client, draft) -> None:
    physio = draft.patient.physiotherapist
    mine = PatientFactory(physiotherapist=physio)
    client.force_login(physio)
    url = f"/dashboard/patients/{mine.pk}/programmes/{draft.pk}/approve"
    assert client.post(url, {"version": draft.version}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == Programme.Status.DRAFT


def test_patients_cannot_approve_or_edit_even_their_own(client, draft) -> None:
    client.force_login(draft.patient.user)
    assert client.post(action_url(draft, "approve"), {"version": 1}).status_code == 403
    assert client.post(action_url(draft, "edit"),
                       edit_data(draft, reason="more rest")).status_code == 403
    client.force_login(UserFactory(role=User.Role.PATIENT))
    assert client.post(action_url(draft, "approve"), {"version": 1}).status_code == 403
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Programme.Status.DRAFT, 1)


def test_actions_need_post_and_a_csrf_token(draft) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(draft.patient.physiotherapist)
    assert client.get(action_url(draft, "approve")).status_code == 405
    assert client.post(action_url(draft, "approve"), {"version": 1}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Programme.Status.DRAFT


def test_after_an_override_a_programme_for_the_new_phenotype_is_offered(client, draft) -> None:
    physio = draft.patient.physiotherapist
    PhenotypeLabel.objects.create(patient=draft.patient, phenotype="EP",
                                  source=PhenotypeLabel.Source.PHYSIOTHERAPIST,
                                  labelled_by=physio, reason="extension hinge")
    client.force_login(physio)
    page = client.get(page_url(draft)).content.decode()
    assert "Generate a programme for Extension pattern" in page
    response = client.post(f"{page_url(draft)}programmes/new", {"phenotype": "EP"})
    assert response.status_code == 302
    newest = Programme.objects.filter(patient=draft.patient).first()
    assert (newest.phenotype, newest.created_by) == ("EP", physio)
    assert newest.probability == pytest.approx(0.1)  # the classifier's P(EP)
    assert 'id="generate-form"' not in client.get(page_url(draft)).content.decode()


def test_the_page_charts_weekly_adherence_and_says_what_needs_attention(client, library
                                                                        ) -> None:
    patient = PatientFactory()
    programme = approved_programme(patient, days_ago=21)
    log_sessions(programme, [1, 2, 9, 10, 16])
    log_sessions(programme, [3], pain_before=2, pain_after=5)
    client.force_login(patient.physiotherapist)
    page = client.get(f"/dashboard/patients/{patient.pk}/").content.decode()
    assert 'id="adherence-chart"' in page
    assert 'id="done-3"' in page  # four weeks since the approval 21 days ago
    assert 'id="done-4"' not in page
    assert 'id="pain-after"' in page
    assert "Poor adherence: 5 of 10 planned sessions" in page
    assert "pain rose from 2 to 5/10" in page


def test_the_patient_page_does_not_query_per_exercise_or_version(
        client, library, django_assert_max_num_queries) -> None:
    patient = PatientFactory()
    programme = approved_programme(patient)
    log_sessions(programme, list(range(1, 20)))
    for number in range(5):
        services.programme_update(programme=programme, by=patient.physiotherapist,
                                  reason=f"edit {number}")
    client.force_login(patient.physiotherapist)
    with django_assert_max_num_queries(25):
        assert client.get(f"/dashboard/patients/{patient.pk}/").status_code == 200
