"""Which FeatureSet of a recording a reader uses.

A recording can hold one FeatureSet per pipeline version (identity.pipeline_version).
A model must read the FeatureSet of the pipeline version it was trained on, never whatever
was analysed last; displays show the analysis of the current pipeline, or, where the
recording was only analysed by an earlier one, the newest analysis there is.
"""

from __future__ import annotations

from assessments.models import Recording
from mlpipeline.models import FeatureSet


def feature_set_of_version(recording: Recording | None, version: str) -> FeatureSet | None:
    """The recording's FeatureSet of exactly `version`, or None (uses a prefetch if any)."""
    if recording is None:
        return None
    return next((f for f in recording.feature_sets.all() if f.pipeline_version == version), None)


def feature_set_for_display(recording: Recording | None) -> FeatureSet | None:
    """The FeatureSet of the current pipeline version, else the newest one."""
    from mlpipeline.services import current_pipeline_version

    if recording is None:
        return None
    sets = list(recording.feature_sets.all())  # newest first (Meta.ordering)
    current = current_pipeline_version()
    return next((f for f in sets if f.pipeline_version == current), sets[0] if sets else None)
