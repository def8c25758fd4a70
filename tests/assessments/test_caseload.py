"""The caseload's adherence and pain flags, filtering, sorting, and its query count."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, Recording
from backtracker_site.models import JobStatus
from exercises import services
from tests.assessments.dashboard_data import approved_programme, log_sessions
from tests.factories import PatientFactory, PhysiotherapistFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(db) -> None:
    services.exercises_seed()


def rows(client, **params) -> list[str]:
    """Patient names in the caseload table, in order."""
    page = client.get("/dashboard/", params).content.decode()
    return re.findall(r'href="/dashboard/patients/[0-9a-f-]+/">([^<]+)</a>', page)


def flags_of(client, patient) -> list[str]:
    page = client.get("/dashboard/", {"q": patient.user.last_name}).content.decode()
    row = page[page.index(str(patient)):]
    row = row[:row.index("</tr>")]
    return re.findall(r'class="flag [a-z]+">([^<]+)<', row)


def test_poor_adherence_and_pain_flares_are_flagged(client, library) -> None:
    physio = PhysiotherapistFactory()
    lazy = PatientFactory(physiotherapist=physio, user__last_name="Lazy")
    approved_programme(lazy, days_ago=20)
    log_sessions(lazy.programmes.get(), [1, 3, 9])
    sore = PatientFactory(physiotherapist=physio, user__last_name="Sore")
    programme = approved_programme(sore, days_ago=20)
    log_sessions(programme, [1, 2, 3, 4, 8, 9, 10, 11])
    log_sessions(programme, [2], pain_before=3, pain_after=6)
    fine = PatientFactory(physiotherapist=physio, user__last_name="Fine")
    log_sessions(approved_programme(fine, days_ago=20), [1, 2, 3, 4, 8, 9, 10, 11])
    new = PatientFactory(physiotherapist=physio, user__last_name="New")
    approved_programme(new, days_ago=5)  # too early to judge adherence
    client.force_login(physio)
    assert flags_of(client, lazy) == ["poor adherence"]
    assert flags_of(client, sore) == ["pain flare"]
    assert flags_of(client, fine) == []
    assert flags_of(client, new) == []


def test_the_caseload_filters_by_flag_and_puts_pain_flares_first(client, library) -> None:
    physio = PhysiotherapistFactory()
    aaron = PatientFactory(physiotherapist=physio, user__last_name="Aaron")
    Assessment.objects.create(patient=aaron, status=JobStatus.DONE, phenotype="FP",
                              probability=0.95, review=Assessment.Review.AWAITING)
    zoe = PatientFactory(physiotherapist=physio, user__last_name="Zoe")
    log_sessions(approved_programme(zoe, days_ago=20), list(range(1, 15)), pain_before=8)
    quiet = PatientFactory(physiotherapist=physio, user__last_name="Quiet")
    client.force_login(physio)
    assert rows(client) == [str(zoe), str(aaron), str(quiet)]
    assert rows(client, flag="pain_flare") == [str(zoe)]
    assert rows(client, flag="needs_review") == [str(aaron)]
    assert rows(client, flag="poor_adherence") == []
    assert rows(client, flag="no-such-flag") == [str(zoe), str(aaron), str(quiet)]
    page = client.get("/dashboard/", {"flag": "poor_adherence"}).content.decode()
    assert "No patients match" in page


def busy_patients(physio, count: int) -> None:
    """Patients with everything the caseload looks at: results, recordings, sessions."""
    for number in range(count):
        patient = PatientFactory(physiotherapist=physio)
        Assessment.objects.create(patient=patient, status=JobStatus.DONE, phenotype="FP",
                                  probability=0.6, review=Assessment.Review.AWAITING)
        Recording.objects.create(patient=patient, task="forward", status=JobStatus.FAILED,
                                 source_key=f"x/{patient.pk}.mp4")
        programme = approved_programme(patient, days_ago=20)
        log_sessions(programme, [1, 2, 3 + number % 5, 9], pain_before=number % 9)


def caseload_queries(client) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get("/dashboard/").status_code == 200
    return len(context.captured_queries)


def test_the_caseload_query_count_does_not_grow_with_patients(
        client, library, django_assert_max_num_queries) -> None:
    physio = PhysiotherapistFactory()
    client.force_login(physio)
    busy_patients(physio, 2)
    few = caseload_queries(client)
    busy_patients(physio, 10)
    assert caseload_queries(client) == few
    with django_assert_max_num_queries(8):
        client.get("/dashboard/", {"sort": "name", "flag": "pain_flare", "q": "a"})
