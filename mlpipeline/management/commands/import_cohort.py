"""python manage.py import_cohort DIR: import a labelled cohort in the cohort.csv format."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import User
from mlpipeline.cohort_import import CohortError, import_cohort


class Command(BaseCommand):
    help = "Import cohort.csv and its videos: patients, labels, PROM totals, queued recordings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)
        parser.add_argument("--cohort", help="name that keys the import (default: folder name)")
        parser.add_argument("--physio", help="e-mail of the physiotherapist to assign")
        parser.add_argument("--no-training-consent", action="store_true",
                            help="do not record consent to use the data for training")

    def handle(self, *args, folder: Path, cohort: str | None, physio: str | None,
               no_training_consent: bool, **options) -> None:
        physiotherapist = None
        if physio:
            physiotherapist = User.objects.filter(
                email=physio.lower(), role=User.Role.PHYSIOTHERAPIST).first()
            if physiotherapist is None:
                raise CommandError(f"no physiotherapist with e-mail {physio}")
        try:
            summary = import_cohort(folder, cohort=cohort or folder.resolve().name,
                                    physiotherapist=physiotherapist,
                                    training_consent=not no_training_consent)
        except CohortError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"imported {summary.created} participant(s) with {summary.recordings} recording(s); "
            f"{summary.skipped} already present"
        )
