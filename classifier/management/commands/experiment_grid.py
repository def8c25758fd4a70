"""python manage.py experiment_grid: the paper's Tables 2-4 on the labelled patients.

Every cell is one grouped cross-validation (classifier.ml.grid); the participants are the
ones `train` uses (physio-labelled patients who consent to model training), or with
--cohort those of a labelled cohort folder in the import format, analysed into
var/acceptance/<name>/ by the same pipeline (as the benchmarks do). Writes
OUT/grid.md (ours beside the paper's figures), OUT/grid.json and, per cell,
OUT/cells/<cell>/report.{json,md} and roc.png. Registers no model.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from classifier.dataset import TASKS, training_participants
from classifier.ml.grid import FUSIONS
from classifier.ml.model import STREAMS


def csv_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class Command(BaseCommand):
    help = "Cross-validate the grid of the paper's Tables 2-4 and write one Markdown report."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="folder for the reports")
        parser.add_argument("--tasks", default="forward,backward,both",
                            help="comma-separated: forward, backward, both")
        parser.add_argument("--masks", default="40,80,120,160,320",
                            help="comma-separated K values for Table 2")
        parser.add_argument("--fusion-masks", type=int, default=80,
                            help="K of the image stream in the fusions (Table 4)")
        parser.add_argument("--streams", default=",".join(STREAMS),
                            help="streams to include; fusions need images and the other stream")
        parser.add_argument("--fusions", default=",".join("+".join(f) for f in FUSIONS),
                            help="comma-separated fusions of Table 4, e.g. images+curvature")
        parser.add_argument("--cohort", type=Path,
                            help="a labelled cohort folder instead of the database's patients")
        parser.add_argument("--workers", type=int, default=1,
                            help="pipeline processes for --cohort")
        parser.add_argument("--profile", choices=["paper", "quick"], default="quick",
                            help="for the cells with back masks; cells without them train "
                                 "as the curvature profile does")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--epochs", type=int, help="override the profile's epochs")
        parser.add_argument("--image-size", type=int, help="override the profile's mask size")
        parser.add_argument("--train-masks", type=int,
                            help="override the masks drawn per participant per training step")
        parser.add_argument("--batch-size", type=int, help="override the profile's batch size")
        parser.add_argument("--no-cell-reports", action="store_true",
                            help="only grid.md and grid.json")

    def handle(self, *args, **options) -> None:
        from classifier.ml.config import profile_config
        from classifier.ml.grid import paper_grid, run_grid

        tasks = csv_list(options["tasks"])
        streams = csv_list(options["streams"])
        try:
            mask_counts = [int(k) for k in csv_list(options["masks"])]
        except ValueError:
            raise CommandError("--masks must be comma-separated integers") from None
        if not tasks or set(tasks) - set(TASKS):
            raise CommandError(f"--tasks must be some of {', '.join(TASKS)}")
        if not streams or set(streams) - set(STREAMS):
            raise CommandError(f"--streams must be some of {', '.join(STREAMS)}")
        if not mask_counts or min(mask_counts) < 1 or options["fusion_masks"] < 1:
            raise CommandError("K values must be positive")

        fusions = [tuple(f.split("+")) for f in csv_list(options["fusions"])]
        if any(set(f) - set(STREAMS) for f in fusions):
            raise CommandError(f"--fusions must join streams of {', '.join(STREAMS)} with +")
        cells = paper_grid(tasks, mask_counts, fusion_masks=options["fusion_masks"],
                           streams=streams, fusions=fusions)
        overrides = {"folds": options["folds"], "seed": options["seed"], "progress_bar": False}
        for option in ("epochs", "train_masks", "batch_size"):
            if options[option]:
                overrides[option] = options[option]
        if options["image_size"]:
            overrides["model"] = {"image_size": options["image_size"]}
        base = profile_config(options["profile"]).replace(**overrides)
        vector_base = profile_config("curvature").replace(**{
            name: value for name, value in overrides.items() if name != "model"})

        participants_by_task = {}
        for task in tasks:
            participants = self.participants(task, options)
            labels = [p.label for p in participants]
            if min(labels.count(0), labels.count(1)) < base.folds:
                raise CommandError(
                    f"{task}: {labels.count(1)} FP and {labels.count(0)} EP labelled, consenting "
                    f"patients with analysed recordings; {base.folds} folds need at least "
                    f"{base.folds} of each.")
            participants_by_task[task] = participants
            self.stdout.write(f"{task}: {len(participants)} participants")

        bar = tqdm(total=100, unit="%", desc="experiment grid")

        def progress(stage: str, percent: float) -> None:
            bar.set_description(stage[:50])
            bar.update(max(0, int(percent) - bar.n))

        try:
            rows = run_grid(participants_by_task, cells, base, options["out"], progress=progress,
                            cell_reports=not options["no_cell_reports"],
                            vector_base=vector_base)
        finally:
            bar.close()
        self.stdout.write(f"{len(rows)} cells; report in {options['out'] / 'grid.md'}")

    def participants(self, task: str, options) -> list:
        if options["cohort"] is None:
            return training_participants(task)[0]
        from classifier.ml.cohort import cohort_participants
        from mlpipeline.processing.cohort_cache import analyse_cohort, recorded_tasks

        cohort = options["cohort"].resolve()
        if not (cohort / "cohort.csv").exists():
            raise CommandError(f"{cohort} has no cohort.csv")
        cache = Path(settings.VAR_DIR) / "acceptance" / cohort.name
        analyse_cohort(cohort, cache, recorded_tasks(task), options["workers"])
        return cohort_participants(cohort, cache, task)[0]
