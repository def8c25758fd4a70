"""Dashboard test data: a processed patient (features.json and masks in storage), programmes
and exercise sessions."""

from __future__ import annotations

import io
import json
import math
from datetime import timedelta

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from assessments.models import Assessment, Recording
from backtracker_site.models import JobStatus
from exercises import services
from exercises.models import Programme, SessionLog
from mlpipeline.models import FeatureSet
from mlpipeline.processing.curvature import outline_angles, summarise_curvature


def mask_array(bend: float) -> np.ndarray:
    """A trunk-like band whose low back hollows as `bend` goes from 0 to 1 (the outline's
    lumbar angle grows by about 15 degrees, see processing.curvature)."""
    size = 64
    y, x = np.mgrid[0:size, 0:size]
    fraction = (y + 0.5) / size * 1.3 - 0.15  # of the neck-hip length, as in a back mask
    centre = size / 2 - bend * 10 * np.clip((fraction - 0.5) / 0.4, 0, 1) ** 2
    return np.abs(x - centre) < size / 5


def mask_png(bend: float) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(mask_array(bend).astype(np.uint8) * 255).save(buffer, format="PNG")
    return buffer.getvalue()


def processed_recording(patient, task: str, peak: float) -> Recording:
    recording = Recording.objects.create(patient=patient, task=task, status=JobStatus.DONE,
                                         source_key=f"patients/{patient.pk}/{task}.mp4")
    default_storage.save(recording.source_key, ContentFile(b"\x00\x00\x00\x18ftypmp42"))
    prefix = f"patients/{patient.pk}/recordings/{recording.pk}/derived/v1/"
    times = [i / 5 for i in range(75)]
    thetas = [peak * math.sin(math.pi * t / 5) ** 2 for t in times]
    masks, angles = [], []
    for index, (t, theta) in enumerate(zip(times, thetas, strict=True)):
        if index % 3 == 0:
            name = f"masks/{index:06d}.png"
            default_storage.save(prefix + name, ContentFile(mask_png(theta / peak)))
            angles.append(outline_angles(mask_array(theta / peak)))
            masks.append({"file": name, "frame": index, "t": t, "theta": theta,
                          "theta_bin": int(theta // 5), "lumbar_deg": angles[-1].lumbar_deg,
                          "thoracic_deg": angles[-1].thoracic_deg})
    curvature = summarise_curvature([m["theta"] for m in masks], angles, task)
    document = {
        "fps": 30, "frames": [{"index": i, "t": t, "theta": th, "keypoints": {}}
                              for i, (t, th) in enumerate(zip(times, thetas, strict=True))],
        "repetitions": [{"start_t": 0.2, "peak_t": 2.5, "end_t": 4.8, "peak_theta": peak},
                        {"start_t": 5.2, "peak_t": 7.5, "end_t": 9.8, "peak_theta": peak},
                        {"start_t": 10.2, "peak_t": 12.5, "end_t": 14.8, "peak_theta": peak}],
        "masks": masks, "qc": {"ok": True, "issues": []}, "curvature": curvature.as_dict(),
    }
    default_storage.save(prefix + "features.json", ContentFile(json.dumps(document).encode()))
    FeatureSet.objects.create(recording=recording, pipeline_version="1", prefix=prefix, fps=30,
                              frame_count=len(times), mask_count=len(masks), qc_ok=True)
    return recording


def processed_patient(patient) -> Assessment:
    forward = processed_recording(patient, "forward", 75)
    backward = processed_recording(patient, "backward", 30)
    prefix = backward.feature_sets.get().prefix
    scores = [{"key": prefix + f"masks/{i:06d}.png", "theta": 10.0 + i, "score": s}
              for i, s in ((3, 1.2), (6, -0.4), (9, 0.8))]
    return Assessment.objects.create(
        patient=patient, forward=forward, backward=backward, status=JobStatus.DONE,
        phenotype="FP", probability=0.64, review=Assessment.Review.AWAITING,
        mask_scores=scores)


def approved_programme(patient, *, phenotype: str = "FP", days_ago: int = 21,
                       schedule_days: tuple[int, ...] = (0, 1, 2, 3, 4)):
    """A generated programme, approved ``days_ago`` days ago, with no sessions yet."""
    programme = services.programme_create_for_result(patient=patient, phenotype=phenotype,
                                                     probability=0.9)
    services.programme_approve(programme=programme, by=patient.physiotherapist)
    approved_at = timezone.now() - timedelta(days=days_ago)
    Programme.objects.filter(pk=programme.pk).update(
        approved_at=approved_at, level_started_on=timezone.localdate(approved_at),
        schedule_days=list(schedule_days))
    programme.refresh_from_db()
    return programme


def log_sessions(programme, days_ago: list[int], *, pain_before: int = 3,
                 pain_after: int = 3) -> None:
    """Sessions on the given days (counted back from today), without the progression rules."""
    today = timezone.localdate()
    SessionLog.objects.bulk_create([
        SessionLog(programme=programme, patient=programme.patient,
                   performed_on=today - timedelta(days=ago), pain_before=pain_before,
                   pain_after=pain_after, difficulty=3)
        for ago in days_ago])
