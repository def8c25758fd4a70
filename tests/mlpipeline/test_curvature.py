"""Spinal curvature from the back outline: angles of one mask, the summary of a bend, and
the pipeline's output against a generated participant's true spine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlpipeline.processing.curvature import (
    CURVATURE_VECTOR_NAMES,
    OutlineAngles,
    outline_angles,
    summarise_curvature,
)

SIZE, MARGIN = 128, 0.15


def mask_with_outline(upper: float, middle: float, low: float, shift: int = 0) -> np.ndarray:
    """A back mask whose back edge runs at `upper` degrees around f = 0.15, `middle` around
    f = 0.5 and `low` around f = 0.9 (positive: the back moves forward going down)."""
    rows = np.arange(SIZE)
    fraction = (rows + 0.5) / SIZE * (1 + 2 * MARGIN) - MARGIN
    direction = np.where(fraction < 0.325, upper, np.where(fraction < 0.7, middle, low))
    edge = 60.0 + shift + np.cumsum(np.tan(np.radians(direction)))
    columns = np.arange(SIZE)[None, :]
    return (columns >= edge[:, None]) & (columns < edge[:, None] + 50)


def test_angles_of_a_known_outline() -> None:
    angles = outline_angles(mask_with_outline(upper=-12.0, middle=8.0, low=-20.0))
    assert angles.lumbar_deg == pytest.approx(28.0, abs=1.5)  # 8 - (-20)
    assert angles.thoracic_deg == pytest.approx(20.0, abs=1.5)  # 8 - (-12)
    assert angles.upper_tilt_deg == pytest.approx(-12.0, abs=1.5)


@settings(max_examples=25, deadline=None)
@given(upper=st.floats(-25, 5), middle=st.floats(-5, 20), low=st.floats(-35, 0),
       shift=st.integers(-10, 10))
def test_angles_follow_the_outline_wherever_it_sits(upper, middle, low, shift) -> None:
    # A binary outline moves in whole pixels: one pixel over a 26-row window is 2.2 degrees,
    # and an angle is the difference of two such tangents.
    angles = outline_angles(mask_with_outline(upper, middle, low, shift))
    assert angles.lumbar_deg == pytest.approx(middle - low, abs=4.5)
    assert angles.thoracic_deg == pytest.approx(middle - upper, abs=4.5)


def test_an_empty_or_tiny_mask_has_no_angles() -> None:
    assert outline_angles(np.zeros((SIZE, SIZE), bool)) == OutlineAngles(None, None, None)
    speck = np.zeros((SIZE, SIZE), bool)
    speck[60:63, 60:63] = True
    assert outline_angles(speck).lumbar_deg is None


def bend(lumbar_gain: float, thoracic_gain: float, task: str = "backward"):
    """A clip standing at theta 1-2, then bending to theta 30: lumbar and thoracic angles
    change by the given amounts at the peak, the upper back tilts by 4 degrees."""
    thetas = [1.0, 1.5, 2.0, 1.2, 10.0, 20.0, 28.0, 30.0, 29.0, 15.0]
    sign = 1.0 if task == "backward" else -1.0
    angles = [
        OutlineAngles(lumbar_deg=30 + sign * lumbar_gain * t / 30,
                      thoracic_deg=40 - sign * thoracic_gain * t / 30,
                      upper_tilt_deg=-10 + sign * 4 * t / 30)
        for t in thetas
    ]
    return summarise_curvature(thetas, angles, task)


def test_summary_of_a_backward_bend() -> None:
    summary = bend(lumbar_gain=15.0, thoracic_gain=6.0)
    assert summary.standing_masks == 4
    assert summary.peak_masks == 3
    assert summary.standing_lumbar_deg == pytest.approx(30 + 15 * 1.35 / 30, abs=0.1)
    assert summary.lumbar_change_deg == pytest.approx(15 * (29 - 1.35) / 30, abs=0.1)
    assert summary.thoracic_change_deg == pytest.approx(6 * (29 - 1.35) / 30, abs=0.1)
    rotation = (29 - 1.35) + 4 * (29 - 1.35) / 30
    assert summary.trunk_rotation_deg == pytest.approx(rotation, abs=0.1)
    assert summary.lumbar_share == pytest.approx(summary.lumbar_change_deg / rotation)
    assert summary.thoracic_share == pytest.approx(summary.thoracic_change_deg / rotation)
    assert len(summary.vector()) == len(CURVATURE_VECTOR_NAMES)


def test_the_forward_bend_counts_flexion_as_positive() -> None:
    summary = bend(lumbar_gain=20.0, thoracic_gain=10.0, task="forward")
    assert summary.lumbar_change_deg > 0
    assert summary.thoracic_change_deg > 0
    assert 0 < summary.lumbar_share < 1


def test_a_clip_without_a_bend_has_no_share() -> None:
    thetas = [1.0, 2.0, 3.0, 2.5]
    summary = summarise_curvature(thetas, [OutlineAngles(30.0, 40.0, -10.0)] * 4, "backward")
    assert summary.lumbar_share is None
    assert summary.peak_masks == 0
    assert summarise_curvature([], [], "backward").lumbar_share is None


@pytest.mark.slow
def test_the_pipeline_reads_the_lumbar_extension_of_a_generated_bend(tmp_path: Path) -> None:
    """One generated backward bend through the real pipeline: features.json carries the
    per-mask series and the summary, and the outline's lumbar change is near the truth."""
    from mlpipeline.processing.output import analyse_to_directory
    from mlpipeline.processing.pipeline import PipelineConfig
    from mlpipeline.synthetic.cohort import generate_cohort
    from mlpipeline.synthetic.truth import true_curvature

    cohort = generate_cohort(tmp_path / "cohort", 1, 4, progress=False, size_scale=0.5,
                             duration_scale=0.6, fps=24, silhouettes=False)
    pid = json.loads((cohort / "cohort.json").read_text())["recordings"][0]["participant_id"]
    out = tmp_path / "out"
    analyse_to_directory(cohort / "videos" / f"{pid}_backward.mp4", "backward", out,
                         PipelineConfig())
    document = json.loads((out / "features.json").read_text())
    assert all("lumbar_deg" in m and "thoracic_deg" in m for m in document["masks"])
    measured = document["curvature"]
    truth = true_curvature(np.load(cohort / "ground_truth" / pid / "backward.npz"), "backward")
    assert measured["lumbar_change_deg"] == pytest.approx(truth.lumbar_change_deg, abs=5.0)
    assert measured["lumbar_share"] == pytest.approx(truth.lumbar_share, abs=0.2)


def test_hair_or_a_hand_behind_the_back_is_not_the_back() -> None:
    """A blob stuck on behind the upper back (an extended head, a ponytail, a hand) and one
    behind the low back leave the angles as they are: the outline keeps to the back's line."""
    clean = mask_with_outline(upper=-12.0, middle=8.0, low=-20.0)
    cluttered = clean.copy()
    cluttered[8:30, 10:62] = True  # above and around f = 0.15, far behind the back
    cluttered[112:122, 20:60] = True  # behind the sacral window
    plain, busy = outline_angles(clean), outline_angles(cluttered)
    assert busy.lumbar_deg == pytest.approx(plain.lumbar_deg, abs=1.0)
    assert busy.upper_tilt_deg == pytest.approx(plain.upper_tilt_deg, abs=1.0)
