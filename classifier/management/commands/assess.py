"""python manage.py assess --forward F --backward B [--proms JSON]: classify two videos."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from classifier.registry import model_version_active
from classifier.serving import classifier_for


class Command(BaseCommand):
    help = "Analyse a forward and a backward bend video and classify them with the active model."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--forward", type=Path)
        parser.add_argument("--backward", type=Path)
        parser.add_argument("--proms", default="{}", help='JSON totals, e.g. {"odi": 30}')

    def handle(self, *args, forward: Path | None, backward: Path | None, proms: str,
               **options) -> None:
        from classifier.ml.preprocess import curvature_vector, motion_vector, prom_vector
        from mlpipeline.processing.errors import PipelineError
        from mlpipeline.processing.pipeline import run_pipeline
        from mlpipeline.services import pipeline_config

        try:
            totals = json.loads(proms)
        except json.JSONDecodeError as exc:
            raise CommandError(f"--proms is not JSON: {exc}") from exc
        version = model_version_active()
        tasks = {"both": ["forward", "backward"]}.get(version.task, [version.task]) \
            if version else []
        videos = {"forward": forward, "backward": backward}
        results, qc = {}, {}
        for task in ("forward", "backward"):
            if videos[task] is None:
                continue
            try:
                results[task] = run_pipeline(videos[task], task, pipeline_config())
            except PipelineError as exc:
                self.stderr.write(f"{videos[task]}: {exc.message}")
                sys.exit(2)
            qc[task] = results[task].qc.as_dict()
        answer = {"phenotype": None, "probability": None,
                  "model_version": version.number if version else None, "qc": qc,
                  "lumbar_share": {task: result.curvature.lumbar_share
                                   for task, result in results.items()}}
        missing = [t for t in tasks if t not in results]
        if version is None:
            answer["message"] = "No model is active yet; train and promote one first."
        elif missing:
            answer["message"] = f"This model needs the {' and '.join(missing)} video(s)."
        else:
            masks = [m.mask for t in tasks for m in results[t].back_masks]
            thetas = [m.theta for t in tasks for m in results[t].back_masks]
            curvature = np.concatenate(
                [curvature_vector(results[t].curvature.as_dict()) for t in tasks])
            prediction = classifier_for(version).predict(
                masks, thetas, motion=motion_vector(results[tasks[0]].motion_features),
                proms=prom_vector(totals), curvature=curvature)
            answer["phenotype"] = prediction.phenotype
            answer["probability"] = round(float(np.maximum(prediction.probability_fp,
                                                            1 - prediction.probability_fp)), 4)
        self.stdout.write(json.dumps(answer))
