"""Cross-validation splits grouped by patient and stratified by label.

Every mask of a participant travels with the participant, and participants of one patient
(`Participant.group`) with the patient, so nothing of one person is ever on both sides.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedGroupKFold

Split = tuple[NDArray[np.int64], NDArray[np.int64]]


class LeakageError(AssertionError):
    """A group appears on both sides of a split."""


def grouped_folds(
    groups: Sequence[str], labels: Sequence[int], n_splits: int = 5, *, seed: int = 0
) -> list[Split]:
    """(train_idx, test_idx) per fold; each group in exactly one test fold, labels balanced.

    Raises ValueError when there are fewer groups of some label than folds.
    """
    groups_arr, labels_arr = np.asarray(groups), np.asarray(labels)
    if len(groups_arr) != len(labels_arr):
        raise ValueError("groups and labels differ in length")
    smallest = min(_groups_per_label(groups_arr, labels_arr).values(), default=0)
    if n_splits < 2 or smallest < n_splits:
        raise ValueError(
            f"{n_splits} folds need at least {n_splits} patients of each label (have {smallest})"
        )
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    folds = [
        (train.astype(np.int64), test.astype(np.int64))
        for train, test in splitter.split(np.zeros(len(labels_arr)), labels_arr, groups_arr)
    ]
    check_no_leakage(folds, groups_arr)
    return folds


def inner_split(
    train_idx: Sequence[int],
    groups: Sequence[str],
    labels: Sequence[int],
    *,
    fraction: float = 0.2,
    seed: int = 0,
) -> Split | None:
    """Split training indices into (fit_idx, val_idx) for early stopping, grouped as above.

    Indices returned are positions in the full participant list. None when the training
    part is too small to hold back at least two patients of each label.
    """
    train_idx = np.asarray(train_idx, np.int64)
    sub_groups = np.asarray(groups)[train_idx]
    sub_labels = np.asarray(labels)[train_idx]
    n_splits = max(2, round(1 / fraction))
    smallest = min(_groups_per_label(sub_groups, sub_labels).values(), default=0)
    n_splits = min(n_splits, smallest)
    if n_splits < 2 or smallest < 4:
        return None
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    fit, val = next(splitter.split(np.zeros(len(sub_labels)), sub_labels, sub_groups))
    split = (train_idx[fit], train_idx[val])
    check_no_leakage([split], np.asarray(groups))
    return split


def check_no_leakage(folds: Sequence[Split], groups: Sequence[str] | NDArray) -> None:
    """Raise LeakageError if a group is on both sides of a split or in two test folds."""
    groups_arr = np.asarray(groups)
    seen: dict[str, int] = {}
    for fold, (train, test) in enumerate(folds):
        shared = set(groups_arr[train].tolist()) & set(groups_arr[test].tolist())
        if shared:
            raise LeakageError(f"fold {fold}: groups on both sides: {sorted(shared)[:5]}")
        for group in set(groups_arr[test].tolist()):
            if group in seen and len(folds) > 1:
                raise LeakageError(f"group {group} in test folds {seen[group]} and {fold}")
            seen[group] = fold


def _groups_per_label(groups: NDArray, labels: NDArray) -> dict[int, int]:
    """Distinct groups per label, EP (0) and FP (1) always present (a group with mixed
    labels counts for each)."""
    return {label: len(set(groups[labels == label].tolist())) for label in (0, 1)}
