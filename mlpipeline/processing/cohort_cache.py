"""Analyse every video of a cohort folder once, into a cache of analyse_video folders.

A cohort folder is in the import format (DESIGN.md: cohort.csv with participant_id, group,
forward_video, backward_video), such as `generate_cohort` writes. Each video's answer goes to
CACHE/<participant>/<task>/ (features.json and masks/, or failed.json when the video is
rejected) with source.json, the video's size and time and the pipeline version: a
regenerated cohort under the same name, or a changed pipeline, is analysed again. While a
generated cohort is still being written, its finished participants are analysed.

Used by the benchmarks and by `manage.py build_demo_model`. No Django.
"""

from __future__ import annotations

import csv
import functools
import json
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from mlpipeline.processing.errors import PipelineError
from mlpipeline.processing.identity import pipeline_version
from mlpipeline.processing.output import analyse_to_directory
from mlpipeline.processing.pipeline import TASKS, PipelineConfig


def recorded_tasks(task: str) -> list[str]:
    """The recordings a task uses: "both" is the forward and the backward bend."""
    return list(TASKS) if task == "both" else [task]


def cohort_rows(cohort: Path) -> list[dict[str, str]]:
    """cohort.csv rows; while a generated cohort is still being written, its finished
    participants (participant.json is written after both videos) with group and videos."""
    if (cohort / "cohort.csv").exists():
        with (cohort / "cohort.csv").open() as fh:
            return list(csv.DictReader(fh))
    rows = []
    for info in sorted((cohort / "ground_truth").glob("*/participant.json")):
        pid = info.parent.name
        rows.append({
            "participant_id": pid,
            "group": json.loads(info.read_text())["group"],
            **{f"{task}_video": f"videos/{pid}_{task}.mp4" for task in TASKS},
        })
    return rows


@functools.cache
def default_pipeline_version() -> str:
    """The version of the pipeline with its default settings (what the cache analyses with)."""
    return pipeline_version(PipelineConfig())


def video_stamp(video: Path) -> dict[str, int | str]:
    stat = video.stat()
    return {"bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "pipeline": default_pipeline_version()}


def is_cached(video: Path, folder: Path) -> bool:
    """True when `folder` holds the current pipeline's answer for this very video file."""
    stamp = folder / "source.json"
    answered = (folder / "features.json").exists() or (folder / "failed.json").exists()
    return answered and stamp.exists() and json.loads(stamp.read_text()) == video_stamp(video)


def analyse_into(video: Path, task: str, folder: Path) -> str:
    """Run the pipeline into `folder`; a rejected video leaves failed.json. Returns a note."""
    shutil.rmtree(folder, ignore_errors=True)  # no stale masks from an earlier video
    folder.mkdir(parents=True)
    try:
        result = analyse_to_directory(video, task, folder, PipelineConfig())
    except PipelineError as exc:
        (folder / "failed.json").write_text(json.dumps({"error": str(exc)}))
        (folder / "source.json").write_text(json.dumps(video_stamp(video)))
        return f"{video.name}: rejected: {exc}"
    (folder / "source.json").write_text(json.dumps(video_stamp(video)))
    issues = ",".join(i.code for i in result.qc.issues)
    return (f"{video.name}: {len(result.back_masks)} masks, qc {'ok' if result.qc.ok else issues}"
            f", {result.timings['total']:.1f} s")


def analyse_cohort(cohort: Path, cache: Path, tasks: list[str], workers: int = 1) -> None:
    """Analyse the cohort's videos of `tasks` that the cache does not hold yet."""
    from tqdm import tqdm

    jobs = []
    for row in cohort_rows(cohort):
        for task in tasks:
            folder = cache / row["participant_id"] / task
            video = cohort / row[f"{task}_video"] if row.get(f"{task}_video") else None
            if video is not None and not is_cached(video, folder):
                jobs.append((video, task, folder))
    if not jobs:
        return
    if workers <= 1:  # in this process: nothing forked from a process that runs threads
        for job in tqdm(jobs, desc="pipeline"):
            tqdm.write(analyse_into(*job))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(analyse_into, *job) for job in jobs]
        for future in tqdm(as_completed(futures), total=len(futures), desc="pipeline"):
            tqdm.write(future.result())
