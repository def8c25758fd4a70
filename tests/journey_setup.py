"""What both patient-journey tests need: a clinic with a model, and one participant's bends."""

from __future__ import annotations

from pathlib import Path

from classifier.models import ModelVersion
from classifier.registry import model_version_promote
from classifier.training import train_and_register
from mlpipeline.synthetic.cohort import generate_cohort
from tests.classifier.classifier_data import labelled_cohort

TINY_MODEL = {"task": "backward", "masks": 8, "folds": 2, "profile": "quick", "epochs": 2,
              "streams": ["images"], "seed": 3}


def clinic_with_a_model(report_dir: Path) -> ModelVersion:
    """A quick model trained on 8 earlier, labelled patients, and promoted."""
    labelled_cohort(8)
    version = train_and_register(TINY_MODEL, report_dir=report_dir, checkpoint_dir=None)
    model_version_promote(version=version, user=None)
    return version


def one_participant_videos(folder: Path) -> tuple[Path, Path]:
    """A rendered forward and backward bend of one synthetic participant."""
    cohort = generate_cohort(folder, 1, seed=5, progress=False, size_scale=0.5,
                             duration_scale=0.6, fps=24, silhouettes=False)
    videos = cohort / "videos"
    return next(videos.glob("*_forward.mp4")), next(videos.glob("*_backward.mp4"))
