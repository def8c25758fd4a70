"""`python manage.py generate_cohort --participants N --out DIR --seed S`

Thin wrapper over mlpipeline.synthetic.cohort.generate_cohort: writes a synthetic cohort
(cohort.csv, videos/, ground_truth/, cohort.json, FORMAT.md) ready for import_cohort.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Generate a synthetic FP/EP cohort of rendered bend videos with ground truth."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True, help="output folder")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--size-scale",
            type=float,
            default=1.0,
            help="scale of the 720p/1080p frame size (0.5 renders 640x360)",
        )
        parser.add_argument(
            "--duration-scale",
            type=float,
            default=1.0,
            help="scale of every movement phase (< 1: shorter clips)",
        )
        parser.add_argument(
            "--fps",
            type=int,
            default=None,
            help="one frame rate for all videos (default: 24-60 per video)",
        )
        parser.add_argument(
            "--small",
            action="store_true",
            help="fast demo: --size-scale 0.5 --duration-scale 0.6 --fps 24",
        )
        parser.add_argument(
            "--no-silhouettes",
            action="store_true",
            help="skip the per-frame true silhouettes (smaller output)",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from mlpipeline.synthetic.cohort import generate_cohort

        if options["participants"] < 1:
            raise CommandError("--participants must be at least 1")
        size_scale, duration_scale, fps = (
            options["size_scale"],
            options["duration_scale"],
            options["fps"],
        )
        if options["small"]:
            size_scale, duration_scale, fps = 0.5, 0.6, fps or 24
        if not 0.1 <= size_scale <= 2.0:
            raise CommandError("--size-scale must be between 0.1 and 2")
        out = generate_cohort(
            options["out"],
            options["participants"],
            options["seed"],
            progress=not options["no_progress"],
            size_scale=size_scale,
            duration_scale=duration_scale,
            fps=fps,
            silhouettes=not options["no_silhouettes"],
        )
        self.stdout.write(f"cohort written to {out} (see {out / 'FORMAT.md'})")
