"""Rasterise meshes with OpenGL 3.3 on Mesa's software renderer (moderngl, EGL, headless).

One shared context per process. A frame is rendered twice: in colour with 4x MSAA, and
as a person-only mask (the ground-truth silhouette) without anti-aliasing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

VERTEX_SHADER = """
#version 330
uniform mat4 u_mvp;
in vec3 in_pos; in vec3 in_normal; in vec3 in_color; in float in_spec; in float in_mat;
out vec3 v_pos; out vec3 v_normal; out vec3 v_color; out float v_spec; out float v_mat;
void main() {
    v_pos = in_pos; v_normal = in_normal; v_color = in_color; v_spec = in_spec; v_mat = in_mat;
    gl_Position = u_mvp * vec4(in_pos, 1.0);
}
"""

FRAGMENT_SHADER = """
#version 330
uniform vec3 u_cam; uniform vec3 u_key_dir; uniform vec3 u_key_col;
uniform vec3 u_fill_dir; uniform vec3 u_fill_col; uniform vec3 u_sky; uniform vec3 u_ground;
uniform vec4 u_shadow; uniform float u_exposure; uniform float u_seed;
uniform float u_noise; uniform float u_frame;
in vec3 v_pos; in vec3 v_normal; in vec3 v_color; in float v_spec; in float v_mat;
out vec4 f_color;
uint mix32(uint x) {
    x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16; return x;
}
float hash(vec2 p) {
    uvec2 q = uvec2(ivec2(floor(p)) + 65536);
    return float(mix32(q.x * 1973u + q.y * 9277u + uint(u_seed) * 26699u) & 0xffffu) / 65535.0;
}
float vnoise(vec2 p) {
    vec2 i = floor(p); vec2 f = fract(p); f = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash(i), hash(i + vec2(1, 0)), f.x),
               mix(hash(i + vec2(0, 1)), hash(i + vec2(1, 1)), f.x), f.y);
}
float grain(vec2 p) {
    uvec2 q = uvec2(ivec2(p));
    uint h = mix32(q.x * 7919u + q.y * 104729u + uint(u_frame) * 15485863u);
    return float(h & 0xffffu) / 65535.0;
}
void main() {
    vec3 n = normalize(v_normal);
    vec3 v = normalize(u_cam - v_pos);
    if (dot(n, v) < 0.0 && v_mat < 0.5) n = -n;
    vec3 base = v_color;
    int mat = int(v_mat + 0.5);
    if (mat == 1) {            // wooden planks along x
        float plank = floor(v_pos.z / 0.14);
        float offset = hash(vec2(plank, 3.0)) * 2.0;
        float grain = vnoise(vec2((v_pos.x + offset) * 3.0, v_pos.z * 60.0));
        float seam = smoothstep(0.0, 0.004, abs(fract(v_pos.z / 0.14) - 0.5) - 0.49);
        float endseam = smoothstep(0.0, 0.01, abs(fract((v_pos.x + offset) / 1.2) - 0.5) - 0.49);
        base *= (0.82 + 0.3 * hash(vec2(plank, 7.0))) * (0.85 + 0.25 * grain);
        base *= 1.0 - 0.5 * max(seam, endseam);
    } else if (mat == 2) {     // tiles
        vec2 q = v_pos.xz / 0.4;
        vec2 g = abs(fract(q) - 0.5);
        float grout = smoothstep(0.47, 0.49, max(g.x, g.y));
        base *= (0.93 + 0.1 * hash(floor(q))) * (1.0 - 0.35 * grout);
    } else if (mat == 3) {     // carpet
        base *= 0.8 + 0.35 * vnoise(v_pos.xz * 80.0) + 0.15 * vnoise(v_pos.xz * 5.0);
    } else if (mat == 4) {     // painted wall
        base *= 0.95 + 0.08 * vnoise(v_pos.xy * 7.0) + 0.04 * vnoise(v_pos.xy * 90.0);
    } else if (mat == 5) {     // fabric weave and folds
        base *= 0.92 + 0.1 * vnoise(v_pos.xy * 160.0 + v_pos.z * 90.0)
                + 0.08 * vnoise(v_pos.xy * 9.0 + v_pos.z * 5.0);
    } else if (mat == 7) {     // skin: faint mottling
        base *= 0.96 + 0.06 * vnoise(v_pos.xy * 120.0 + v_pos.z * 60.0);
    }
    if (mat == 6) { f_color = vec4(pow(base, vec3(1.0 / 2.2)), 1.0); return; }
    vec3 l = normalize(u_key_dir);
    float wrap = (mat == 7) ? 0.25 : 0.1;
    float diff = max((dot(n, l) + wrap) / (1.0 + wrap), 0.0);
    float fill = max(dot(n, normalize(u_fill_dir)), 0.0);
    vec3 ambient = mix(u_ground, u_sky, 0.5 + 0.5 * n.y);
    float shadow = 1.0;
    if (v_pos.y < 0.002) {
        vec2 d = (v_pos.xz - u_shadow.xy) / u_shadow.zw;
        shadow = 1.0 - 0.55 * exp(-dot(d, d));
        ambient *= 1.0 - 0.35 * exp(-dot(d, d) * 2.0);
    }
    vec3 h = normalize(l + v);
    float spec = pow(max(dot(n, h), 0.0), 24.0) * v_spec;
    vec3 col = base * (ambient + u_key_col * diff * shadow + u_fill_col * fill)
               + spec * u_key_col * shadow;
    col = vec3(1.0) - exp(-col * u_exposure);
    col = pow(col, vec3(1.0 / 2.2));
    vec2 q = gl_FragCoord.xy;
    col += (grain(q) + grain(q.yx + 17.0) - 1.0) * u_noise;
    f_color = vec4(col, 1.0);
}
"""

BACKGROUND_VERTEX_SHADER = """
#version 330
in vec2 in_xy;
out vec2 v_uv;
void main() { v_uv = in_xy * 0.5 + 0.5; gl_Position = vec4(in_xy, 0.0, 1.0); }
"""

BACKGROUND_FRAGMENT_SHADER = """
#version 330
uniform sampler2D u_image;
uniform float u_noise; uniform float u_frame;
in vec2 v_uv;
out vec4 f_color;
uint mix32(uint x) {
    x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16; return x;
}
float grain(vec2 p) {
    uvec2 q = uvec2(ivec2(p));
    uint h = mix32(q.x * 7919u + q.y * 104729u + uint(u_frame) * 15485863u);
    return float(h & 0xffffu) / 65535.0;
}
void main() {
    vec2 q = gl_FragCoord.xy;
    float n = (grain(q) + grain(q.yx + 17.0) - 1.0) * u_noise;
    f_color = vec4(texture(u_image, v_uv).rgb + n, 0.0);
}
"""


@dataclass(frozen=True)
class Camera:
    """Pinhole camera; width/height are the upright frame in pixels."""

    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    fov_y_deg: float
    width: int
    height: int
    roll_deg: float = 0.0
    near: float = 0.1
    far: float = 60.0

    def view(self) -> FloatArray:
        eye, target = np.array(self.eye), np.array(self.target)
        forward = target - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        r = np.radians(self.roll_deg)
        right, up = np.cos(r) * right + np.sin(r) * up, -np.sin(r) * right + np.cos(r) * up
        view = np.eye(4)
        view[0, :3], view[1, :3], view[2, :3] = right, up, -forward
        view[:3, 3] = -view[:3, :3] @ eye
        return view

    def projection(self) -> FloatArray:
        f = 1.0 / np.tan(np.radians(self.fov_y_deg) / 2)
        aspect = self.width / self.height
        n, fa = self.near, self.far
        return np.array(
            [
                [f / aspect, 0, 0, 0],
                [0, f, 0, 0],
                [0, 0, (fa + n) / (n - fa), 2 * fa * n / (n - fa)],
                [0, 0, -1, 0],
            ]
        )

    def matrix(self) -> FloatArray:
        return self.projection() @ self.view()

    def project(self, points: FloatArray) -> FloatArray:
        """World points (..., 3) to pixel coordinates (..., 2) of the upright frame."""
        pts = np.asarray(points, dtype=float)
        homo = np.concatenate([pts, np.ones((*pts.shape[:-1], 1))], axis=-1) @ self.matrix().T
        ndc = homo[..., :2] / homo[..., 3:4]
        x = (ndc[..., 0] + 1.0) * 0.5 * self.width
        y = (1.0 - ndc[..., 1]) * 0.5 * self.height
        return np.stack([x, y], axis=-1)


@dataclass(frozen=True)
class Lighting:
    key_dir: tuple[float, float, float] = (0.4, 0.8, 0.6)
    key_col: tuple[float, float, float] = (1.6, 1.5, 1.4)
    fill_dir: tuple[float, float, float] = (-0.5, 0.3, 0.7)
    fill_col: tuple[float, float, float] = (0.25, 0.27, 0.3)
    sky: tuple[float, float, float] = (0.45, 0.47, 0.5)
    ground: tuple[float, float, float] = (0.25, 0.22, 0.2)
    exposure: float = 1.3


@lru_cache(maxsize=1)
def gl_context() -> Any:
    """Headless OpenGL context (EGL; Mesa's llvmpipe when there is no GPU)."""
    import moderngl

    return moderngl.create_standalone_context(backend="egl")


class Renderer:
    """Renders a static scene once, then a person over it per frame, into numpy images.

    The scene becomes a background texture (alpha 0); the person is drawn with alpha 1,
    so the resolved alpha channel is the anti-aliased person coverage (the silhouette).
    """

    def __init__(self, width: int, height: int, samples: int = 4) -> None:
        self.ctx = ctx = gl_context()
        self.size = (width, height)
        self.prog = ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=FRAGMENT_SHADER)
        self.bg_prog = ctx.program(
            vertex_shader=BACKGROUND_VERTEX_SHADER, fragment_shader=BACKGROUND_FRAGMENT_SHADER
        )
        quad = np.array([-1, -1, 1, -1, 1, 1, -1, -1, 1, 1, -1, 1], dtype="f4")
        self.bg_vbo = ctx.buffer(quad.tobytes())
        self.bg_vao = ctx.vertex_array(self.bg_prog, [(self.bg_vbo, "2f", "in_xy")])
        self.fbo_ms = ctx.framebuffer(
            color_attachments=[ctx.renderbuffer((width, height), 4, samples=samples)],
            depth_attachment=ctx.depth_renderbuffer((width, height), samples=samples),
        )
        self.texture = ctx.texture((width, height), 4)
        self.fbo = ctx.framebuffer(color_attachments=[self.texture])
        self.background = ctx.texture((width, height), 4)
        self._person: tuple[Any, Any, Any, int] | None = None

    def _vao(self, vbo: Any, ibo: Any) -> Any:
        names = ["in_pos", "in_normal", "in_color", "in_spec", "in_mat"]
        return self.ctx.vertex_array(self.prog, [(vbo, "3f 3f 3f 1f 1f", *names)], ibo)

    def _set_uniforms(
        self,
        camera: Camera,
        lighting: Lighting,
        shadow: tuple[float, ...],
        seed: float,
        noise: float = 0.0,
        frame: int = 0,
    ) -> None:
        for name, value in (("u_noise", noise), ("u_frame", float(frame))):
            for prog in (self.prog, self.bg_prog):
                if name in prog:
                    prog[name].value = value
        uniforms = {
            "u_cam": camera.eye,
            "u_key_dir": lighting.key_dir,
            "u_key_col": lighting.key_col,
            "u_fill_dir": lighting.fill_dir,
            "u_fill_col": lighting.fill_col,
            "u_sky": lighting.sky,
            "u_ground": lighting.ground,
            "u_shadow": shadow,
            "u_exposure": lighting.exposure,
            "u_seed": seed,
        }
        for name, value in uniforms.items():
            if name in self.prog:
                self.prog[name].value = value
        self.prog["u_mvp"].write(camera.matrix().T.astype("f4").tobytes())

    def set_scene(
        self,
        vertices: NDArray[np.float32],
        faces: NDArray[np.uint32],
        camera: Camera,
        lighting: Lighting,
        shadow: tuple[float, ...],
        seed: float = 0.0,
    ) -> NDArray[np.uint8]:
        """Render the static scene once; returns it as an image (H, W, 3)."""
        self._set_uniforms(camera, lighting, shadow, seed)
        vbo = self.ctx.buffer(vertices.astype("f4").tobytes())
        ibo = self.ctx.buffer(faces.astype("u4").tobytes())
        vao = self._vao(vbo, ibo)
        self.fbo_ms.use()
        self.ctx.enable(self.ctx.DEPTH_TEST)
        self.fbo_ms.clear(0.5, 0.5, 0.5, 1.0)
        vao.render()
        self.ctx.copy_framebuffer(self.fbo, self.fbo_ms)
        data = self.fbo.read(components=4)
        self.background.write(data)
        for obj in (vao, vbo, ibo):
            obj.release()
        w, h = self.size
        return np.frombuffer(data, np.uint8).reshape(h, w, 4)[::-1, :, :3].copy()

    def _person_vao(self, vertices: NDArray[np.float32], faces: NDArray[np.uint32]) -> Any:
        vbytes = vertices.astype("f4").tobytes()
        ibytes = faces.astype("u4").tobytes()
        need = max(len(vbytes), len(ibytes))
        if self._person is None or self._person[3] < need:
            if self._person is not None:
                for obj in self._person[:3]:
                    obj.release()
            cap = int(need * 1.5)
            vbo = self.ctx.buffer(reserve=cap, dynamic=True)
            ibo = self.ctx.buffer(reserve=cap, dynamic=True)
            self._person = (vbo, ibo, self._vao(vbo, ibo), cap)
        vbo, ibo, vao, _ = self._person
        vbo.write(vbytes)
        ibo.write(ibytes)
        return vao

    def render(
        self,
        camera: Camera,
        lighting: Lighting,
        vertices: NDArray[np.float32],
        faces: NDArray[np.uint32],
        seed: float = 0.0,
        noise: float = 0.0,
        frame: int = 0,
    ) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
        """Colour image (H, W, 3) uint8 and person mask (H, W) bool, top row first.

        noise is the amplitude of per-pixel sensor noise (0-1 scale), new every frame.
        """
        self._set_uniforms(camera, lighting, (0.0, 0.0, 1.0, 1.0), seed, noise, frame)
        vao = self._person_vao(vertices, faces)
        self.fbo_ms.use()
        self.fbo_ms.clear(0.0, 0.0, 0.0, 0.0)
        self.ctx.disable(self.ctx.DEPTH_TEST)
        self.background.use(0)
        self.bg_vao.render()
        self.ctx.enable(self.ctx.DEPTH_TEST)
        vao.render(vertices=faces.size)
        self.ctx.copy_framebuffer(self.fbo, self.fbo_ms)
        w, h = self.size
        rgba = np.frombuffer(self.fbo.read(components=4), np.uint8).reshape(h, w, 4)[::-1]
        return rgba[:, :, :3].copy(), rgba[:, :, 3] >= 128

    def release(self) -> None:
        objs = [
            self.fbo_ms,
            self.fbo,
            self.texture,
            self.background,
            self.prog,
            self.bg_prog,
            self.bg_vao,
            self.bg_vbo,
        ]
        if self._person is not None:
            objs += list(self._person[:3])
        for obj in objs:
            obj.release()
