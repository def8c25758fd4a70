"""Classifier ML tests are pure (no database, no network) and keep to one CPU thread."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """One torch thread: the machines have two cores shared with other work."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def toy():
    """12 easy participants (6 FP, 6 EP), 16 masks each at 32 px."""
    from classifier.ml.toy import toy_participants

    return toy_participants(12, size=32, masks_per_participant=16, seed=0)
