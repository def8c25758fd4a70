"""Body proportions and forward kinematics of the side-view skeleton.

World frame: x points where the person faces, y up, z to the person's right; metres.
The sagittal chain (ankle, knee, hip, pelvis, lumbar, thoracic and cervical spine, head)
is solved in the x-y plane; bilateral joints get a lateral z offset. Angles are radians;
a segment's world angle is measured from vertical, positive when it leans forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

N_LUMBAR = 5  # joints L5/S1 .. L1/L2, one segment per vertebra
N_THORACIC = 6  # joints T12/L1 .. ; each segment spans two vertebrae
N_CERVICAL = 3
SACRAL_TILT = np.radians(32.0)  # forward tilt of the L5 segment relative to the pelvis


@dataclass(frozen=True)
class BodyShape:
    """Anthropometry of one participant (lengths as fractions of stature)."""

    stature: float = 1.72
    girth: float = 1.0  # scales trunk and limb thickness
    belly: float = 0.0  # extra anterior abdominal depth, fraction of stature
    shoulder_ratio: float = 1.0
    hip_ratio: float = 1.0
    leg_ratio: float = 1.0
    stance: float = 1.0  # lateral spacing of the feet

    def frac(self, value: float) -> float:
        return value * self.stature

    @property
    def ankle_height(self) -> float:
        return self.frac(0.039)

    @property
    def shank(self) -> float:
        return self.frac(0.243 * self.leg_ratio)

    @property
    def thigh(self) -> float:
        return self.frac(0.237 * self.leg_ratio)

    @property
    def lumbar_segment(self) -> float:
        return self.frac(0.104 / N_LUMBAR)

    @property
    def thoracic_segment(self) -> float:
        return self.frac(0.170 / N_THORACIC)

    @property
    def cervical_segment(self) -> float:
        return self.frac(0.044 / N_CERVICAL)

    @property
    def pelvis_offset(self) -> FloatArray:
        """Hip joint centre -> centre of the S1 endplate, in the pelvis frame."""
        return np.array([-0.022, 0.058]) * self.stature

    @property
    def upper_arm(self) -> float:
        return self.frac(0.170)

    @property
    def forearm(self) -> float:
        return self.frac(0.150)

    @property
    def hip_half_width(self) -> float:
        return self.frac(0.049 * self.hip_ratio)

    @property
    def shoulder_half_width(self) -> float:
        return self.frac(0.103 * self.shoulder_ratio)


@dataclass
class SagittalAngles:
    """Per-frame joint angles of the sagittal chain (radians; arrays of length T)."""

    shank: FloatArray  # world angle of ankle->knee
    knee: FloatArray  # knee flexion
    hip: FloatArray  # pelvis rotation relative to the thigh, + = forward (hip flexion)
    lumbar: FloatArray  # (T, N_LUMBAR) relative rotations, + = flexion, - = lordosis
    thoracic: FloatArray  # (T, N_THORACIC), + = kyphosis/flexion
    cervical: FloatArray  # (T, N_CERVICAL)
    head: FloatArray  # head rotation relative to the last cervical segment


@dataclass
class SagittalPose:
    """Solved sagittal chain, 2D points (T, 2) and spine polyline (T, N, 2)."""

    ankle: FloatArray
    knee: FloatArray
    hip: FloatArray
    pelvis_angle: FloatArray  # (T,)
    spine: FloatArray  # S1, L5 top, ..., C1: (T, 1 + N_LUMBAR + N_THORACIC + N_CERVICAL, 2)
    spine_angles: FloatArray  # world angle of each spine segment (T, N_segments)
    head_angle: FloatArray  # (T,)
    shoulder: FloatArray  # shoulder joint centre, (T, 2)


def direction(angle: FloatArray) -> FloatArray:
    """Unit vector for a world angle from vertical, leaning forward when positive."""
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1)


def anterior_normal(angle: FloatArray) -> FloatArray:
    """Unit vector perpendicular to a segment, pointing to the front of the body."""
    return np.stack([np.cos(angle), -np.sin(angle)], axis=-1)


def rotate2d(vec: FloatArray, angle: FloatArray) -> FloatArray:
    """Rotate a local (forward, up) vector into the world by a segment angle."""
    c, s = np.cos(angle)[..., None], np.sin(angle)[..., None]
    return vec[..., 0:1] * np.concatenate([c, -s], axis=-1) + vec[..., 1:2] * np.concatenate(
        [s, c], axis=-1
    )


def thigh_angle(angles: SagittalAngles) -> FloatArray:
    return angles.shank - angles.knee


def solve_sagittal(shape: BodyShape, angles: SagittalAngles) -> SagittalPose:
    """Forward kinematics from the ankle up; the ankle joint stays fixed over the foot."""
    t = angles.shank.shape[0]
    ankle = np.tile([0.0, shape.ankle_height], (t, 1))
    knee = ankle + shape.shank * direction(angles.shank)
    hip = knee + shape.thigh * direction(thigh_angle(angles))
    pelvis = thigh_angle(angles) + angles.hip
    s1 = hip + rotate2d(np.broadcast_to(shape.pelvis_offset, (t, 2)), pelvis)

    points = [s1]
    seg_angles = []
    current = pelvis + SACRAL_TILT
    segments = [
        (angles.lumbar, shape.lumbar_segment),
        (angles.thoracic, shape.thoracic_segment),
        (angles.cervical, shape.cervical_segment),
    ]
    for rel, length in segments:
        for j in range(rel.shape[1]):
            current = current + rel[:, j]
            points.append(points[-1] + length * direction(current))
            seg_angles.append(current)
    spine = np.stack(points, axis=1)
    spine_angles = np.stack(seg_angles, axis=1)
    head_angle = current + angles.head
    shoulder = shoulder_centre(shape, spine, spine_angles)
    return SagittalPose(ankle, knee, hip, pelvis, spine, spine_angles, head_angle, shoulder)


def shoulder_centre(shape: BodyShape, spine: FloatArray, spine_angles: FloatArray) -> FloatArray:
    """Glenohumeral joint centre: anterior and below the upper thoracic spine."""
    k = N_LUMBAR + N_THORACIC - 1  # top of the second-highest thoracic segment (about T3)
    seg_angle = spine_angles[:, k - 1]
    local = np.array([0.022, 0.012]) * shape.stature
    return spine[:, k] + rotate2d(np.broadcast_to(local, spine[:, k].shape), seg_angle)


def sagittal_theta(pose: SagittalPose) -> FloatArray:
    """Eq. 1 evaluated in the sagittal plane (degrees), used to aim bend depths."""
    upper = pose.hip - pose.shoulder
    lower = pose.ankle - pose.hip
    cos = np.sum(upper * lower, axis=-1) / (
        np.linalg.norm(upper, axis=-1) * np.linalg.norm(lower, axis=-1)
    )
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def solve_shank_for_hip_x(shape: BodyShape, knee_flex: FloatArray, hip_x: FloatArray) -> FloatArray:
    """Shank angle that puts the hip joint at a horizontal offset from the ankle.

    Ls sin(a) + Lt sin(a - k) = x  <=>  R sin(a - d) = x, solved in closed form.
    """
    a, b = shape.shank, shape.thigh
    p = a + b * np.cos(knee_flex)
    q = b * np.sin(knee_flex)
    r = np.hypot(p, q)
    delta = np.arctan2(-q, p)
    return np.arcsin(np.clip(hip_x / r, -0.95, 0.95)) - delta


def to_world(points2d: FloatArray, z: float | FloatArray = 0.0) -> FloatArray:
    """Lift sagittal points (..., 2) to 3D with a lateral offset z."""
    zz = np.broadcast_to(np.asarray(z, dtype=float), points2d.shape[:-1])
    return np.concatenate([points2d, zz[..., None]], axis=-1)


def solve_arm(
    shoulder: FloatArray,
    wrist_target: FloatArray,
    upper: float,
    lower: float,
    pole: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Two-link inverse kinematics (T, 3) -> elbow, wrist; the elbow bends towards pole."""
    span = wrist_target - shoulder
    dist = np.linalg.norm(span, axis=-1, keepdims=True)
    reach = np.clip(dist, 1e-6, (upper + lower) * 0.999)
    u = span / np.maximum(dist, 1e-9)
    wrist = shoulder + u * reach
    v = pole - np.sum(pole * u, axis=-1, keepdims=True) * u
    v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)
    cos_b = np.clip((upper**2 + reach**2 - lower**2) / (2 * upper * reach), -1.0, 1.0)
    sin_b = np.sqrt(1.0 - cos_b**2)
    elbow = shoulder + upper * (cos_b * u + sin_b * v)
    return elbow, wrist
