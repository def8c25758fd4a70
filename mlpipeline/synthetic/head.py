"""The head of the synthetic person, seen in profile (part of figure.py's mesh)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlpipeline.synthetic.body import BodyShape, FloatArray
from mlpipeline.synthetic.mesh import SKIN, MeshBuilder, ellipsoid, rot_z, srgb_to_linear

if TYPE_CHECKING:  # figure.py imports this module
    from mlpipeline.synthetic.figure import Appearance


def add_head(
    builder: MeshBuilder, shape: BodyShape, app: Appearance, centre: FloatArray, angle: float
) -> None:
    """Head in profile: skull, jaw, nose, lips, chin, eyes, eyebrows, ears and hair."""
    h = shape.stature
    rot = rot_z(-angle)
    skin, hair = srgb_to_linear(app.skin), srgb_to_linear(app.hair)
    lips = srgb_to_linear(np.array(app.skin) * np.array([0.85, 0.55, 0.55]))

    def at(x: float, y: float, z: float) -> FloatArray:
        return centre + rot @ (np.array([x, y, z]) * h)

    ellipsoid(builder, at(0, 0, 0), np.array([0.056, 0.062, 0.046]) * h, rot, skin, 0.15, SKIN)
    ellipsoid(
        builder, at(0.022, -0.044, 0), np.array([0.040, 0.036, 0.038]) * h, rot, skin, 0.15, SKIN
    )
    nose_rot = rot @ rot_z(-0.35)
    ellipsoid(
        builder,
        at(0.054, -0.022, 0),
        np.array([0.013, 0.019, 0.009]) * h,
        nose_rot,
        skin,
        0.2,
        SKIN,
        detail=(10, 14),
    )
    ellipsoid(
        builder,
        at(0.057, -0.052, 0),
        np.array([0.006, 0.004, 0.014]) * h,
        rot,
        lips,
        0.3,
        SKIN,
        detail=(8, 12),
    )
    ellipsoid(
        builder,
        at(0.040, -0.074, 0),
        np.array([0.018, 0.012, 0.022]) * h,
        rot,
        skin,
        0.15,
        SKIN,
        detail=(10, 14),
    )  # chin
    for sign in (-1.0, 1.0):
        ellipsoid(
            builder,
            at(0.045, 0.004, sign * 0.019),
            np.array([0.008, 0.0055, 0.008]) * h,
            rot,
            srgb_to_linear((0.92, 0.92, 0.9)),
            0.6,
            detail=(8, 12),
        )
        ellipsoid(
            builder,
            at(0.0515, 0.004, sign * 0.019),
            np.array([0.003, 0.0035, 0.004]) * h,
            rot,
            srgb_to_linear((0.08, 0.06, 0.05)),
            0.8,
            detail=(6, 10),
        )
        ellipsoid(
            builder,
            at(0.048, 0.017, sign * 0.020),
            np.array([0.010, 0.0025, 0.010]) * h,
            rot,
            hair,
            0.05,
            detail=(6, 10),
        )  # eyebrow
        ellipsoid(
            builder,
            at(-0.006, -0.008, sign * 0.045),
            np.array([0.013, 0.022, 0.006]) * h,
            rot,
            skin * 0.92,
            0.1,
            SKIN,
            detail=(10, 14),
        )  # ear
    if app.hair_style != "bald":
        ellipsoid(
            builder, at(-0.010, 0.014, 0), np.array([0.059, 0.058, 0.050]) * h, rot, hair, 0.25
        )
    if app.hair_style == "long":
        ellipsoid(
            builder, at(-0.040, -0.055, 0), np.array([0.025, 0.075, 0.045]) * h, rot, hair, 0.25
        )
    elif app.hair_style == "bun":
        ellipsoid(
            builder, at(-0.060, 0.030, 0), np.array([0.025, 0.025, 0.025]) * h, rot, hair, 0.25
        )
