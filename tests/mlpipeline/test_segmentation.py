"""Mask cleaning, people counting and the SAM backend on tiny ONNX models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlpipeline.processing.errors import ModelUnavailable
from mlpipeline.processing.pose import KEYPOINTS, K
from mlpipeline.processing.segmentation import clean_mask, count_people, make_segmenter

HEIGHT, WIDTH = 240, 320


def standing_keypoints(x: float = 160.0, top: float = 40.0, bottom: float = 220.0) -> np.ndarray:
    keypoints = np.zeros((len(KEYPOINTS), 3), np.float32)
    span = bottom - top
    for name, frac in [
        ("nose", 0.05),
        ("left_shoulder", 0.2),
        ("right_shoulder", 0.2),
        ("left_hip", 0.5),
        ("right_hip", 0.5),
        ("left_knee", 0.75),
        ("right_knee", 0.75),
        ("left_ankle", 0.97),
        ("right_ankle", 0.97),
    ]:
        keypoints[K[name]] = (x, top + frac * span, 0.9)
    return keypoints


def test_clean_mask_keeps_the_patient_component_and_fills_holes() -> None:
    prob = np.zeros((HEIGHT, WIDTH), np.float32)
    prob[40:220, 140:180] = 0.9  # patient
    prob[100:110, 150:160] = 0.0  # a hole
    prob[10:230, 250:310] = 0.9  # bigger blob elsewhere (another person)
    mask = clean_mask(prob, standing_keypoints())
    assert mask[105, 155]
    assert mask[50, 150]
    assert not mask[50, 260]
    largest = clean_mask(prob)
    assert largest[50, 260]
    assert not largest[50, 150]


def test_count_people_sees_a_second_person() -> None:
    patient = np.zeros((HEIGHT, WIDTH), bool)
    patient[40:220, 140:180] = True
    everyone = patient.copy()
    assert count_people(everyone, patient) == 1
    everyone[50:200, 250:290] = True  # tall enough and large enough
    assert count_people(everyone, patient) == 2
    everyone[5:8, 5:8] = True  # speck: not a person
    assert count_people(everyone, patient) == 2


def test_sam_segments_from_keypoints_and_tracks_with_the_previous_box(
    sam_onnx: tuple[Path, Path],
) -> None:
    encoder, decoder = sam_onnx
    segmenter = make_segmenter("sam", encoder_path=str(encoder), decoder_path=str(decoder))
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    keypoints = standing_keypoints()
    first = segmenter.segment(image, keypoints)
    ys, xs = np.nonzero(first)
    # keypoint box (x 160, y 49..215) enlarged by 15 % + 10 px
    assert xs.min() == pytest.approx(150, abs=3)
    assert xs.max() == pytest.approx(170, abs=3)
    assert ys.min() == pytest.approx(14, abs=3)
    assert ys.max() == pytest.approx(239, abs=4)
    # next frame: keypoints unreliable, the previous mask's box still finds the person
    lost = keypoints.copy()
    lost[:, 2] = 0.0
    lost[K["left_hip"]] = (160, 130, 0.9)
    second = segmenter.segment(image, lost)
    assert second.sum() > 0.8 * first.sum()
    assert segmenter.encoder_runs == 2


def test_sam_refuses_models_with_the_wrong_layout(sam_onnx: tuple[Path, Path]) -> None:
    encoder, decoder = sam_onnx
    with pytest.raises(ModelUnavailable) as info:
        make_segmenter("sam", encoder_path=str(decoder), decoder_path=str(encoder))
    assert info.value.code == "segmenter_model_layout"
    with pytest.raises(ModelUnavailable):
        make_segmenter("sam", encoder_path=None, decoder_path=str(decoder))
