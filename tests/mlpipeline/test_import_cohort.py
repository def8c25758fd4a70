"""import_cohort: clear errors naming the row, nothing half-written, no duplicates."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Patient, PhenotypeLabel, PromScore, Recording
from assessments.selectors import patients_consenting_to_training
from backtracker_site.models import JobStatus
from tests.videos import grey_frames, write_video

pytestmark = pytest.mark.django_db

HEADER = [
    "participant_id",
    "group",
    "forward_video",
    "backward_video",
    "vas",
    "odi",
    "pcs",
    "pseq",
    "sbt",
    "tsk",
    "csq",
    "pass20",
]


def make_cohort(folder: Path, rows: list[dict[str, str]]) -> Path:
    (folder / "videos").mkdir(parents=True, exist_ok=True)
    for row in rows:
        for column in ("forward_video", "backward_video"):
            if row.get(column) and not row[column].startswith("missing"):
                write_video(folder / row[column], grey_frames())
    with open(folder / "cohort.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: row.get(key, "") for key in HEADER})
    return folder


def row(pid: str, group: str = "FP", **extra: str) -> dict[str, str]:
    return {
        "participant_id": pid,
        "group": group,
        "forward_video": f"videos/{pid}_forward.mp4",
        "backward_video": f"videos/{pid}_backward.mp4",
        "vas": "42",
        "tsk": "39",
        **extra,
    }


def test_it_imports_patients_labels_proms_and_queued_recordings(
    tmp_path, django_capture_on_commit_callbacks
):
    folder = make_cohort(tmp_path / "demo", [row("p01", "FP"), row("p02", "EP", odi="30")])
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("import_cohort", str(folder))
    assert Patient.objects.filter(external_ref__startswith="demo/").count() == 2
    assert set(PhenotypeLabel.objects.values_list("phenotype", flat=True)) == {"FP", "EP"}
    assert PromScore.objects.get(patient__external_ref="demo/p02", instrument="odi").total == 30
    recordings = Recording.objects.all()
    assert recordings.count() == 4
    assert {r.status for r in recordings} == {JobStatus.QUEUED}
    for recording in recordings:
        assert default_storage.exists(recording.source_key)
        assert recording.source_key.startswith(f"patients/{recording.patient_id}/recordings/")
    assert len(callbacks) == 4  # one enqueue per recording, after commit
    assert patients_consenting_to_training().count() == 2


def test_importing_twice_duplicates_nothing(tmp_path) -> None:
    folder = make_cohort(tmp_path / "demo", [row("p01")])
    call_command("import_cohort", str(folder))
    call_command("import_cohort", str(folder))
    assert Patient.objects.count() == 1
    assert Recording.objects.count() == 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"group": "XP"}, "row 3 (p02): group must be FP or EP"),
        ({"forward_video": "missing.mp4"}, "row 3 (p02): forward_video file missing.mp4 not found"),
        ({"pcs": "60"}, "row 3 (p02): pcs total 60 is outside 0-52"),
        ({"tsk": "a lot"}, "row 3 (p02): tsk must be a number"),
        ({"backward_video": "../outside.mp4"}, "backward_video must be a path inside"),
        ({"participant_id": "p01"}, "row 3 (p01): participant p01 appears twice"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(tmp_path, bad, message) -> None:
    good = row("p01")
    broken = {**row("p02"), **bad}
    folder = make_cohort(tmp_path / "demo", [good, broken])
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_cohort", str(folder))
    assert not Patient.objects.exists()


def test_a_folder_without_cohort_csv_is_refused(tmp_path) -> None:
    with pytest.raises(CommandError, match=r"cohort\.csv not found"):
        call_command("import_cohort", str(tmp_path))
