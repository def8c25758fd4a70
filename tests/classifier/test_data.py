"""Participants from analyse_video folders, normalisation and task merging."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from classifier.ml.data import Participant, fit_standardiser, load_participant_masks, merge_tasks
from classifier.ml.preprocess import motion_vector, prepare_masks, prom_vector
from classifier.ml.toy import trunk_mask


def write_folder(folder, masks, thetas) -> None:
    (folder / "masks").mkdir(parents=True)
    entries = []
    for frame, (mask, theta) in enumerate(zip(masks, thetas, strict=True)):
        name = f"masks/{frame:06d}.png"
        cv2.imwrite(str(folder / name), mask.astype(np.uint8) * 255)
        entries.append({"file": name, "frame": frame, "theta": theta})
    entries.append({"file": "masks/missing.png", "frame": 99, "theta": None})  # skipped
    (folder / "features.json").write_text(json.dumps({"fps": 30, "masks": entries}))


def test_masks_and_thetas_load_from_an_analyse_video_folder(tmp_path) -> None:
    masks = [trunk_mask(128, 0.05 * i) for i in range(3)]
    write_folder(tmp_path, masks, [5.0, 12.5, 40.0])
    loaded, thetas = load_participant_masks(tmp_path)
    assert thetas == [5.0, 12.5, 40.0]
    assert all(np.array_equal(a, b) for a, b in zip(loaded, masks, strict=True))
    assert loaded[0].dtype == bool


def test_prepare_masks_accepts_bool_and_0_255_alike() -> None:
    mask = trunk_mask(64, 0.1)
    as_bool = prepare_masks([mask], 32)
    as_255 = prepare_masks([mask.astype(np.uint8) * 255], 32)
    assert as_bool.shape == (1, 32, 32)
    assert as_bool.dtype == np.uint8
    assert np.array_equal(as_bool, as_255)


def test_standardiser_ignores_missing_values() -> None:
    mean, std = fit_standardiser([np.array([1.0, np.nan]), np.array([3.0, np.nan])])
    assert mean.tolist() == [2.0, 0.0]
    assert std.tolist() == [1.0, 1.0]


def test_named_vectors_mark_missing_values() -> None:
    vector = motion_vector({"mean": 30.0, "range": 50.0, "sd": None})
    assert vector.shape == (9,)
    assert vector[0] == 30.0
    assert np.isnan(vector[4])
    assert prom_vector({"vas": 4, "odi": 20}).shape == (8,)


def test_merging_tasks_pools_masks_and_keeps_the_label() -> None:
    forward = Participant("a", 1, [np.zeros((8, 8))] * 2, [10.0, 20.0], motion=np.ones(9))
    backward = Participant("a", 1, [np.ones((8, 8))], [5.0], motion=np.zeros(9))
    both = merge_tasks(forward, backward)
    assert len(both.masks) == 3
    assert both.thetas == [10.0, 20.0, 5.0]
    assert both.motion.shape == (18,)
    with pytest.raises(ValueError, match="labels differ"):
        merge_tasks(forward, Participant("a", 0, [np.ones((8, 8))], [5.0]))


def test_participant_validates_its_label_and_masks() -> None:
    with pytest.raises(ValueError, match="label"):
        Participant("a", 2)
    with pytest.raises(ValueError, match="thetas"):
        Participant("a", 1, [np.zeros((4, 4))], [])
    assert Participant("a", 0).group == "a"
