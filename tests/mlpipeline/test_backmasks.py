"""Back-mask geometry, theta bins and the K-mask selection used by pipeline and classifier."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlpipeline.processing.backmasks import back_mask, montage, select_masks, theta_bin


def tilted_trunk(angle_deg: float, size: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Silhouette of a trunk (a 40 x 120 rectangle plus a belly bump on the front, +x when
    upright) rotated by `angle_deg` about the hip; returns mask, neck, hip."""
    hip = np.array([200.0, 300.0])
    a = np.radians(angle_deg)
    up = np.array([np.sin(a), -np.cos(a)])
    right = np.array([-up[1], up[0]])
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    rel = np.stack([xx - hip[0], yy - hip[1]], axis=-1)
    along, across = rel @ up, rel @ right
    trunk = (along >= 0) & (along <= 120) & (np.abs(across) <= 20)
    belly = (np.abs(along - 40) <= 20) & (across > 0) & (across <= 35)
    return trunk | belly, hip + 120 * up, hip


@pytest.mark.parametrize("angle", [0.0, 30.0, 75.0, -25.0])
def test_back_mask_is_the_same_whatever_the_trunk_angle(angle: float) -> None:
    reference = back_mask(*tilted_trunk(0.0))
    mask = back_mask(*tilted_trunk(angle))
    assert mask is not None
    assert reference is not None
    assert mask.shape == (128, 128)
    assert mask.dtype == bool
    iou = (mask & reference).sum() / (mask | reference).sum()
    assert iou > 0.95


def test_back_mask_is_upright_cropped_and_faces_right() -> None:
    silhouette, neck, hip = tilted_trunk(40.0)
    mask = back_mask(silhouette, neck, hip, margin=0.15)
    assert mask is not None
    rows = np.flatnonzero(mask.any(axis=1))
    # trunk spans neck..hip = 1/(1.3) of the output, starting 0.15/1.3 from the top
    assert rows[0] == pytest.approx(128 * 0.15 / 1.3, abs=2)
    assert rows[-1] == pytest.approx(128 * 1.15 / 1.3, abs=2)
    left, right = mask[:, :64].sum(), mask[:, 64:].sum()
    assert right > left  # the belly bump (front) is on the right
    mirrored = back_mask(
        silhouette[:, ::-1], [400 - 1 - neck[0], neck[1]], [400 - 1 - hip[0], hip[1]], facing=-1
    )
    assert mirrored is not None
    assert (mirrored ^ mask).sum() < 0.03 * mask.sum()


def test_back_mask_needs_distinct_neck_and_hip() -> None:
    assert back_mask(np.ones((10, 10), bool), (5, 5), (5, 5)) is None


def test_theta_bins_are_five_degrees() -> None:
    assert [theta_bin(x) for x in (0.0, 4.99, 5.0, 37.5, 90.0)] == [0, 0, 1, 7, 18]


def test_stratified_selection_covers_every_depth_and_is_deterministic() -> None:
    # 100 masks near standing (0-5 deg) and 10 at each deeper bin up to 60 deg
    thetas = list(np.linspace(0, 4.9, 100)) + [b * 5 + 2.5 for b in range(1, 12) for _ in range(10)]
    chosen = select_masks(thetas, 24)
    assert chosen == select_masks(thetas, 24)
    assert len(chosen) == len(set(chosen)) == 24
    assert {theta_bin(thetas[i]) for i in chosen} == set(range(12))
    assert select_masks(thetas, 5000) == list(range(len(thetas)))


@settings(max_examples=60, deadline=None)
@given(
    thetas=st.lists(st.floats(0, 180), min_size=1, max_size=200),
    k=st.integers(1, 250),
    seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)),
)
def test_stratified_selection_properties(thetas: list[float], k: int, seed: int | None) -> None:
    """Inference (no rng) and training (rng) share K out over theta bins the same way."""
    rng = None if seed is None else np.random.default_rng(seed)
    chosen = select_masks(thetas, k, rng=rng)
    if rng is not None and k > len(thetas):  # training with too few masks: repeats
        assert len(chosen) == k
        assert set(chosen) <= set(range(len(thetas)))
        return
    assert len(chosen) == min(k, len(thetas)) == len(set(chosen))
    if rng is None:
        assert chosen == sorted(chosen)
    assert all(0 <= i < len(thetas) for i in chosen)
    # bins are as even as possible: counts differ by at most one unless a bin ran out
    counts: dict[int, int] = {}
    for i in chosen:
        counts[theta_bin(thetas[i])] = counts.get(theta_bin(thetas[i]), 0) + 1
    sizes: dict[int, int] = {}
    for theta in thetas:
        sizes[theta_bin(theta)] = sizes.get(theta_bin(theta), 0) + 1
    top = max(counts.values())
    assert all(counts.get(b, 0) >= min(top - 1, n) for b, n in sizes.items())


def test_random_selection_for_training() -> None:
    thetas = list(range(50))
    a = select_masks(thetas, 20, rng=np.random.default_rng(1))
    b = select_masks(thetas, 20, rng=np.random.default_rng(2))
    assert len(set(a)) == 20
    assert a != b
    assert len(select_masks(thetas[:5], 20, rng=np.random.default_rng(0))) == 20  # with repeats


def test_training_draws_weight_the_brief_deep_frames_like_inference() -> None:
    """A bend held upright for most of the clip: the few deep masks still get their share."""
    thetas = [1.0] * 200 + [12.0] * 10 + [22.0] * 10  # three 5-degree bins
    rng = np.random.default_rng(0)
    deep = [sum(thetas[i] > 20 for i in select_masks(thetas, 9, rng=rng)) for _ in range(50)]
    assert set(deep) == {3}  # a third of every draw, where a uniform draw would give 0.4
    inference = select_masks(thetas, 9)
    assert sum(thetas[i] > 20 for i in inference) == 3
    draws = {tuple(sorted(select_masks(thetas, 9, rng=rng))) for _ in range(20)}
    assert len(draws) > 1  # new masks each draw, not the inference set over and over


def test_montage_lays_masks_out_in_a_grid() -> None:
    sheet = montage([np.ones((8, 8), bool)] * 5, columns=3)
    assert sheet.shape == (2 * 10 + 2, 3 * 10 + 2)
    assert (sheet == 255).sum() == 5 * 64
