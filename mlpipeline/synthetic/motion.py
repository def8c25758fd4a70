"""Bend movements: three repetitions with holds, minimum-jerk profiles, individual style.

The phenotype (see phenotype.py) decides how the rotation is shared between hips, lumbar
and thoracic spine and how curved the lumbar spine is; everything in :class:`MotionStyle`
(depth, speed, knee bend, pelvis shift, head movement) is drawn independently of the group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mlpipeline.synthetic.body import (
    N_CERVICAL,
    N_LUMBAR,
    N_THORACIC,
    BodyShape,
    FloatArray,
    SagittalAngles,
    SagittalPose,
    sagittal_theta,
    solve_sagittal,
    solve_shank_for_hip_x,
)

TASKS = ("forward", "backward")


@dataclass(frozen=True)
class MotionStyle:
    """Group-independent movement habits of one participant."""

    forward_theta_deg: float = 75.0  # Eq. 1 angle aimed for at the forward hold
    backward_theta_deg: float = 30.0
    forward_thoracic_share: float = 0.2
    forward_knee_deg: float = 8.0
    backward_knee_deg: float = 6.0
    forward_hip_shift: float = 0.35  # hips move back by this fraction of the trunk's reach
    backward_hip_shift: float = 0.5
    kyphosis_deg: float = 38.0
    cervical_lordosis_deg: float = 25.0
    head_flex_deg: float = 15.0  # extra head/neck flexion at the forward hold
    head_extend_deg: float = 12.0
    standing_hip_x: float = 0.005  # hip joint ahead of the ankle when standing, x stature
    standing_lean: float = 0.0  # shoulder ahead of the hip when standing, x stature
    descend_s: float = 1.5
    hold_s: float = 0.9
    rest_s: float = 0.6
    lead_in_s: float = 0.9
    tail_s: float = 0.8
    depth_jitter: float = 0.04  # SD of the per-repetition depth factor
    sway_deg: float = 0.6


def minimum_jerk(s: FloatArray) -> FloatArray:
    """Position profile 10s^3 - 15s^4 + 6s^5 on [0, 1] (zero end velocity and acceleration)."""
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10.0 - 15.0 * s + 6.0 * s**2)


@dataclass
class Timeline:
    """Per-frame time, bend progress (0 standing, about 1 at the hold) and repetition."""

    t: FloatArray
    progress: FloatArray
    rep: NDArray[np.int_]  # repetition index, -1 while standing between repetitions
    lead_in_s: float


def bend_timeline(
    style: MotionStyle, fps: float, rng: np.random.Generator, duration_scale: float = 1.0
) -> Timeline:
    """Three repetitions: descend, hold, return, rest, each with a little variation."""
    k = duration_scale
    reps: list[tuple[float, float, float, float, float]] = []  # down/up start and end, depth
    clock = style.lead_in_s * k
    for _ in range(3):
        depth = float(np.clip(1.0 + style.depth_jitter * rng.standard_normal(), 0.93, 1.06))
        down = style.descend_s * k * rng.uniform(0.9, 1.1)
        hold = style.hold_s * k * rng.uniform(0.8, 1.2)
        up = style.descend_s * k * rng.uniform(0.85, 1.15)
        rest = style.rest_s * k * rng.uniform(0.8, 1.2)
        reps.append((clock, clock + down, clock + down + hold, clock + down + hold + up, depth))
        clock += down + hold + up + rest
    total = reps[-1][3] + style.tail_s * k
    t = np.arange(int(np.ceil(total * fps))) / fps
    progress = np.zeros_like(t)
    rep_index = np.full(t.shape, -1, dtype=int)
    for i, (d0, d1, u0, u1, depth) in enumerate(reps):
        down, up = minimum_jerk((t - d0) / (d1 - d0)), minimum_jerk((t - u0) / (u1 - u0))
        progress += depth * (down - up)
        rep_index[(t >= d0) & (t <= u1)] = i
    return Timeline(t, np.clip(progress, 0.0, None), rep_index, style.lead_in_s * k)


def _standing_angles(phenotype: dict[str, float], style: MotionStyle, n: int) -> SagittalAngles:
    lordosis = np.radians(phenotype["standing_lordosis_deg"])
    kyphosis = np.radians(style.kyphosis_deg)
    cerv = np.radians(style.cervical_lordosis_deg)
    zeros = np.zeros(n)
    return SagittalAngles(
        shank=zeros.copy(),
        knee=zeros.copy(),
        hip=zeros.copy(),
        lumbar=np.full((n, N_LUMBAR), -lordosis / N_LUMBAR),
        thoracic=np.full((n, N_THORACIC), kyphosis / N_THORACIC),
        cervical=np.full((n, N_CERVICAL), -cerv / N_CERVICAL),
        head=zeros.copy(),
    )


def _lumbar_hinge_weights(hinge: float) -> FloatArray:
    """Extension weights over L5/S1..L1/L2; larger hinge puts more at the bottom."""
    w = np.exp(-3.0 * hinge * np.arange(N_LUMBAR))
    return w / w.sum()


THORACIC_EXTENSION_WEIGHTS = np.linspace(1.4, 0.4, N_THORACIC) / np.linspace(1.4, 0.4, 6).sum()


def extension_pattern(hinge: float) -> float:
    """The backward_lumbar_hinge latent mapped onto [0, 1]: 0 flat back, 1 lumbar hinge.

    A logistic curve centred between the group means (0.25 and 0.75): strictly increasing,
    so the map stays invertible and the Bayes limit on the latent holds, and steepest where
    the two patterns meet, as a clinician would see two distinct movement patterns rather
    than a smooth continuum.
    """
    return float(1.0 / (1.0 + np.exp(-(hinge - 0.5) / 0.15)))


def backward_shares(hinge: float) -> tuple[float, float]:
    """(lumbar, thoracic) shares of the backward bend; the hips take the rest.

    FP (pattern about 0.16): lumbar 0.24, thoracic 0.33, hips 0.43. EP (about 0.84):
    lumbar 0.61, thoracic 0.13, hips 0.26.
    """
    pattern = extension_pattern(hinge)
    return 0.15 + 0.55 * pattern, 0.38 - 0.30 * pattern


def bend_shares(phenotype: dict[str, float], style: MotionStyle, task: str) -> tuple[float, ...]:
    """(hip, lumbar, thoracic) shares of the bend, kept positive and summing to one."""
    if task == "forward":
        lumbar, thoracic = phenotype["forward_lumbar_share"], style.forward_thoracic_share
    else:
        lumbar, thoracic = backward_shares(phenotype["backward_lumbar_hinge"])
    lumbar, thoracic = max(lumbar, 0.02), max(thoracic, 0.02)
    hip = max(1.0 - lumbar - thoracic, 0.1)
    total = hip + lumbar + thoracic
    return hip / total, lumbar / total, thoracic / total


def bend_angles(
    shape: BodyShape,
    phenotype: dict[str, float],
    style: MotionStyle,
    task: str,
    progress: FloatArray,
    amount_deg: float,
    sway: FloatArray | None = None,
    base_hip: float | None = None,
) -> tuple[SagittalAngles, SagittalPose]:
    """Joint angles for a bend of `amount_deg` total rotation scaled by progress.

    base_hip (the standing pelvis angle) may be passed in to skip re-solving it.
    """
    n = progress.shape[0]
    angles = _standing_angles(phenotype, style, n)
    hip_share, lumbar_share, thoracic_share = bend_shares(phenotype, style, task)
    amount = np.radians(amount_deg)
    p = np.clip(progress, 0.0, None)
    if task == "forward":
        p_spine, p_hip = p**0.8, p**1.25  # the lumbar spine leads, the hips follow
        angles.hip = angles.hip + hip_share * amount * p_hip
        angles.lumbar = angles.lumbar + (lumbar_share * amount / N_LUMBAR) * p_spine[:, None]
        angles.thoracic = (
            angles.thoracic + (thoracic_share * amount / N_THORACIC) * p_spine[:, None]
        )
        head = np.radians(style.head_flex_deg) / N_CERVICAL
        angles.cervical = angles.cervical + head * p[:, None]
        angles.knee = np.radians(style.forward_knee_deg) * p
        shift = style.forward_hip_shift
    else:
        weights = _lumbar_hinge_weights(extension_pattern(phenotype["backward_lumbar_hinge"]))
        angles.hip = angles.hip - hip_share * amount * p
        angles.lumbar = angles.lumbar - lumbar_share * amount * weights[None, :] * p[:, None]
        angles.thoracic = angles.thoracic - (
            thoracic_share * amount * THORACIC_EXTENSION_WEIGHTS[None, :] * p[:, None]
        )
        angles.cervical = (
            angles.cervical - np.radians(style.head_extend_deg) / N_CERVICAL * p[:, None]
        )
        angles.knee = np.radians(style.backward_knee_deg) * p
        shift = style.backward_hip_shift
    if sway is not None:
        angles.hip = angles.hip + sway
    if base_hip is None:
        base_hip = standing_hip_angle(shape, phenotype, style)
    angles.hip = angles.hip + base_hip
    angles.head = angles.head + _level_head_offset(shape, phenotype, style, base_hip)
    return angles, _solve_with_balance(shape, angles, style, shift, p)


def _solve_with_balance(
    shape: BodyShape, angles: SagittalAngles, style: MotionStyle, shift: float, p: FloatArray
) -> SagittalPose:
    """Set the shank angle so the hips counter-balance the trunk (a few fixed-point steps)."""
    hip_x0 = style.standing_hip_x * shape.stature
    hip_x = np.full(p.shape, hip_x0)
    for _ in range(4):
        angles.shank = solve_shank_for_hip_x(shape, angles.knee, hip_x)
        pose = solve_sagittal(shape, angles)
        reach = pose.shoulder[:, 0] - pose.hip[:, 0]
        reach0 = style.standing_lean * shape.stature
        hip_x = hip_x0 - shift * (reach - reach0)
    angles.shank = solve_shank_for_hip_x(shape, angles.knee, hip_x)
    return solve_sagittal(shape, angles)


def standing_hip_angle(shape: BodyShape, phenotype: dict[str, float], style: MotionStyle) -> float:
    """Pelvis angle that puts the shoulder joint above the hip joint (plus a lean)."""
    lo, hi = np.radians(-45.0), np.radians(45.0)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        angles = _standing_angles(phenotype, style, 1)
        angles.hip = np.array([mid])
        pose = solve_sagittal(shape, angles)
        lean = (pose.shoulder[0, 0] - pose.hip[0, 0]) / shape.stature
        if lean > style.standing_lean:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def _level_head_offset(
    shape: BodyShape, phenotype: dict[str, float], style: MotionStyle, base_hip: float
) -> float:
    angles = _standing_angles(phenotype, style, 1)
    angles.hip = np.array([base_hip])
    pose = solve_sagittal(shape, angles)
    return float(-pose.spine_angles[0, -1])


def solve_bend_amount(
    shape: BodyShape, phenotype: dict[str, float], style: MotionStyle, task: str
) -> float:
    """Total rotation (degrees) whose full bend reaches the aimed Eq. 1 angle."""
    target = style.forward_theta_deg if task == "forward" else style.backward_theta_deg
    lo, hi = 0.0, 220.0 if task == "forward" else 140.0
    one = np.ones(1)
    base_hip = standing_hip_angle(shape, phenotype, style)
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        _, pose = bend_angles(shape, phenotype, style, task, one, mid, base_hip=base_hip)
        if sagittal_theta(pose)[0] > target:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def smooth_sway(t: FloatArray, amplitude_deg: float, rng: np.random.Generator) -> FloatArray:
    """Low-frequency postural sway (radians): a sum of slow sinusoids."""
    freqs = rng.uniform(0.15, 0.6, size=3)
    phases = rng.uniform(0, 2 * np.pi, size=3)
    wave = sum(np.sin(2 * np.pi * f * t + ph) for f, ph in zip(freqs, phases, strict=True))
    return np.radians(amplitude_deg) * wave / 3.0
