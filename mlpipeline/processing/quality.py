"""Quality checks on an analysed recording, each a stable code plus a message the patient
can act on. The pipeline computes the per-frame signals; this module only judges them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from mlpipeline.processing.pose import runs_of_true

MESSAGES = {
    "no_person": "We could not see a person in the video. Stand side-on to the phone, two to "
    "three metres away, with your whole body in view.",
    "person_lost": "You were out of view for part of the recording. Keep your whole body in "
    "view from start to finish.",
    "out_of_frame": "Your head or feet were outside the picture. Move the phone further away "
    "or tilt it so that you are fully in view, head to feet.",
    "not_side_on": "The phone needs to see you from the side. Turn so that one shoulder points "
    "at the phone, and record again.",
    "camera_moving": "The phone moved during the recording. Rest it against something steady, "
    "or ask someone to hold it still.",
    "too_dark": "The video is too dark. Switch on more lights or face a window, and record again.",
    "multiple_people": "More than one person was in the picture. Make sure only you are in "
    "view while recording.",
    "range_too_small_forward": "We could not see you bend forward far enough. Bend forward as "
    "far as is comfortable, then come back up.",
    "range_too_small_backward": "We could not see you lean backward far enough. Lean back as "
    "far as is comfortable, then come back up.",
    "wrong_direction_forward": "It looks like you leaned backward, but this recording is for "
    "bending forward. Please bend forward.",
    "wrong_direction_backward": "It looks like you bent forward, but this recording is for "
    "leaning backward. Please lean backward.",
    "too_few_repetitions": "We counted too few bends. Please repeat the movement at least {n} "
    "times in one recording, standing still between them.",
    "too_short": "The recording is too short. Start standing still, do all the bends, and stop "
    "once you are standing still again.",
    "too_long": "The recording is too long. Record only the bending movement; it should take "
    "less than {s:.0f} seconds.",
}


@dataclass(frozen=True)
class QualityIssue:
    code: str
    message: str


@dataclass(frozen=True)
class QualityThresholds:
    min_person_fraction: float = 0.2  # of analysed frames; below: no_person
    max_lost_s: float = 1.5  # a gap inside the recording
    max_lost_edge_s: float = 3.0  # at the start or end (walking into view)
    max_out_of_frame_fraction: float = 0.05
    max_width_ratio: float = 0.35  # shoulder+hip width over trunk length; above: not side-on
    max_camera_shift: float = 0.04  # background displacement, fraction of the frame diagonal
    min_brightness: float = 45.0  # mean luma 0-255
    max_multi_person_fraction: float = 0.3
    min_forward_deg: float = 30.0  # peak signed theta
    min_backward_deg: float = 10.0
    min_repetitions: int = 2
    min_duration_s: float = 4.0
    max_duration_s: float = 90.0


@dataclass(frozen=True)
class QualitySignals:
    """Per analysed frame (T,) signals gathered by the pipeline."""

    t: NDArray[np.float64]
    person: NDArray[np.bool_]  # the pose model found someone
    valid: NDArray[np.bool_]  # neck, hip and ankle reliable and the body inside the frame
    out_of_frame: NDArray[np.bool_]  # person found but head or feet outside the picture
    width_ratio: NDArray[np.float64]  # NaN where not measurable
    brightness: NDArray[np.float64]
    people: NDArray[np.int64]  # -1 where not checked
    camera_shift: float  # largest background displacement, fraction of the diagonal
    signed_theta: NDArray[np.float64]
    repetitions: int
    duration_s: float
    identity_switches: int = 0  # the tracked body jumped to another person (signals)


@dataclass(frozen=True)
class QualityReport:
    issues: list[QualityIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "issues": [{"code": i.code, "message": i.message} for i in self.issues],
        }


def issue(code: str, message_key: str | None = None, **values: object) -> QualityIssue:
    return QualityIssue(code, MESSAGES[message_key or code].format(**values))


def assess_quality(
    signals: QualitySignals, task: str, limits: QualityThresholds | None = None
) -> QualityReport:
    """All issues found, most fundamental first. `task` is "forward" or "backward"."""
    limits = limits or QualityThresholds()
    issues: list[QualityIssue] = []
    if signals.duration_s < limits.min_duration_s:
        issues.append(issue("too_short"))
    elif signals.duration_s > limits.max_duration_s:
        issues.append(issue("too_long", s=limits.max_duration_s))
    if len(signals.brightness) and np.median(signals.brightness) < limits.min_brightness:
        issues.append(issue("too_dark"))
    if not len(signals.person) or signals.person.mean() < limits.min_person_fraction:
        issues.append(issue("no_person"))
        return QualityReport(issues)
    if longest_lost(signals.t, signals.valid | signals.out_of_frame, limits):
        issues.append(issue("person_lost"))
    if signals.out_of_frame[signals.person].mean() > limits.max_out_of_frame_fraction:
        issues.append(issue("out_of_frame"))
    checked = signals.people >= 0
    often_two = checked.any() and (
        (signals.people[checked] >= 2).mean() > limits.max_multi_person_fraction
    )
    if often_two or signals.identity_switches > 0:
        issues.append(issue("multiple_people"))
    widths = signals.width_ratio[np.isfinite(signals.width_ratio)]
    if widths.size and np.median(widths) > limits.max_width_ratio:
        issues.append(issue("not_side_on"))
    if signals.camera_shift > limits.max_camera_shift:
        issues.append(issue("camera_moving"))
    issues += movement_issues(signals, task, limits)
    return QualityReport(issues)


def longest_lost(
    t: NDArray[np.float64], seen: NDArray[np.bool_], limits: QualityThresholds
) -> bool:
    """True when the person is missing longer than allowed (longer at the clip's edges)."""
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    for start, stop in runs_of_true(~seen):
        length = float(t[stop - 1] - t[start]) + step
        at_edge = start == 0 or stop == len(t)
        if length > (limits.max_lost_edge_s if at_edge else limits.max_lost_s):
            return True
    return False


def movement_issues(
    signals: QualitySignals, task: str, limits: QualityThresholds
) -> list[QualityIssue]:
    signed = signals.signed_theta[np.isfinite(signals.signed_theta)]
    if signed.size == 0:
        return []
    # 2nd/98th percentiles: robust to a few bad frames
    forward, backward = float(np.percentile(signed, 98)), -float(np.percentile(signed, 2))
    issues = []
    if task == "forward" and forward < limits.min_forward_deg:
        wrong = backward >= limits.min_backward_deg and backward > forward
        issues.append(
            issue(
                "wrong_direction" if wrong else "range_too_small",
                "wrong_direction_forward" if wrong else "range_too_small_forward",
            )
        )
    elif task == "backward" and backward < limits.min_backward_deg:
        wrong = forward >= limits.min_forward_deg
        issues.append(
            issue(
                "wrong_direction" if wrong else "range_too_small",
                "wrong_direction_backward" if wrong else "range_too_small_backward",
            )
        )
    if signals.repetitions < limits.min_repetitions:
        issues.append(issue("too_few_repetitions", n=limits.min_repetitions))
    return issues
