"""The 3D person: skeleton from the sagittal pose, and a shaded mesh per frame.

The body is a lofted trunk (elliptical rings along the spine, so the back surface follows
the lumbar and thoracic curvature), tapered limbs, ellipsoid joints, a head in profile
(skull, jaw, nose, eyes, ears, lips, hair), hands and shoes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlpipeline.synthetic.body import (
    N_LUMBAR,
    N_THORACIC,
    BodyShape,
    FloatArray,
    SagittalPose,
    rotate2d,
    solve_arm,
    to_world,
)
from mlpipeline.synthetic.head import add_head
from mlpipeline.synthetic.mesh import (
    FABRIC,
    SKIN,
    MeshBuilder,
    ellipsoid,
    frame_from_axis,
    limb,
    srgb_to_linear,
    tube,
)

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Appearance:
    """Clothing and colouring (sRGB, 0-1)."""

    skin: RGB = (0.80, 0.62, 0.50)
    shirt: RGB = (0.20, 0.35, 0.60)
    trousers: RGB = (0.15, 0.15, 0.18)
    shoes: RGB = (0.9, 0.9, 0.9)
    hair: RGB = (0.15, 0.10, 0.07)
    hair_style: str = "short"  # short, long, bun, bald
    long_sleeves: bool = False
    shorts: bool = False


@dataclass
class Skeleton:
    """3D joint trajectories (T, 3) in the world frame, before facing is applied."""

    pose: SagittalPose
    joints: dict[str, FloatArray]

    def frames(self) -> int:
        return self.pose.hip.shape[0]


# Trunk rings: pelvis rings in the pelvis frame (y, centre x, half-depth, half-width) and
# spine rings at a spine position u (0 = S1 .. 14 = C1) as (u, back, front, half-width);
# all as fractions of stature.
PELVIS_RINGS = (
    (-0.062, -0.004, 0.045, 0.072),
    (-0.040, -0.012, 0.064, 0.092),
    (0.000, -0.012, 0.072, 0.100),
    (0.036, -0.008, 0.068, 0.094),
)
SPINE_RINGS = (
    (0.4, 0.048, 0.082, 0.088),
    (2.5, 0.040, 0.082, 0.080),
    (5.0, 0.042, 0.092, 0.086),
    (7.5, 0.046, 0.104, 0.094),
    (9.5, 0.046, 0.094, 0.100),
    (10.6, 0.040, 0.070, 0.094),
    (11.1, 0.032, 0.048, 0.062),
    (11.5, 0.022, 0.046, 0.042),
    (13.0, 0.018, 0.048, 0.036),
    (14.0, 0.020, 0.042, 0.036),
)
SHIRT_FROM_U = 0.6  # shirt hem position on the spine
NECK_FROM_U = 11.3


def shoulder_girdle_shift(
    shape: BodyShape, pose: SagittalPose, task: str, progress: FloatArray, lead_in: FloatArray
) -> FloatArray:
    """Scapular motion moving the shoulder joint (T, 2): protraction and elevation when the
    arms hang in a forward bend, a little protraction when the arms fold across the chest."""
    angle = pose.spine_angles[:, N_LUMBAR + N_THORACIC - 2]
    normal = np.stack([np.cos(angle), -np.sin(angle)], -1)
    tangent = np.stack([np.sin(angle), np.cos(angle)], -1)
    h = shape.stature
    if task == "forward":
        p = np.clip(progress, 0.0, 1.1)[:, None]
        return p * (0.010 * h * normal + 0.006 * h * tangent)
    return 0.005 * h * lead_in[:, None] * normal


def build_skeleton(
    shape: BodyShape,
    pose: SagittalPose,
    task: str,
    lead_in: FloatArray,
    progress: FloatArray | None = None,
) -> Skeleton:
    """Bilateral joints plus arms: hanging (forward) or folded across the chest (backward,
    so the arms do not hide the outline of the back).

    lead_in (T,) goes 0 -> 1 while the hands move from hanging to the chest;
    progress (T,) is the bend progress (moves the shoulder girdle).
    """
    if progress is None:
        progress = np.zeros(pose.hip.shape[0])
    h = shape.stature
    hw = shape.hip_half_width
    sw = shape.shoulder_half_width
    joints: dict[str, FloatArray] = {}
    girdle = shoulder_girdle_shift(shape, pose, task, progress, lead_in)
    for side, sign in (("l", -1.0), ("r", 1.0)):
        joints[f"hip_{side}"] = to_world(pose.hip, sign * hw)
        joints[f"knee_{side}"] = to_world(pose.knee, sign * hw * 0.98 * shape.stance)
        joints[f"ankle_{side}"] = to_world(pose.ankle, sign * hw * 1.05 * shape.stance)
        joints[f"heel_{side}"] = joints[f"ankle_{side}"] + [-0.045 * h, -shape.ankle_height, 0]
        joints[f"toe_{side}"] = joints[f"ankle_{side}"] + [0.115 * h, -shape.ankle_height, 0]
        shoulder = to_world(pose.shoulder + girdle, sign * sw)
        joints[f"shoulder_{side}"] = shoulder
        reach = shape.upper_arm + shape.forearm
        hanging = shoulder + np.array([0.03 * h, -0.985 * reach, sign * 0.035 * h])
        if task == "backward":  # arms folded across the chest, as the protocol asks
            folded = to_world(_front_of_chest(shape, pose), -sign * 0.07 * h)
            w = lead_in[:, None]
            target = (1 - w) * hanging + w * folded
            pole = np.array([1.0, -0.6, sign * 0.5])
        else:
            target = hanging
            pole = np.array([-1.0, 0.0, sign * 0.15])
        elbow, wrist = solve_arm(
            shoulder, target, shape.upper_arm, shape.forearm, np.broadcast_to(pole, shoulder.shape)
        )
        joints[f"elbow_{side}"] = elbow
        joints[f"wrist_{side}"] = wrist
    head_local = np.array([0.014, 0.052]) * h
    c1 = pose.spine[:, -1]
    joints["head"] = to_world(c1 + rotate2d(np.broadcast_to(head_local, c1.shape), pose.head_angle))
    return Skeleton(pose, joints)


def _front_of_chest(shape: BodyShape, pose: SagittalPose) -> FloatArray:
    """(T, 2) point just in front of the sternum, where the hands rest with arms folded."""
    k = N_LUMBAR + N_THORACIC - 2  # about T5
    angle = pose.spine_angles[:, k]
    local = np.array([0.11, -0.035]) * shape.stature  # forward, up, in the segment frame
    return pose.spine[:, k] + rotate2d(np.broadcast_to(local, pose.spine[:, k].shape), angle)


def _spine_station(pose: SagittalPose, i: int, u: float) -> tuple[FloatArray, float]:
    """Point and tangent angle on the spine polyline at fractional position u."""
    k = int(np.clip(np.floor(u), 0, pose.spine.shape[1] - 2))
    f = u - k
    point = (1 - f) * pose.spine[i, k] + f * pose.spine[i, k + 1]
    mids = np.arange(pose.spine_angles.shape[1]) + 0.5
    angle = float(np.interp(u, mids, np.unwrap(pose.spine_angles[i])))
    return point, angle


def _trunk(
    builder: MeshBuilder, shape: BodyShape, app: Appearance, pose: SagittalPose, i: int
) -> None:
    h, g = shape.stature, shape.girth
    trousers, shirt, skin = (srgb_to_linear(c) for c in (app.trousers, app.shirt, app.skin))
    centres, angles, depth, width, colors = [], [], [], [], []
    pelvis = pose.pelvis_angle[i]
    for y, cx, hd, hwid in PELVIS_RINGS:
        local = np.array([cx * h, y * h])
        centres.append(pose.hip[i] + rotate2d(local, np.array(pelvis)))
        angles.append(pelvis)
        depth.append(hd * h * g)
        width.append(hwid * h * g * shape.hip_ratio**0.5)
        colors.append(trousers)
    stations = list(SPINE_RINGS)
    for boundary in (SHIRT_FROM_U, NECK_FROM_U):  # duplicate rings make crisp colour edges
        row = [
            float(np.interp(boundary, [s[0] for s in SPINE_RINGS], [s[c] for s in SPINE_RINGS]))
            for c in range(4)
        ]
        row[0] = boundary
        stations += [tuple(row), tuple(row)]
    stations.sort(key=lambda s: s[0])
    seen: dict[float, int] = {}
    for u, back, front, hwid in stations:
        point, angle = _spine_station(pose, i, u)
        if u < 6.0:
            front = front + shape.belly * np.exp(-(((u - 2.0) / 2.5) ** 2))
        scale = g if u < 11.0 else g**0.5
        back, front = back * h * scale, front * h * scale
        normal = np.array([np.cos(angle), -np.sin(angle)])
        centres.append(point + normal * (front - back) / 2)
        angles.append(angle)
        depth.append((front + back) / 2)
        wscale = shape.shoulder_ratio if 7.0 < u < 11.0 else 1.0
        width.append(hwid * h * scale * wscale)
        seen[u] = seen.get(u, 0) + 1
        if u < SHIRT_FROM_U or (u == SHIRT_FROM_U and seen[u] == 1):
            colors.append(trousers)
        elif u < NECK_FROM_U or (u == NECK_FROM_U and seen[u] == 1):
            colors.append(shirt)
        else:
            colors.append(skin)
    ang = np.array(angles)
    ang = np.convolve(np.pad(ang, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    c3 = to_world(np.array(centres))
    ax_a = np.stack([np.cos(ang), -np.sin(ang), np.zeros_like(ang)], -1)
    ax_b = np.tile([0.0, 0.0, 1.0], (len(ang), 1))
    tube(
        builder,
        c3,
        ax_a,
        ax_b,
        np.array(depth),
        np.array(width),
        np.array(colors),
        spec=0.08,
        material=FABRIC,
        nv=28,
        cap_length=0.35,
    )


def _arm(
    builder: MeshBuilder, shape: BodyShape, app: Appearance, skel: Skeleton, i: int, side: str
) -> None:
    h, g = shape.stature, shape.girth
    skin, shirt = srgb_to_linear(app.skin), srgb_to_linear(app.shirt)
    sh, el, wr = (skel.joints[f"{k}_{side}"][i] for k in ("shoulder", "elbow", "wrist"))
    sleeve = shirt
    ellipsoid(
        builder,
        sh + np.array([0, 0.004 * h, 0]),
        np.array([0.031, 0.031, 0.030]) * h * g,
        np.eye(3),
        shirt,
        0.08,
        FABRIC,
    )
    limb(
        builder,
        sh,
        el,
        (0.030 * h * g, 0.027 * h * g, 0.023 * h * g),
        sleeve,
        np.array([1.0, 0, 0]),
        spec=0.08,
        material=FABRIC,
    )
    fore = shirt if app.long_sleeves else skin
    ellipsoid(builder, el, np.full(3, 0.022 * h * g), np.eye(3), fore, 0.1)
    limb(
        builder,
        el,
        wr,
        (0.022 * h * g, 0.021 * h * g, 0.016 * h * g),
        fore,
        np.array([1.0, 0, 0]),
        spec=0.12,
        material=SKIN if fore is skin else FABRIC,
    )
    direction = wr - el
    direction = direction / np.linalg.norm(direction)
    palm_rot = frame_from_axis(direction, np.array([1.0, 0.0, 0.0]))
    ellipsoid(
        builder,
        wr + direction * 0.035 * h,
        np.array([0.016, 0.042, 0.030]) * h,
        palm_rot,
        skin,
        0.15,
        SKIN,
        detail=(10, 14),
    )
    ellipsoid(
        builder,
        wr + direction * 0.075 * h,
        np.array([0.012, 0.032, 0.026]) * h,
        palm_rot,
        skin,
        0.15,
        SKIN,
        detail=(10, 14),
    )
    ellipsoid(
        builder,
        wr + direction * 0.04 * h + palm_rot @ np.array([0.022, 0, 0]) * h,
        np.array([0.009, 0.025, 0.009]) * h,
        palm_rot,
        skin,
        0.15,
        SKIN,
        detail=(8, 10),
    )


def _leg(
    builder: MeshBuilder, shape: BodyShape, app: Appearance, skel: Skeleton, i: int, side: str
) -> None:
    h, g = shape.stature, shape.girth
    trousers, skin = srgb_to_linear(app.trousers), srgb_to_linear(app.skin)
    shoes = srgb_to_linear(app.shoes)
    hip, knee, ankle = (skel.joints[f"{k}_{side}"][i] for k in ("hip", "knee", "ankle"))
    forward = np.array([1.0, 0.0, 0.0])
    limb(
        builder,
        hip + np.array([0, -0.02 * h, 0]),
        knee,
        (0.054 * h * g, 0.052 * h * g, 0.044 * h * g, 0.036 * h * g),
        trousers,
        forward,
        spec=0.05,
        material=FABRIC,
    )
    lower = skin if app.shorts else trousers
    ellipsoid(builder, knee, np.full(3, 0.035 * h * g), np.eye(3), lower, 0.05)
    limb(
        builder,
        knee,
        ankle + np.array([0, 0.01 * h, 0]),
        (0.035 * h * g, 0.039 * h * g, 0.030 * h * g, 0.020 * h),
        lower,
        forward,
        spec=0.05 if lower is trousers else 0.12,
        material=FABRIC if lower is trousers else SKIN,
    )
    heel, toe = skel.joints[f"heel_{side}"][i], skel.joints[f"toe_{side}"][i]
    s = np.linspace(0.0, 1.0, 7)
    half_h = np.array([0.55, 0.95, 1.0, 0.9, 0.75, 0.6, 0.45]) * 0.018 * h
    half_w = np.array([0.62, 0.8, 0.9, 1.0, 1.0, 0.9, 0.7]) * 0.030 * h
    centres = heel + np.outer(s, toe - heel)
    centres[:, 1] = half_h + 0.004 * h
    ax_a = np.tile([0.0, 1.0, 0.0], (7, 1))
    ax_b = np.tile([0.0, 0.0, 1.0], (7, 1))
    tube(builder, centres, ax_a, ax_b, half_h, half_w, shoes, spec=0.25, nv=18)
    sole = srgb_to_linear(np.array(app.shoes) * 0.35)
    centres_sole = centres.copy()
    centres_sole[:, 1] = 0.006 * h
    tube(
        builder,
        centres_sole,
        ax_a,
        ax_b,
        np.full(7, 0.006 * h),
        half_w * 1.04,
        sole,
        spec=0.05,
        nv=14,
    )
    ellipsoid(builder, ankle, np.array([0.022, 0.018, 0.019]) * h, np.eye(3), lower, 0.1)


def person_mesh(
    shape: BodyShape, app: Appearance, skel: Skeleton, i: int, facing: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mesh of frame i; facing -1 turns the person 180 degrees about the vertical."""
    builder = MeshBuilder()
    _trunk(builder, shape, app, skel.pose, i)
    add_head(builder, shape, app, skel.joints["head"][i], float(skel.pose.head_angle[i]))
    for side in ("l", "r"):
        _leg(builder, shape, app, skel, i, side)
        _arm(builder, shape, app, skel, i, side)
    verts, faces = builder.build()
    if facing < 0:
        verts[:, [0, 2, 3, 5]] *= -1.0
    return verts, faces


def apply_facing(points: FloatArray, facing: float) -> FloatArray:
    out = np.array(points, dtype=float, copy=True)
    if facing < 0:
        out[..., [0, 2]] *= -1.0
    return out


__all__ = ["N_LUMBAR", "N_THORACIC", "Appearance", "Skeleton", "build_skeleton", "person_mesh"]
