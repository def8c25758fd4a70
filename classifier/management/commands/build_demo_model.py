"""python manage.py build_demo_model: rebuild the demonstration model that `make run` promotes.

Generates a synthetic cohort (unless --cohort names an existing one), analyses its backward
bends with the current pipeline, cross-validates and trains the default profile on it and
writes classifier/demo/demo-backward.onnx and its card. The demo cohort that `make run`
classifies (seed 7) is never part of it. Needed whenever the pipeline version changes
(serving refuses features of another version); with a fresh 120-participant cohort it takes
about an hour on two cores, most of it rendering.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEMO_COHORT_SEED = 7  # the Makefile's demo cohort: never train the demo model on it


class Command(BaseCommand):
    help = "Rebuild the shipped demonstration model (synthetic data, not for clinical use)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cohort", type=Path,
                            help="an existing generated cohort (default: generate one under "
                                 "var/demo-model-cohort)")
        parser.add_argument("--participants", type=int, default=120,
                            help="participants to generate when no --cohort is given")
        parser.add_argument("--seed", type=int, default=120, help="seed of the generated cohort")
        parser.add_argument("--workers", type=int, default=1, help="pipeline processes")

    def handle(self, *args, **options) -> None:
        import json

        from classifier.ml.demo_model import build_demo_model
        from mlpipeline.processing.cohort_cache import analyse_cohort, default_pipeline_version
        from mlpipeline.synthetic.cohort import generate_cohort

        cohort = options["cohort"]
        if cohort is None:
            if options["seed"] == DEMO_COHORT_SEED:
                raise CommandError(f"seed {DEMO_COHORT_SEED} is the demo cohort's own seed")
            cohort = Path(settings.VAR_DIR) / "demo-model-cohort"
            if not (cohort / "cohort.csv").exists():
                self.stdout.write(f"generating {options['participants']} participants in {cohort}")
                generate_cohort(cohort, options["participants"], options["seed"],
                                size_scale=0.5, duration_scale=0.6, fps=24, silhouettes=False)
        cohort = cohort.resolve()
        if not (cohort / "cohort.json").exists():
            raise CommandError(f"{cohort} is not a finished generated cohort (no cohort.json)")
        if json.loads((cohort / "cohort.json").read_text()).get("seed") == DEMO_COHORT_SEED:
            raise CommandError("that is the demo cohort; the demo model must not be trained on it")
        cache = Path(settings.VAR_DIR) / "acceptance" / cohort.name
        analyse_cohort(cohort, cache, ["backward"], options["workers"])
        built = build_demo_model(cohort, cache, default_pipeline_version())
        cv = built.card["cv"]
        self.stdout.write(f"wrote {built.onnx} ({built.card['cohort']['participants']} "
                          f"participants; CV accuracy {cv['accuracy']:.1%}, AUC {cv['auc']:.3f})")
