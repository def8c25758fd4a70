"""Draw one synthetic participant: body, clothing, movement style, phenotype, recordings.

Everything except the phenotype latents and the PROMs comes from a random stream that
never sees the group, so body, clothing, room, camera and timing are independent of it.
"""

from __future__ import annotations

import colorsys
from dataclasses import asdict, dataclass

import numpy as np

from mlpipeline.synthetic.body import BodyShape
from mlpipeline.synthetic.figure import Appearance
from mlpipeline.synthetic.motion import TASKS, MotionStyle
from mlpipeline.synthetic.phenotype import sample_latents, sample_proms
from mlpipeline.synthetic.render import Lighting
from mlpipeline.synthetic.scene import CameraSpec, Room, sample_camera, sample_lighting, sample_room

SKIN_TONES = np.array(
    [
        (0.97, 0.83, 0.72),
        (0.93, 0.74, 0.60),
        (0.84, 0.63, 0.48),
        (0.70, 0.50, 0.36),
        (0.53, 0.36, 0.24),
        (0.38, 0.25, 0.17),
    ]
)
HAIR_COLOURS = (
    (0.06, 0.05, 0.05),
    (0.2, 0.13, 0.08),
    (0.38, 0.25, 0.14),
    (0.75, 0.6, 0.36),
    (0.6, 0.6, 0.6),
    (0.5, 0.22, 0.1),
)
TROUSER_COLOURS = (
    (0.08, 0.08, 0.1),
    (0.13, 0.17, 0.3),
    (0.35, 0.35, 0.37),
    (0.45, 0.4, 0.3),
    (0.25, 0.35, 0.55),
    (0.28, 0.3, 0.2),
    (0.55, 0.55, 0.57),
)
SHOE_COLOURS = (
    (0.92, 0.92, 0.92),
    (0.08, 0.08, 0.08),
    (0.45, 0.45, 0.48),
    (0.6, 0.15, 0.15),
    (0.2, 0.3, 0.6),
)


@dataclass(frozen=True)
class RecordingSetup:
    """How one bend was filmed; width/height are the upright frame."""

    fps: int
    width: int
    height: int
    rotation: int  # display rotation metadata, counter-clockwise degrees (PyAV convention)
    facing: float  # +1 faces image right in a side-on view, -1 left
    camera: CameraSpec
    lighting: Lighting
    noise: float  # sensor noise amplitude, 0-1 scale
    crf: int  # H.264 quality


@dataclass(frozen=True)
class Participant:
    participant_id: str
    group: str
    shape: BodyShape
    appearance: Appearance
    style: MotionStyle
    phenotype: dict[str, float]
    proms: dict[str, float]
    room: Room
    setups: dict[str, RecordingSetup]
    motion_seed: int

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _colour(
    rng: np.random.Generator, sat: tuple[float, float], val: tuple[float, float]
) -> tuple[float, float, float]:
    rgb = colorsys.hsv_to_rgb(rng.uniform(0, 1), rng.uniform(*sat), rng.uniform(*val))
    return tuple(float(c) for c in rgb)  # type: ignore[return-value]


def sample_shape(rng: np.random.Generator) -> BodyShape:
    female = rng.uniform() < 0.5
    stature = rng.normal(1.64 if female else 1.77, 0.065)
    return BodyShape(
        stature=float(np.clip(stature, 1.48, 1.98)),
        girth=float(np.clip(rng.lognormal(0.0, 0.1), 0.82, 1.35)),
        belly=float(np.clip(rng.gamma(2.0, 0.004), 0.0, 0.016)),
        shoulder_ratio=float(rng.uniform(0.88, 0.98) if female else rng.uniform(0.97, 1.08)),
        hip_ratio=float(rng.uniform(1.0, 1.12) if female else rng.uniform(0.92, 1.02)),
        leg_ratio=float(rng.uniform(0.96, 1.04)),
        stance=float(rng.uniform(0.8, 1.4)),
    )


def sample_appearance(rng: np.random.Generator) -> Appearance:
    tone = rng.uniform(0, len(SKIN_TONES) - 1)
    lo = int(np.floor(tone))
    hi = min(lo + 1, len(SKIN_TONES) - 1)
    skin = (1 - (tone - lo)) * SKIN_TONES[lo] + (tone - lo) * SKIN_TONES[hi]
    return Appearance(
        skin=tuple(float(c) for c in skin),  # type: ignore[arg-type]
        shirt=_colour(rng, (0.15, 0.8), (0.3, 0.95)),
        trousers=TROUSER_COLOURS[rng.integers(len(TROUSER_COLOURS))],
        shoes=SHOE_COLOURS[rng.integers(len(SHOE_COLOURS))],
        hair=HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))],
        hair_style=str(rng.choice(["short", "short", "long", "bun", "bald"])),
        long_sleeves=bool(rng.uniform() < 0.4),
        shorts=bool(rng.uniform() < 0.1),
    )


def sample_style(rng: np.random.Generator) -> MotionStyle:
    return MotionStyle(
        forward_theta_deg=float(rng.uniform(63, 84)),
        backward_theta_deg=float(rng.uniform(22, 36)),
        forward_thoracic_share=float(np.clip(rng.normal(0.2, 0.05), 0.08, 0.32)),
        forward_knee_deg=float(rng.uniform(0, 18)),
        backward_knee_deg=float(rng.uniform(0, 12)),
        forward_hip_shift=float(rng.uniform(0.2, 0.5)),
        backward_hip_shift=float(rng.uniform(0.3, 0.7)),
        kyphosis_deg=float(rng.normal(38, 6)),
        cervical_lordosis_deg=float(rng.normal(25, 5)),
        head_flex_deg=float(rng.uniform(0, 25)),
        head_extend_deg=float(rng.uniform(0, 22)),
        standing_hip_x=float(rng.uniform(-0.005, 0.02)),
        standing_lean=float(rng.normal(0, 0.006)),
        descend_s=float(rng.uniform(1.0, 2.0)),
        hold_s=float(rng.uniform(0.5, 1.3)),
        rest_s=float(rng.uniform(0.3, 0.9)),
        lead_in_s=float(rng.uniform(0.7, 1.3)),
        tail_s=float(rng.uniform(0.5, 1.0)),
        depth_jitter=float(rng.uniform(0.02, 0.06)),
        sway_deg=float(rng.uniform(0.2, 1.0)),
    )


def sample_setup(rng: np.random.Generator) -> RecordingSetup:
    portrait = rng.uniform() < 0.6
    short, long_ = (720, 1280) if rng.uniform() < 0.5 else (1080, 1920)
    width, height = (short, long_) if portrait else (long_, short)
    if portrait:  # phones mostly store portrait video as landscape plus a rotation
        rotation = int(rng.choice([-90, -90, -90, 90, 0]))
    else:
        rotation = int(rng.choice([0, 0, 0, 180]))
    return RecordingSetup(
        fps=int(rng.choice([24, 25, 30, 30, 30, 48, 50, 60, 60])),
        width=width,
        height=height,
        rotation=rotation,
        facing=float(rng.choice([-1.0, 1.0])),
        camera=sample_camera(rng),
        lighting=sample_lighting(rng),
        noise=float(rng.uniform(0.005, 0.03)),
        crf=int(rng.integers(20, 29)),
    )


def sample_participant(seed: int, index: int, group: str) -> Participant:
    """Participant `index` of the cohort with this seed; the group only moves phenotype/PROMs."""
    nuisance = np.random.default_rng([seed, index, 0])
    shape = sample_shape(nuisance)
    appearance = sample_appearance(nuisance)
    style = sample_style(nuisance)
    room = sample_room(nuisance)
    setups = {task: sample_setup(nuisance) for task in TASKS}
    motion_seed = int(nuisance.integers(2**31))
    labelled = np.random.default_rng([seed, index, 1])
    phenotype = sample_latents(labelled, group)
    proms = sample_proms(labelled, group)
    return Participant(
        participant_id=f"syn{seed}-{index + 1:03d}",
        group=group,
        shape=shape,
        appearance=appearance,
        style=style,
        phenotype=phenotype,
        proms=proms,
        room=room,
        setups=setups,
        motion_seed=motion_seed,
    )
