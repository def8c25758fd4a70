"""Spinal angle theta (Eq. 1 of the method), its signed variant, repetitions, motion features.

All angles are in degrees, all times in seconds, image coordinates are y-down pixels.
Series are (T,) arrays with NaN where no reliable pose exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import find_peaks

FloatArray = NDArray[np.float64]

MOTION_FEATURE_NAMES: tuple[str, ...] = (
    "mean",
    "range",
    "min",
    "max",
    "variance",
    "sd",
    "stability_time",
    "depth_variance",
    "repetition_time",
    "repetition_time_variance",
)


def spinal_angle_deg(neck: FloatArray, hip: FloatArray, ankle: FloatArray) -> FloatArray:
    """Angle between neck->hip and hip->ankle (Eq. 1 of the method), degrees, per frame.

    Inputs are (T, 2) image points. 0 when neck, hip and ankle are in line (standing
    straight), growing with flexion or extension; always in [0, 180]. NaN where any input is
    NaN or two points coincide.
    """
    upper, lower = hip - neck, ankle - hip
    # arccos(u.v / |u||v|) written as atan2(|u x v|, u.v): the same angle, but accurate
    # near 0 and 180 degrees where arccos loses precision.
    cross = upper[:, 0] * lower[:, 1] - upper[:, 1] * lower[:, 0]
    dot = np.einsum("ij,ij->i", upper, lower)
    degenerate = (np.linalg.norm(upper, axis=1) == 0) | (np.linalg.norm(lower, axis=1) == 0)
    return np.where(degenerate, np.nan, np.degrees(np.arctan2(np.abs(cross), dot)))


def signed_spinal_angle_deg(
    neck: FloatArray, hip: FloatArray, ankle: FloatArray, facing: int
) -> FloatArray:
    """Theta with a sign: positive when the trunk leans towards the way the person faces
    (forward bend), negative when it leans away (backward bend).

    `facing` is +1 when the person faces image right (+x), -1 when facing left. The
    magnitude equals `spinal_angle_deg`.
    """
    trunk_up, leg_up = neck - hip, hip - ankle
    cross = leg_up[:, 0] * trunk_up[:, 1] - leg_up[:, 1] * trunk_up[:, 0]
    dot = np.einsum("ij,ij->i", leg_up, trunk_up)
    # leg_up ~ (0, -1) in y-down pixels, so a lean towards +x gives cross > 0.
    return np.degrees(np.arctan2(cross, dot)) * facing


def facing_direction(
    toe_x: FloatArray, heel_x: FloatArray, nose_x: FloatArray, ear_x: FloatArray
) -> int:
    """+1 if the person faces image right, -1 if left, from the whole clip.

    Uses toes ahead of heels where the pose model has feet (they stay put while the trunk
    moves), otherwise the nose ahead of the ears. Inputs are (T,) x coordinates, NaN where
    missing.
    """
    for front, back in ((toe_x, heel_x), (nose_x, ear_x)):
        offset = front - back
        offset = offset[np.isfinite(offset)]
        if offset.size >= 3 and abs(float(np.median(offset))) > 0:
            return 1 if float(np.median(offset)) > 0 else -1
    return 1


@dataclass(frozen=True)
class Repetition:
    """One bend: leaves rest at `start`, deepest at `peak`, back at rest at `end` (indices)."""

    start: int
    peak: int
    end: int
    start_t: float
    peak_t: float
    end_t: float
    peak_theta: float

    @property
    def duration(self) -> float:
        return self.end_t - self.start_t


def detect_repetitions(
    theta: FloatArray,
    t: FloatArray,
    *,
    min_prominence_deg: float = 10.0,
    relative_prominence: float = 0.35,
    min_interval_s: float = 1.0,
    rest_fraction: float = 0.1,
) -> list[Repetition]:
    """Bends found as peaks of theta.

    A peak counts when its prominence is at least max(`min_prominence_deg`,
    `relative_prominence` x the 5-95 percentile range of theta) and it is at least
    `min_interval_s` after the previous one. A repetition starts at the last sample before
    the peak where theta is within `rest_fraction` of the rise above the lowest point since
    the previous peak, and ends at the first sample after the peak where it comes back that
    close to the lowest point before the next peak. So time spent standing still between
    bends does not count as repetition time. Samples with NaN theta are bridged linearly
    for the search but a peak must fall on a real sample.
    """
    valid = np.isfinite(theta)
    if valid.sum() < 3:
        return []
    series = np.interp(t, t[valid], theta[valid])
    spread = float(np.percentile(series, 95) - np.percentile(series, 5))
    fs = (len(t) - 1) / max(float(t[-1] - t[0]), 1e-9)
    peaks, _ = find_peaks(
        series,
        prominence=max(min_prominence_deg, relative_prominence * spread),
        distance=max(1, round(min_interval_s * fs)),
    )
    peaks = [int(p) for p in peaks if valid[p]]
    reps = []
    for n, peak in enumerate(peaks):
        left_bound = peaks[n - 1] if n > 0 else 0
        right_bound = peaks[n + 1] if n + 1 < len(peaks) else len(series) - 1
        left_low = float(series[left_bound : peak + 1].min())
        right_low = float(series[peak : right_bound + 1].min())
        top = float(series[peak])
        start = peak
        while start > left_bound and series[start] > left_low + rest_fraction * (top - left_low):
            start -= 1
        end = peak
        while end < right_bound and series[end] > right_low + rest_fraction * (top - right_low):
            end += 1
        reps.append(
            Repetition(
                start=start,
                peak=peak,
                end=end,
                start_t=float(t[start]),
                peak_t=float(t[peak]),
                end_t=float(t[end]),
                peak_theta=top,
            )
        )
    return reps


def hold_time(theta: FloatArray, t: FloatArray, peak: int, tolerance_deg: float) -> float:
    """Seconds around sample `peak` during which theta stays within `tolerance_deg` of it."""
    level = theta[peak] - tolerance_deg
    left = peak
    while left > 0 and np.isfinite(theta[left - 1]) and theta[left - 1] >= level:
        left -= 1
    right = peak
    while right < len(theta) - 1 and np.isfinite(theta[right + 1]) and theta[right + 1] >= level:
        right += 1
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    return float(t[right] - t[left]) + step


def motion_features(
    theta: FloatArray,
    t: FloatArray,
    repetitions: list[Repetition],
    *,
    hold_tolerance_deg: float = 5.0,
) -> dict[str, float | None]:
    """The ten motion features of the method, from the valid (finite) samples of theta.

    - mean, min, max: of theta (degrees).
    - range: max - min (degrees).
    - variance, sd: population variance (ddof=0, degrees^2) and its square root.
    - stability_time: mean over repetitions of the time (s) theta stays within
      `hold_tolerance_deg` of the repetition's peak, i.e. how long the end of range is held;
      with no repetition, the same around the clip's maximum.
    - depth_variance: population variance of the repetitions' peak theta (degrees^2);
      None with fewer than two repetitions.
    - repetition_time: mean repetition duration (s, rest to rest, see `detect_repetitions`);
      None without repetitions.
    - repetition_time_variance: population variance of the durations (s^2); None with
      fewer than two repetitions.
    All are None when theta has no valid sample.
    """
    valid = np.isfinite(theta)
    features: dict[str, float | None] = dict.fromkeys(MOTION_FEATURE_NAMES)
    if not valid.any():
        return features
    values = theta[valid]
    features.update(
        mean=float(values.mean()),
        min=float(values.min()),
        max=float(values.max()),
        range=float(np.ptp(values)),
        variance=float(values.var()),
        sd=float(values.std()),
    )
    peaks = [rep.peak for rep in repetitions] or [int(np.nanargmax(theta))]
    features["stability_time"] = float(
        np.mean([hold_time(theta, t, p, hold_tolerance_deg) for p in peaks])
    )
    durations = np.array([rep.duration for rep in repetitions])
    depths = np.array([rep.peak_theta for rep in repetitions])
    if len(repetitions) >= 1:
        features["repetition_time"] = float(durations.mean())
    if len(repetitions) >= 2:
        features["depth_variance"] = float(depths.var())
        features["repetition_time_variance"] = float(durations.var())
    return features
