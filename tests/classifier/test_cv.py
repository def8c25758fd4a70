"""Grouped, stratified folds never put one participant's masks on both sides."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.ml.cv import LeakageError, check_no_leakage, grouped_folds, inner_split


def test_no_participant_in_two_folds() -> None:
    groups = [f"p{i // 3}" for i in range(60)]  # 20 participants x 3 rows
    labels = [(i // 3) % 2 for i in range(60)]
    folds = grouped_folds(groups, labels, n_splits=5)
    assert len(folds) == 5
    seen: dict[str, int] = {}
    for number, (train, test) in enumerate(folds):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        for group in {groups[i] for i in test}:
            assert group not in seen, f"{group} tested in folds {seen[group]} and {number}"
            seen[group] = number
    assert len(seen) == 20  # every participant is tested once


def test_folds_are_stratified() -> None:
    groups = [f"p{i}" for i in range(40)]
    labels = [i % 2 for i in range(40)]
    for _, test in grouped_folds(groups, labels, n_splits=5):
        assert sorted(np.asarray(labels)[test].tolist()) == [0] * 4 + [1] * 4


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=4), min_size=10, max_size=30),
    flips=st.lists(st.booleans(), min_size=30, max_size=30),
    n_splits=st.integers(min_value=2, max_value=5),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_grouped_folds_never_share_a_group(sizes, flips, n_splits, seed) -> None:
    groups, labels = [], []
    for person, (size, flip) in enumerate(zip(sizes, flips, strict=False)):
        groups += [f"g{person}"] * size
        labels += [int(flip)] * size
    per_label = [len({g for g, y in zip(groups, labels, strict=True) if y == v}) for v in (0, 1)]
    if min(per_label) < n_splits:
        with pytest.raises(ValueError, match="folds need"):
            grouped_folds(groups, labels, n_splits, seed=seed)
        return
    folds = grouped_folds(groups, labels, n_splits, seed=seed)
    tested = [g for _, test in folds for g in sorted({groups[i] for i in test})]
    assert len(tested) == len(set(tested)) == len(set(groups))
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert len(train) + len(test) == len(groups)


def test_inner_split_holds_back_whole_participants_from_the_training_part() -> None:
    groups = [f"p{i // 2}" for i in range(40)]
    labels = [(i // 2) % 2 for i in range(40)]
    train, _ = grouped_folds(groups, labels, n_splits=5)[0]
    fit, val = inner_split(train, groups, labels, fraction=0.25, seed=3)
    assert set(fit) | set(val) == set(train.tolist())
    assert not {groups[i] for i in fit} & {groups[i] for i in val}
    assert {labels[i] for i in val} == {0, 1}


def test_inner_split_is_skipped_when_too_few_participants() -> None:
    groups, labels = ["a", "b", "c", "d"], [0, 1, 0, 1]
    assert inner_split([0, 1, 2, 3], groups, labels) is None


def test_leakage_is_detected() -> None:
    groups = np.array(["a", "a", "b", "c"])
    with pytest.raises(LeakageError):
        check_no_leakage([(np.array([0, 2]), np.array([1, 3]))], groups)
