"""Generate a synthetic cohort in the import format of DESIGN.md, with ground truth."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mlpipeline.synthetic.body import FloatArray
from mlpipeline.synthetic.figure import apply_facing, build_skeleton, person_mesh
from mlpipeline.synthetic.formatdoc import FORMAT_MD
from mlpipeline.synthetic.motion import (
    TASKS,
    bend_angles,
    bend_timeline,
    minimum_jerk,
    smooth_sway,
    solve_bend_amount,
)
from mlpipeline.synthetic.participant import Participant, sample_participant
from mlpipeline.synthetic.phenotype import GROUPS, PROMS, phenotype_summary
from mlpipeline.synthetic.render import Renderer
from mlpipeline.synthetic.scene import place_camera, room_mesh
from mlpipeline.synthetic.writer import Mp4Writer

KEYPOINTS = (
    "neck",
    "shoulder_l",
    "shoulder_r",
    "hip_l",
    "hip_r",
    "knee_l",
    "knee_r",
    "ankle_l",
    "ankle_r",
)
CSV_COLUMNS = (
    "participant_id",
    "group",
    "forward_video",
    "backward_video",
    *(spec.name for spec in PROMS),
)
GENERATOR_VERSION = 3  # 2: arms folded in the backward bend, one extension-pattern latent;
# 3: per-frame lumbar lordosis and thoracic kyphosis in the ground truth


@dataclass(frozen=True)
class RenderOptions:
    """Knobs that trade realism for speed; the defaults give full-size phone videos."""

    size_scale: float = 1.0  # 0.5 renders 720p as 640x360
    duration_scale: float = 1.0  # < 1 shortens every phase (tests)
    fps: int | None = None  # None: the participant's sampled frame rate
    silhouettes: bool = True
    samples: int = 4  # MSAA samples


def theta_eq1(neck: FloatArray, hip: FloatArray, ankle: FloatArray) -> FloatArray:
    """Eq. 1 of the method in degrees, per row of (T, 2) image points."""
    upper, lower = hip - neck, ankle - hip
    cos = np.sum(upper * lower, axis=-1) / (
        np.linalg.norm(upper, axis=-1) * np.linalg.norm(lower, axis=-1)
    )
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def theta_from_keypoints(keypoints: FloatArray) -> FloatArray:
    """Eq. 1 from (T, 9, 2) keypoints in KEYPOINTS order (neck, mid-hip, mid-ankle)."""
    idx = {name: k for k, name in enumerate(KEYPOINTS)}
    hip = (keypoints[:, idx["hip_l"]] + keypoints[:, idx["hip_r"]]) / 2
    ankle = (keypoints[:, idx["ankle_l"]] + keypoints[:, idx["ankle_r"]]) / 2
    return theta_eq1(keypoints[:, idx["neck"]], hip, ankle)


def _frame_size(width: int, height: int, scale: float) -> tuple[int, int]:
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def render_recording(
    participant: Participant, task: str, video_path: Path, gt_dir: Path, options: RenderOptions
) -> dict[str, object]:
    """Render one bend to video_path and its ground truth to gt_dir; returns a summary."""
    started = time.perf_counter()
    p, setup = participant, participant.setups[task]
    rng = np.random.default_rng([p.motion_seed, TASKS.index(task)])
    fps = options.fps or setup.fps
    timeline = bend_timeline(p.style, fps, rng, options.duration_scale)
    amount = solve_bend_amount(p.shape, p.phenotype, p.style, task)
    sway = smooth_sway(timeline.t, p.style.sway_deg, rng)
    angles, pose = bend_angles(p.shape, p.phenotype, p.style, task, timeline.progress, amount, sway)
    lead = timeline.lead_in_s
    hands = minimum_jerk((timeline.t - 0.1 * lead) / (0.7 * lead))
    skel = build_skeleton(p.shape, pose, task, hands, timeline.progress)
    joints = {name: apply_facing(xyz, setup.facing) for name, xyz in skel.joints.items()}

    width, height = _frame_size(setup.width, setup.height, options.size_scale)
    extent = np.concatenate(list(joints.values()))
    extent = np.concatenate([extent + np.array([0.0, dy, 0.0]) for dy in (-0.02, 0.14)])
    extent = np.concatenate([extent + np.array([dx, 0.0, 0.0]) for dx in (-0.12, 0.12)])
    camera = place_camera(setup.camera, extent, width, height)
    renderer = Renderer(width, height, samples=options.samples)
    shadow = (0.03 * setup.facing, 0.0, 0.35, 0.22)
    renderer.set_scene(
        *room_mesh(p.room), camera, setup.lighting, shadow, seed=float(p.motion_seed % 997)
    )

    names3d = {"neck": None, **{k: k for k in KEYPOINTS[1:]}}
    world = np.stack(
        [
            joints[k] if k else (joints["shoulder_l"] + joints["shoulder_r"]) / 2
            for k in names3d.values()
        ],
        axis=1,
    )  # (T, 9, 3)
    pixels = camera.project(world)
    pixels[:, 0] = (pixels[:, 1] + pixels[:, 2]) / 2  # neck = midpoint of the shoulders (2D)
    frames = timeline.t.shape[0]
    packed: list[NDArray[np.uint8]] = []
    with Mp4Writer(video_path, width, height, fps, setup.rotation, setup.crf) as writer:
        for i in range(frames):
            verts, faces = person_mesh(p.shape, p.appearance, skel, i, setup.facing)
            rgb, mask = renderer.render(
                camera, setup.lighting, verts, faces, noise=setup.noise, frame=i
            )
            writer.write(rgb)
            if options.silhouettes:
                packed.append(np.packbits(mask, axis=-1))
    renderer.release()

    theta = theta_from_keypoints(pixels)
    np.savez_compressed(
        gt_dir / f"{task}.npz",
        t=timeline.t,
        theta=theta,
        keypoints=pixels.astype(np.float32),
        keypoint_names=np.array(KEYPOINTS),
        keypoints_world=world.astype(np.float32),
        progress=timeline.progress,
        rep=timeline.rep,
        hip_flexion_deg=np.degrees(angles.hip),
        knee_flexion_deg=np.degrees(angles.knee),
        pelvis_angle_deg=np.degrees(pose.pelvis_angle),
        lumbar_deg=np.degrees(angles.lumbar),
        thoracic_deg=np.degrees(angles.thoracic),
        lumbar_lordosis_deg=-np.degrees(angles.lumbar).sum(axis=1),
        thoracic_kyphosis_deg=np.degrees(angles.thoracic).sum(axis=1),
    )
    if options.silhouettes:
        np.savez_compressed(
            gt_dir / f"{task}_silhouettes.npz",
            packed=np.stack(packed),
            shape=np.array([frames, height, width]),
        )
    seconds = time.perf_counter() - started
    return {
        "task": task,
        "video": video_path.name,
        "fps": fps,
        "frames": frames,
        "width": width,
        "height": height,
        "rotation": setup.rotation,
        "facing": "right" if setup.facing > 0 else "left",
        "visible_side": "r" if setup.facing > 0 else "l",
        "camera": {
            "eye": camera.eye,
            "target": camera.target,
            "fov_y_deg": camera.fov_y_deg,
            "roll_deg": camera.roll_deg,
        },
        "bend_amount_deg": amount,
        "theta_max": float(theta.max()),
        "seconds": round(seconds, 3),
    }


def balanced_groups(participants: int, seed: int) -> list[str]:
    """Alternating FP/EP, shuffled: as balanced as the count allows."""
    groups = [GROUPS[i % 2] for i in range(participants)]
    np.random.default_rng([seed, 2**20]).shuffle(groups)
    return groups


def generate_cohort(
    out_dir: Path,
    participants: int,
    seed: int,
    *,
    progress: bool = True,
    size_scale: float = 1.0,
    duration_scale: float = 1.0,
    fps: int | None = None,
    silhouettes: bool = True,
    on_recording: Callable[[dict[str, object]], None] | None = None,
) -> Path:
    """Write DIR/cohort.csv, videos/, ground_truth/, cohort.json and FORMAT.md; returns DIR."""
    if participants < 1:
        raise ValueError("participants must be at least 1")
    out_dir = Path(out_dir)
    (out_dir / "videos").mkdir(parents=True, exist_ok=True)
    options = RenderOptions(
        size_scale=size_scale, duration_scale=duration_scale, fps=fps, silhouettes=silhouettes
    )
    groups = balanced_groups(participants, seed)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=participants * len(TASKS), unit="video", desc="generate_cohort")
    rows, recordings = [], []
    for index, group in enumerate(groups):
        person = sample_participant(seed, index, group)
        gt_dir = out_dir / "ground_truth" / person.participant_id
        gt_dir.mkdir(parents=True, exist_ok=True)
        row: dict[str, object] = {"participant_id": person.participant_id, "group": group}
        summaries = {}
        for task in TASKS:
            video = out_dir / "videos" / f"{person.participant_id}_{task}.mp4"
            summary = render_recording(person, task, video, gt_dir, options)
            summary["participant_id"] = person.participant_id
            summaries[task] = summary
            recordings.append(summary)
            row[f"{task}_video"] = f"videos/{video.name}"
            if bar is not None:
                bar.update(1)
            if on_recording is not None:
                on_recording(summary)
        row.update(person.proms)
        rows.append(row)
        info = person.to_json()
        info["recordings"] = summaries
        (gt_dir / "participant.json").write_text(json.dumps(info, indent=2))
    if bar is not None:
        bar.close()
    with open(out_dir / "cohort.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _csv_value(row[k]) for k in CSV_COLUMNS})
    seconds = [float(r["seconds"]) for r in recordings]  # type: ignore[arg-type]
    summary = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "participants": participants,
        "groups": {g: groups.count(g) for g in GROUPS},
        "options": asdict(options),
        "phenotype": phenotype_summary(),
        "seconds_per_video": round(float(np.mean(seconds)), 3),
        "recordings": recordings,
    }
    (out_dir / "cohort.json").write_text(json.dumps(summary, indent=2))
    (out_dir / "FORMAT.md").write_text(FORMAT_MD.format(**phenotype_summary()))
    return out_dir


def _csv_value(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
