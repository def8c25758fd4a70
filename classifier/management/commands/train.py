"""python manage.py train: cross-validate on the labelled patients, train, register."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from backtracker_site.api.errors import ApiError
from classifier.ml.config import DEFAULT_PROFILE, PROFILES
from classifier.registry import model_version_promote
from classifier.training import train_and_register


class Command(BaseCommand):
    help = "Grouped k-fold cross-validation report, then a final model registered as a version."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--task", choices=["forward", "backward", "both"], default="backward")
        parser.add_argument("--masks", type=int, default=80, help="K masks per participant")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--streams", default="",
                            help="comma-separated: images, motion, proms, curvature "
                                 "(default: the profile's)")
        parser.add_argument("--profile", choices=PROFILES, default=DEFAULT_PROFILE)
        parser.add_argument("--epochs", type=int, help="override the profile's epochs")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--report", type=Path, required=True, help="folder for the report")
        parser.add_argument("--checkpoints", type=Path, help="folder to resume from")
        parser.add_argument("--promote", action="store_true",
                            help="make the new version active (refused if worse, as in the admin)")

    def handle(self, *args, **options) -> None:
        choices = {"task": options["task"], "masks": options["masks"],
                   "folds": options["folds"], "profile": options["profile"],
                   "streams": [s.strip() for s in options["streams"].split(",") if s.strip()],
                   "epochs": options["epochs"], "seed": options["seed"]}
        bar = tqdm(total=100, unit="%", desc="training")

        def progress(stage: str, percent: float) -> None:
            bar.set_description(stage[:40])
            bar.update(max(0, int(percent) - bar.n))

        try:
            version = train_and_register(choices, report_dir=options["report"],
                                         checkpoint_dir=options["checkpoints"],
                                         progress=progress)
        except ApiError as exc:
            raise CommandError(str(exc.detail)) from exc
        finally:
            bar.close()
        self.stdout.write(f"registered {version}; report in {options['report']}")
        if options["promote"]:
            try:
                model_version_promote(version=version, user=None, reason="manage.py train")
                self.stdout.write(f"v{version.number} is now active")
            except ApiError as exc:
                self.stdout.write(f"not promoted: {exc.detail}")
