"""Triangle meshes of smooth primitives for the renderer.

A mesh is a pair (vertices (N, 11) float32, indices (M, 3) uint32); a vertex holds
position (3), normal (3), linear RGB colour (3), specular strength and material id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
VERTEX_FLOATS = 11

# Material ids understood by the fragment shader (render.py).
PLAIN, WOOD, TILES, CARPET, PAINT, FABRIC, EMISSIVE, SKIN = 0, 1, 2, 3, 4, 5, 6, 7


def srgb_to_linear(rgb: tuple[float, float, float] | FloatArray) -> FloatArray:
    return np.power(np.clip(np.asarray(rgb, dtype=float), 0.0, 1.0), 2.2)


@dataclass
class MeshBuilder:
    """Collects primitives and concatenates them into one vertex/index array."""

    vertices: list[NDArray[np.float32]] = field(default_factory=list)
    indices: list[NDArray[np.uint32]] = field(default_factory=list)
    count: int = 0

    def add(self, verts: NDArray[np.float32], faces: NDArray[np.uint32]) -> None:
        self.vertices.append(verts)
        self.indices.append(faces + np.uint32(self.count))
        self.count += verts.shape[0]

    def build(self) -> tuple[NDArray[np.float32], NDArray[np.uint32]]:
        if not self.vertices:
            return np.zeros((0, VERTEX_FLOATS), np.float32), np.zeros((0, 3), np.uint32)
        return np.concatenate(self.vertices), np.concatenate(self.indices)


def pack(
    pos: FloatArray, normal: FloatArray, color: FloatArray, spec: float, material: int
) -> NDArray[np.float32]:
    n = pos.shape[0]
    out = np.empty((n, VERTEX_FLOATS), np.float32)
    out[:, 0:3] = pos
    out[:, 3:6] = normal
    out[:, 6:9] = np.broadcast_to(color, (n, 3))
    out[:, 9] = spec
    out[:, 10] = material
    return out


@lru_cache(maxsize=8)
def grid_faces(nu: int, nv: int, wrap_v: bool) -> NDArray[np.uint32]:
    """Triangles of an nu x nv vertex grid, closed around v when wrap_v."""
    cols = nv if wrap_v else nv - 1
    i, j = np.meshgrid(np.arange(nu - 1), np.arange(cols), indexing="ij")
    a = i * nv + j
    b = i * nv + (j + 1) % nv
    c = (i + 1) * nv + j
    d = (i + 1) * nv + (j + 1) % nv
    faces = np.concatenate([np.stack([a, c, b], -1), np.stack([b, c, d], -1)], axis=0)
    return faces.reshape(-1, 3).astype(np.uint32)


@lru_cache(maxsize=4)
def unit_sphere(nu: int = 12, nv: int = 18) -> tuple[FloatArray, NDArray[np.uint32]]:
    theta = np.linspace(0.0, np.pi, nu)
    phi = np.linspace(0.0, 2 * np.pi, nv, endpoint=False)
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    pts = np.stack([np.sin(th) * np.cos(ph), np.cos(th), np.sin(th) * np.sin(ph)], -1)
    return pts.reshape(-1, 3), grid_faces(nu, nv, True)


def rot_z(angle: float) -> FloatArray:
    """Rotation about the lateral axis; a sagittal lean `a` is rot_z(-a)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def frame_from_axis(axis: FloatArray, hint: FloatArray) -> FloatArray:
    """Rotation whose y column is `axis` and x column is as close to `hint` as possible."""
    y = axis / np.linalg.norm(axis)
    x = hint - np.dot(hint, y) * y
    norm = np.linalg.norm(x)
    if norm < 1e-6:
        x = np.cross(y, [0.0, 0.0, 1.0])
        norm = np.linalg.norm(x)
    x = x / norm
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=1)


def ellipsoid(
    builder: MeshBuilder,
    centre: FloatArray,
    axes: tuple[float, float, float] | FloatArray,
    rotation: FloatArray,
    color: FloatArray,
    spec: float = 0.1,
    material: int = PLAIN,
    detail: tuple[int, int] = (12, 18),
) -> None:
    """Add an ellipsoid with semi-axes (x, y, z) in its own frame."""
    unit, faces = unit_sphere(*detail)
    ax = np.asarray(axes, dtype=float)
    pos = (unit * ax) @ rotation.T + centre
    normal = (unit / ax) @ rotation.T
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    builder.add(pack(pos, normal, color, spec, material), faces)


def tube(
    builder: MeshBuilder,
    centres: FloatArray,
    ax_a: FloatArray,
    ax_b: FloatArray,
    rad_a: FloatArray,
    rad_b: FloatArray,
    colors: FloatArray,
    spec: float = 0.1,
    material: int = PLAIN,
    nv: int = 24,
    caps: bool = True,
    cap_length: float = 1.0,
) -> None:
    """Add a tube of elliptical rings; ring i is centres[i] + a cos(t) ax_a + b sin(t) ax_b.

    Normals come from the surface grid itself, so any shape of ring profile is lit right.
    With caps, the ends are closed by shrinking rings (rounded ends, cap_length x radius).
    """
    colors = np.broadcast_to(np.asarray(colors, dtype=float), (centres.shape[0], 3))
    if caps:
        tangent0 = centres[0] - centres[1]
        tangent1 = centres[-1] - centres[-2]
        tangent0 = tangent0 / np.linalg.norm(tangent0)
        tangent1 = tangent1 / np.linalg.norm(tangent1)
        r0 = 0.5 * (rad_a[0] + rad_b[0]) * cap_length
        r1 = 0.5 * (rad_a[-1] + rad_b[-1]) * cap_length
        shrink = np.array([0.0, 0.55, 0.85])
        lift = np.sqrt(1.0 - shrink**2)
        centres = np.concatenate(
            [
                centres[0] + np.outer(lift, tangent0) * r0,
                centres,
                centres[-1] + np.outer(lift[::-1], tangent1) * r1,
            ]
        )
        ax_a = np.concatenate([np.repeat(ax_a[:1], 3, 0), ax_a, np.repeat(ax_a[-1:], 3, 0)])
        ax_b = np.concatenate([np.repeat(ax_b[:1], 3, 0), ax_b, np.repeat(ax_b[-1:], 3, 0)])
        rad_a = np.concatenate([rad_a[0] * shrink, rad_a, rad_a[-1] * shrink[::-1]])
        rad_b = np.concatenate([rad_b[0] * shrink, rad_b, rad_b[-1] * shrink[::-1]])
        colors = np.concatenate([np.repeat(colors[:1], 3, 0), colors, np.repeat(colors[-1:], 3, 0)])
    t = np.linspace(0.0, 2 * np.pi, nv, endpoint=False)
    ring = (
        centres[:, None, :]
        + (rad_a[:, None] * np.cos(t)[None, :])[..., None] * ax_a[:, None, :]
        + (rad_b[:, None] * np.sin(t)[None, :])[..., None] * ax_b[:, None, :]
    )
    du = np.gradient(ring, axis=0)
    dv = np.roll(ring, -1, axis=1) - np.roll(ring, 1, axis=1)
    normal = np.cross(dv, du)
    # Degenerate cap rings: fall back to the radial direction.
    radial = ring - centres[:, None, :]
    normal = np.where(np.linalg.norm(normal, axis=-1, keepdims=True) < 1e-12, radial, normal)
    outward = np.sum(normal * radial, axis=-1, keepdims=True)
    normal = np.where(outward < 0, -normal, normal)
    normal /= np.maximum(np.linalg.norm(normal, axis=-1, keepdims=True), 1e-12)
    nu = centres.shape[0]
    cols = np.repeat(colors, nv, axis=0)
    verts = pack(ring.reshape(-1, 3), normal.reshape(-1, 3), cols, spec, material)
    builder.add(verts, grid_faces(nu, nv, True))


def limb(
    builder: MeshBuilder,
    start: FloatArray,
    end: FloatArray,
    radii: tuple[float, ...],
    color: FloatArray,
    hint: FloatArray,
    flatten: float = 1.0,
    spec: float = 0.1,
    material: int = PLAIN,
) -> None:
    """Tapered round tube from start to end; radii are spread evenly along it."""
    n = max(len(radii), 2) * 2
    s = np.linspace(0.0, 1.0, n)
    radius = np.interp(s, np.linspace(0.0, 1.0, len(radii)), radii)
    rot = frame_from_axis(end - start, hint)
    centres = start + np.outer(s, end - start)
    ax_a = np.repeat(rot[:, 0][None], n, 0)
    ax_b = np.repeat(rot[:, 2][None], n, 0)
    tube(builder, centres, ax_a, ax_b, radius, radius * flatten, color, spec, material, nv=18)


def box(
    builder: MeshBuilder,
    centre: FloatArray,
    size: tuple[float, float, float],
    color: FloatArray,
    material: int = PLAIN,
    spec: float = 0.05,
    rotation: FloatArray | None = None,
) -> None:
    """Axis-aligned (or rotated) box with flat faces."""
    rot = np.eye(3) if rotation is None else rotation
    half = np.asarray(size, dtype=float) / 2
    faces_v = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sign
            u_ax, v_ax = [a for a in range(3) if a != axis]
            corners = []
            for du, dv in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                p = np.zeros(3)
                p[axis] = sign * half[axis]
                p[u_ax] = du * half[u_ax]
                p[v_ax] = dv * half[v_ax]
                corners.append(p)
            faces_v.append((np.array(corners), n))
    pos = np.concatenate([c for c, _ in faces_v]) @ rot.T + centre
    nrm = np.concatenate([np.repeat(n[None], 4, 0) for _, n in faces_v]) @ rot.T
    quad = np.array([[0, 1, 2], [0, 2, 3]], np.uint32)
    faces = np.concatenate([quad + 4 * k for k in range(6)]).astype(np.uint32)
    builder.add(pack(pos, nrm, color, spec, material), faces)


def quad(
    builder: MeshBuilder,
    corner: FloatArray,
    edge_u: FloatArray,
    edge_v: FloatArray,
    color: FloatArray,
    material: int = PLAIN,
    spec: float = 0.02,
) -> None:
    """Flat rectangle spanned by two edges from a corner (both sides lit)."""
    pos = np.array([corner, corner + edge_u, corner + edge_u + edge_v, corner + edge_v])
    n = np.cross(edge_u, edge_v)
    n = n / np.linalg.norm(n)
    faces = np.array([[0, 1, 2], [0, 2, 3]], np.uint32)
    builder.add(pack(pos, np.repeat(n[None], 4, 0), color, spec, material), faces)
