"""`python manage.py analyse_video VIDEO --task {forward,backward} --out DIR ...`

Runs the same pipeline as the Celery job on a local file and writes DIR/features.json and
DIR/masks/ (DESIGN.md). Invalid input: exit status 2, one line on stderr, nothing written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mlpipeline.processing.errors import PipelineError
from mlpipeline.processing.pipeline import TASKS, PipelineConfig
from mlpipeline.processing.pose_models import POSE_MODEL_NAMES


class Command(BaseCommand):
    help = "Analyse a bend video: theta, motion features, back masks and quality checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("video", type=Path)
        parser.add_argument("--task", required=True, choices=TASKS)
        parser.add_argument("--out", required=True, type=Path, help="output folder")
        parser.add_argument(
            "--pose",
            default=_setting("PIPELINE_POSE_BACKEND") or "mediapipe",
            choices=("mediapipe", "higherhrnet"),
        )
        parser.add_argument(
            "--pose-model",
            default=_setting("PIPELINE_POSE_MODEL") or PipelineConfig.pose_model,
            choices=POSE_MODEL_NAMES,
            help="BlazePose lite, full or heavy (lite and heavy come from `make install`)",
        )
        parser.add_argument(
            "--segmenter",
            default=_setting("PIPELINE_SEGMENTER") or "mediapipe",
            choices=("mediapipe", "sam"),
        )
        parser.add_argument(
            "--silhouettes",
            action="store_true",
            help="also write silhouettes.npz (full-frame person masks)",
        )
        parser.add_argument(
            "--overlay",
            action="store_true",
            help="also write overlay.mp4, an annotated review video",
        )
        parser.add_argument("--higherhrnet-model", default=_setting("PIPELINE_HIGHERHRNET_ONNX"))
        parser.add_argument("--sam-encoder", default=_setting("PIPELINE_SAM_ENCODER_ONNX"))
        parser.add_argument("--sam-decoder", default=_setting("PIPELINE_SAM_DECODER_ONNX"))
        parser.add_argument("--analysis-fps", type=float, default=PipelineConfig.analysis_fps)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        config = PipelineConfig(
            pose_backend=options["pose"],
            pose_model=options["pose_model"],
            segmenter=options["segmenter"],
            higherhrnet_path=options["higherhrnet_model"],
            sam_encoder_path=options["sam_encoder"],
            sam_decoder_path=options["sam_decoder"],
            analysis_fps=options["analysis_fps"],
            mask_size=int(getattr(settings, "PIPELINE_MASK_SIZE", 128)),
            keep_silhouettes=options["silhouettes"],
        )
        result = run_command(
            options["video"],
            options["task"],
            options["out"],
            config,
            overlay=options["overlay"],
            progress=not options["no_progress"] and options["verbosity"] > 0,
        )
        verdict = "ok" if result.qc.ok else ", ".join(i.code for i in result.qc.issues)
        self.stdout.write(
            f"{options['out'] / 'features.json'}: {len(result.frames)} frames, "
            f"{len(result.back_masks)} back masks, quality: {verdict}"
        )


def run_command(
    video: Path,
    task: str,
    out: Path,
    config: PipelineConfig,
    *,
    overlay: bool = False,
    progress: bool = True,
) -> Any:
    """The command's work; raises CommandError(returncode=2) for input that is not usable."""
    from tqdm import tqdm

    from mlpipeline.processing.output import write_outputs
    from mlpipeline.processing.pipeline import run_pipeline

    if not video.is_file():
        raise CommandError(f"no such video file: {video}", returncode=2)
    bars: list[tqdm] = []  # opened after the probe, so a rejection prints one line only

    def report(stage: str, percent: float) -> None:
        if stage == "probe" or not progress:
            return
        if not bars:
            bars.append(tqdm(total=100, unit="%", bar_format="{l_bar}{bar}| {n:.0f}%"))
        bars[0].set_description(stage)
        bars[0].update(max(0.0, percent - bars[0].n))

    try:
        result = run_pipeline(video, task, config, report)
    except PipelineError as exc:
        raise CommandError(f"{exc.code}: {exc.message}", returncode=2) from exc
    except OSError as exc:
        raise CommandError(f"cannot read {video}: {exc.strerror or exc}", returncode=2) from exc
    finally:
        for bar in bars:
            bar.close()
    write_outputs(result, out, silhouettes=config.keep_silhouettes)
    if overlay:
        from mlpipeline.processing.overlay import write_overlay

        write_overlay(video, result, out / "overlay.mp4")
    return result


def _setting(name: str) -> str | None:
    return getattr(settings, name, None) or os.environ.get(name) or None
