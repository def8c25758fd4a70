"""Bring a labelled cohort (cohort.csv + videos) into the platform.

This is how a clinic or research group imports its own data, and how `make run` loads the
synthetic demo cohort. Each row becomes a patient with care and training consent recorded
as given on paper, a physiotherapist's label, PROM totals, and one recording per video,
stored in object storage and queued for analysis. Importing the same folder again adds
nothing: patients are keyed by "cohort/participant".
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from assessments.models import (
    Consent,
    ConsentPurpose,
    Patient,
    Phenotype,
    PhenotypeLabel,
    PromScore,
    Recording,
    Task,
    User,
)
from assessments.prom_scoring import ScoringError, check_total
from assessments.selectors import instrument_definitions_current
from assessments.services import consent_grant
from assessments.storage_keys import recording_source_key
from backtracker_site.jobs import enqueue_on_commit
from backtracker_site.models import JobStatus

REQUIRED_COLUMNS = ("participant_id", "group", "forward_video", "backward_video")
VIDEO_COLUMNS = {"forward_video": Task.FORWARD, "backward_video": Task.BACKWARD}


class CohortError(ValueError):
    """The folder cannot be imported; the message names the row and what is wrong."""


@dataclass
class CohortRow:
    line: int
    participant_id: str
    group: str
    videos: dict[str, Path]  # task -> file
    proms: dict[str, float] = field(default_factory=dict)


@dataclass
class ImportSummary:
    created: int = 0
    skipped: int = 0
    recordings: int = 0


def read_cohort(folder: Path) -> list[CohortRow]:
    """Parse and check cohort.csv completely before anything is written."""
    instruments = instrument_definitions_current()
    csv_path = folder / "cohort.csv"
    if not csv_path.is_file():
        raise CohortError(f"{csv_path} not found: a cohort folder needs a cohort.csv")
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CohortError(f"cohort.csv lacks the column(s) {', '.join(missing)}")
        rows = [parse_row(folder, line, raw, instruments)
                for line, raw in enumerate(reader, start=2)]
    seen: set[str] = set()
    for row in rows:
        if row.participant_id in seen:
            raise CohortError(f"row {row.line} ({row.participant_id}): participant "
                              f"{row.participant_id} appears twice")
        seen.add(row.participant_id)
    return rows


def parse_row(folder: Path, line: int, raw: dict[str, str],
              instruments: dict[str, dict]) -> CohortRow:
    where = f"row {line}"
    participant = (raw.get("participant_id") or "").strip()
    if not participant:
        raise CohortError(f"{where}: participant_id is empty")
    where = f"row {line} ({participant})"
    group = (raw.get("group") or "").strip().upper()
    if group not in Phenotype.values:
        raise CohortError(f"{where}: group must be FP or EP, not {raw.get('group')!r}")
    videos = {}
    for column, task in VIDEO_COLUMNS.items():
        relative = (raw.get(column) or "").strip()
        if not relative:
            continue
        path = (folder / relative).resolve()
        if folder.resolve() not in path.parents:
            raise CohortError(f"{where}: {column} must be a path inside the cohort folder")
        if not path.is_file():
            raise CohortError(f"{where}: {column} file {relative} not found")
        videos[task] = path
    proms = {}
    for instrument, definition in instruments.items():
        value = (raw.get(instrument) or "").strip()
        if not value:
            continue
        try:
            total = float(value)
        except ValueError:
            total = math.nan
        if not math.isfinite(total):
            raise CohortError(f"{where}: {instrument} must be a number, not {value!r}")
        try:
            check_total(definition, total)
        except ScoringError as exc:
            raise CohortError(f"{where}: {exc}") from None
        proms[instrument] = total
    return CohortRow(line, participant, group, videos, proms)


def import_cohort(folder: Path, *, cohort: str, physiotherapist: User | None = None,
                  training_consent: bool = True) -> ImportSummary:
    """Create patients, labels, PROM totals and queued recordings for every new row."""
    rows = read_cohort(folder)
    summary = ImportSummary()
    for row in rows:
        with transaction.atomic():
            reference = f"{cohort}/{row.participant_id}"
            if Patient.objects.filter(external_ref=reference).exists():
                summary.skipped += 1
                continue
            summary.recordings += import_row(row, reference, physiotherapist, training_consent)
            summary.created += 1
    return summary


def import_row(row: CohortRow, reference: str, physiotherapist: User | None,
               training_consent: bool) -> int:
    slug = "".join(ch if ch.isalnum() else "-" for ch in reference.lower())
    user = User.objects.create_user(email=f"{slug}@cohort.invalid", password=None,
                                    is_active=False, first_name=row.participant_id)
    patient = Patient.objects.create(user=user, external_ref=reference,
                                     physiotherapist=physiotherapist)
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE, channel=Consent.Channel.PAPER)
    if training_consent:
        consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING,
                      channel=Consent.Channel.PAPER)
    PhenotypeLabel.objects.create(patient=patient, phenotype=row.group,
                                  source=PhenotypeLabel.Source.IMPORT,
                                  reason=f"imported with cohort {reference.split('/')[0]}")
    PromScore.objects.bulk_create([
        PromScore(patient=patient, instrument=name, total=total, source=PromScore.Source.IMPORT)
        for name, total in row.proms.items()
    ])  # imported totals carry no answers, so no band is claimed for them
    for task, path in row.videos.items():
        recording = Recording(patient=patient, task=task, status=JobStatus.QUEUED,
                              size_bytes=path.stat().st_size)
        recording.source_key = recording_source_key(patient_id=patient.id,
                                                    recording_id=recording.id)
        with open(path, "rb") as handle:
            stored = default_storage.save(recording.source_key, File(handle))
        # If the transaction fails below, the orphaned object is harmless (no row points
        # at it) and a second import stores a fresh one under a new recording ID.
        recording.source_key = stored
        recording.save()
        enqueue_on_commit(recording)
    return len(row.videos)
