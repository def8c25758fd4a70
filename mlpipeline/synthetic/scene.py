"""Rooms, furniture, lighting and camera placement (all independent of the phenotype)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mlpipeline.synthetic.body import FloatArray
from mlpipeline.synthetic.mesh import (
    CARPET,
    EMISSIVE,
    FABRIC,
    PAINT,
    TILES,
    WOOD,
    MeshBuilder,
    box,
    ellipsoid,
    quad,
    srgb_to_linear,
    tube,
)
from mlpipeline.synthetic.render import Camera, Lighting

FURNITURE = (
    "sofa",
    "cabinet",
    "bookshelf",
    "table",
    "plant",
    "picture",
    "door",
    "window",
    "lamp",
    "chair",
)


@dataclass(frozen=True)
class Item:
    kind: str
    x: float  # centre along the wall
    width: float
    color: tuple[float, float, float]
    accent: tuple[float, float, float]


@dataclass(frozen=True)
class Room:
    floor: int  # WOOD, TILES or CARPET
    floor_color: tuple[float, float, float]
    wall_color: tuple[float, float, float]
    wall_distance: float  # metres behind the person
    side_wall: float  # x of a side wall (0: none)
    items: tuple[Item, ...] = field(default_factory=tuple)


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    import colorsys

    return tuple(float(c) for c in colorsys.hsv_to_rgb(h % 1.0, s, v))  # type: ignore[return-value]


def sample_room(rng: np.random.Generator) -> Room:
    floor = int(rng.choice([WOOD, WOOD, TILES, CARPET]))
    floor_color = {
        WOOD: _hsv(rng.uniform(0.05, 0.1), rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.8)),
        TILES: _hsv(rng.uniform(0, 1), rng.uniform(0.0, 0.15), rng.uniform(0.5, 0.9)),
        CARPET: _hsv(rng.uniform(0, 1), rng.uniform(0.1, 0.5), rng.uniform(0.25, 0.7)),
    }[floor]
    wall_color = _hsv(rng.uniform(0, 1), rng.uniform(0.0, 0.3), rng.uniform(0.55, 0.95))
    items = []
    x = rng.uniform(-4.0, -2.5)
    while x < 4.0:
        kind = str(rng.choice(FURNITURE))
        width = {
            "sofa": 1.9,
            "cabinet": 1.1,
            "bookshelf": 0.9,
            "table": 1.2,
            "plant": 0.5,
            "picture": 0.7,
            "door": 0.9,
            "window": 1.2,
            "lamp": 0.4,
            "chair": 0.5,
        }[kind]
        width *= rng.uniform(0.85, 1.2)
        color = _hsv(rng.uniform(0, 1), rng.uniform(0.1, 0.7), rng.uniform(0.2, 0.85))
        accent = _hsv(rng.uniform(0, 1), rng.uniform(0.2, 0.8), rng.uniform(0.3, 0.9))
        items.append(Item(kind, x + width / 2, width, color, accent))
        x += width + rng.uniform(0.1, 1.2)
    return Room(
        floor=floor,
        floor_color=floor_color,
        wall_color=wall_color,
        wall_distance=float(rng.uniform(0.9, 2.6)),
        side_wall=float(rng.choice([0.0, rng.uniform(2.5, 4.0) * rng.choice([-1, 1])])),
        items=tuple(items),
    )


def _item(builder: MeshBuilder, item: Item, wall_z: float) -> None:
    c, a = srgb_to_linear(item.color), srgb_to_linear(item.accent)
    w, x = item.width, item.x
    if item.kind == "sofa":
        d = 0.85
        box(builder, np.array([x, 0.22, wall_z + d / 2]), (w, 0.44, d), c, FABRIC)
        box(builder, np.array([x, 0.62, wall_z + 0.12]), (w, 0.45, 0.22), c, FABRIC)
        for sx in (-1, 1):
            box(
                builder,
                np.array([x + sx * (w / 2 - 0.1), 0.52, wall_z + d / 2]),
                (0.2, 0.22, d),
                c * 0.9,
                FABRIC,
            )
        ellipsoid(
            builder,
            np.array([x - w / 4, 0.66, wall_z + 0.3]),
            (0.2, 0.18, 0.07),
            np.eye(3),
            a,
            0.05,
            FABRIC,
        )
    elif item.kind == "cabinet":
        box(builder, np.array([x, 0.42, wall_z + 0.23]), (w, 0.84, 0.45), c)
        box(builder, np.array([x, 0.86, wall_z + 0.23]), (w + 0.02, 0.03, 0.47), c * 0.7)
        box(builder, np.array([x - 0.1, 1.0, wall_z + 0.2]), (0.12, 0.25, 0.12), a, spec=0.4)
    elif item.kind == "bookshelf":
        box(builder, np.array([x, 0.95, wall_z + 0.17]), (w, 1.9, 0.34), c)
        rng = np.random.default_rng(int(abs(x) * 1000))
        for shelf in range(5):
            y = 0.12 + shelf * 0.37
            box(builder, np.array([x, y, wall_z + 0.3]), (w - 0.06, 0.02, 0.1), c * 0.6)
            bx = x - w / 2 + 0.05
            while bx < x + w / 2 - 0.08:
                bw = rng.uniform(0.03, 0.07)
                bh = rng.uniform(0.2, 0.32)
                col = srgb_to_linear(_hsv(rng.uniform(0, 1), rng.uniform(0.3, 0.8), 0.6))
                box(
                    builder,
                    np.array([bx + bw / 2, y + 0.01 + bh / 2, wall_z + 0.32]),
                    (bw, bh, 0.04),
                    col,
                )
                bx += bw + 0.005
    elif item.kind == "table":
        box(builder, np.array([x, 0.74, wall_z + 0.45]), (w, 0.04, 0.8), c, spec=0.2)
        for sx in (-1, 1):
            for sz in (0.1, 0.8):
                box(
                    builder,
                    np.array([x + sx * (w / 2 - 0.05), 0.36, wall_z + sz]),
                    (0.05, 0.72, 0.05),
                    c * 0.8,
                )
    elif item.kind == "chair":
        box(builder, np.array([x, 0.45, wall_z + 0.3]), (w, 0.05, 0.45), c)
        box(builder, np.array([x, 0.72, wall_z + 0.08]), (w, 0.5, 0.04), c)
        for sx in (-1, 1):
            for sz in (0.1, 0.5):
                box(
                    builder,
                    np.array([x + sx * (w / 2 - 0.03), 0.22, wall_z + sz]),
                    (0.04, 0.45, 0.04),
                    c * 0.8,
                )
    elif item.kind == "plant":
        pot = np.array([[x, 0.0, wall_z + 0.3], [x, 0.35, wall_z + 0.3]])
        axes = np.array([[1.0, 0, 0], [1.0, 0, 0]])
        tube(
            builder,
            pot,
            axes,
            np.array([[0, 0, 1.0]] * 2),
            np.array([0.14, 0.18]),
            np.array([0.14, 0.18]),
            c,
        )
        green = srgb_to_linear(_hsv(0.3, 0.6, 0.45))
        for k, (dx, dy) in enumerate(((0, 0.7), (-0.12, 0.55), (0.13, 0.6), (0.02, 0.95))):
            ellipsoid(
                builder,
                np.array([x + dx, dy, wall_z + 0.3]),
                (0.2, 0.26, 0.18),
                np.eye(3),
                green * (0.8 + 0.1 * k),
                0.1,
            )
    elif item.kind == "picture":
        box(builder, np.array([x, 1.55, wall_z + 0.02]), (w, w * 0.7, 0.03), c * 0.4)
        quad(
            builder,
            np.array([x - w / 2 + 0.05, 1.55 - w * 0.35 + 0.05, wall_z + 0.036]),
            np.array([w - 0.1, 0, 0]),
            np.array([0, w * 0.7 - 0.1, 0]),
            a,
            PAINT,
        )
    elif item.kind == "door":
        box(builder, np.array([x, 1.02, wall_z + 0.02]), (w, 2.04, 0.04), c, spec=0.15)
        box(
            builder,
            np.array([x + w / 2 - 0.1, 1.0, wall_z + 0.06]),
            (0.12, 0.02, 0.04),
            srgb_to_linear((0.7, 0.7, 0.7)),
            spec=0.6,
        )
    elif item.kind == "window":
        box(
            builder,
            np.array([x, 1.45, wall_z + 0.02]),
            (w + 0.1, 1.3, 0.04),
            srgb_to_linear((0.92, 0.92, 0.9)),
        )
        sky = srgb_to_linear(_hsv(0.58, 0.15, 0.97))
        quad(
            builder,
            np.array([x - w / 2 + 0.04, 0.85, wall_z + 0.045]),
            np.array([w - 0.08, 0, 0]),
            np.array([0, 1.2, 0]),
            sky,
            EMISSIVE,
        )
        box(
            builder,
            np.array([x, 1.45, wall_z + 0.05]),
            (0.04, 1.2, 0.02),
            srgb_to_linear((0.92, 0.92, 0.9)),
        )
    elif item.kind == "lamp":
        box(builder, np.array([x, 0.8, wall_z + 0.25]), (0.03, 1.6, 0.03), c * 0.5)
        ring = np.array([[x, 1.55, wall_z + 0.25], [x, 1.8, wall_z + 0.25]])
        tube(
            builder,
            ring,
            np.array([[1.0, 0, 0]] * 2),
            np.array([[0, 0, 1.0]] * 2),
            np.array([0.2, 0.13]),
            np.array([0.2, 0.13]),
            a,
        )


def room_mesh(room: Room) -> tuple[np.ndarray, np.ndarray]:
    builder = MeshBuilder()
    wall_z = -room.wall_distance
    quad(
        builder,
        np.array([-9.0, 0.0, 9.0]),
        np.array([18.0, 0, 0]),
        np.array([0, 0, -18.0]),
        srgb_to_linear(room.floor_color),
        room.floor,
    )
    quad(
        builder,
        np.array([-9.0, 0.0, wall_z]),
        np.array([18.0, 0, 0]),
        np.array([0, 4.0, 0]),
        srgb_to_linear(room.wall_color),
        PAINT,
    )
    box(
        builder,
        np.array([0.0, 0.05, wall_z + 0.01]),
        (18.0, 0.1, 0.02),
        srgb_to_linear(np.array(room.wall_color) * 0.8),
    )
    if room.side_wall:
        sx = room.side_wall
        quad(
            builder,
            np.array([sx, 0.0, wall_z]),
            np.array([0, 0, 12.0]),
            np.array([0, 4.0, 0]),
            srgb_to_linear(np.array(room.wall_color) * 0.92),
            PAINT,
        )
    for item in room.items:
        if room.side_wall and abs(item.x) + item.width / 2 > abs(room.side_wall):
            continue
        _item(builder, item, wall_z)
    return builder.build()


def sample_lighting(rng: np.random.Generator) -> Lighting:
    azimuth = np.radians(rng.uniform(-70, 70))
    elevation = np.radians(rng.uniform(25, 65))
    key_dir = (
        np.sin(azimuth) * np.cos(elevation),
        np.sin(elevation),
        np.cos(azimuth) * np.cos(elevation),
    )
    warmth = rng.uniform(-1, 1)
    tint = np.array([1.0 + 0.08 * warmth, 1.0, 1.0 - 0.12 * warmth])
    key = rng.uniform(1.1, 1.9) * tint
    fill = rng.uniform(0.15, 0.4) * tint
    sky = rng.uniform(0.35, 0.6) * tint
    return Lighting(
        key_dir=tuple(float(v) for v in key_dir),
        key_col=tuple(float(v) for v in key),
        fill_dir=(float(-key_dir[0]), 0.3, 0.8),
        fill_col=tuple(float(v) for v in fill),
        sky=tuple(float(v) for v in sky),
        ground=tuple(float(v) for v in sky * 0.5),
        exposure=float(rng.uniform(1.0, 1.6)),
    )


@dataclass(frozen=True)
class CameraSpec:
    """Random parts of a phone set-up; the distance is solved to frame the movement."""

    fov_long_deg: float
    fill: float  # fraction of the frame height a standing person takes at most
    height: float  # camera height above the floor, metres
    yaw_deg: float  # 0 = exactly side-on
    roll_deg: float
    aim_dx: float  # aim offsets, fractions of the visible frame
    aim_dy: float


def sample_camera(rng: np.random.Generator) -> CameraSpec:
    return CameraSpec(
        fov_long_deg=float(rng.uniform(58, 72)),
        fill=float(rng.uniform(0.65, 0.88)),
        height=float(rng.uniform(0.6, 1.5)),
        yaw_deg=float(rng.uniform(-8, 8)),
        roll_deg=float(np.clip(rng.normal(0, 1.5), -4, 4)),
        aim_dx=float(rng.uniform(-0.08, 0.08)),
        aim_dy=float(rng.uniform(-0.05, 0.05)),
    )


def place_camera(spec: CameraSpec, points: FloatArray, width: int, height: int) -> Camera:
    """Camera that keeps every given world point (N, 3) inside the frame with a margin."""
    long_side = max(width, height)
    half_long = np.tan(np.radians(spec.fov_long_deg) / 2)
    fov_y = 2 * np.degrees(np.arctan(half_long * height / long_side))
    tan_y = np.tan(np.radians(fov_y) / 2)
    tan_x = tan_y * width / height
    lo, hi = points.min(axis=0), points.max(axis=0)
    centre = (lo + hi) / 2
    size = hi - lo
    distance = max(size[1] / 2 / (tan_y * spec.fill), size[0] / 2 / (tan_x * 0.9))
    yaw = np.radians(spec.yaw_deg)
    for _ in range(40):
        target = centre + np.array(
            [spec.aim_dx * 2 * tan_x * distance, spec.aim_dy * 2 * tan_y * distance, 0.0]
        )
        eye = target + distance * np.array([np.sin(yaw), 0.0, np.cos(yaw)])
        eye[1] = spec.height
        target[1] = target[1] + 0.0
        cam = Camera(tuple(eye), tuple(target), float(fov_y), width, height, spec.roll_deg)
        px = cam.project(points)
        inside = (px[:, 0] > 0.04 * width) & (px[:, 0] < 0.96 * width)
        inside &= (px[:, 1] > 0.04 * height) & (px[:, 1] < 0.96 * height)
        if inside.all():
            return cam
        distance *= 1.06
    return cam
