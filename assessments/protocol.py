"""How to film each bend: what the phone app shows the patient before recording.

The limits come from the same settings and probe limits that the server enforces.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

PROTOCOL: dict[str, dict[str, Any]] = {
    "forward": {
        "title": "Forward bend",
        "instructions": [
            "Stand with your feet hip-width apart, knees straight but not locked.",
            "Bend forward slowly as far as is comfortable, letting your arms hang.",
            "Hold for two seconds at the bottom, then come back up slowly.",
            "Do this three times, with a short pause standing upright in between.",
            "Stop if the pain becomes sharp or spreads down your leg.",
        ],
        "repetitions": 3,
    },
    "backward": {
        "title": "Backward bend",
        "instructions": [
            "Stand with your feet hip-width apart and fold your arms across your chest, "
            "so that your arms do not hide the outline of your back.",
            "Lean backward slowly as far as is comfortable, keeping your knees straight.",
            "Hold for two seconds, then come back to upright slowly.",
            "Do this three times, with a short pause standing upright in between.",
            "Stop if you feel dizzy or the pain becomes sharp.",
        ],
        "repetitions": 3,
    },
}

CAMERA = {
    "view": "side-on: the camera sees your side, not your front or back",
    "distance_m": [2.0, 3.5],
    "phone_height": "about hip height, phone upright and still (propped or held by someone)",
    "framing": "your whole body, head to feet, stays in the picture all the time",
    "lighting": "a bright room; avoid standing in front of a window",
    "people": "only you in the picture",
}


def recording_protocol() -> dict[str, Any]:
    return {
        "tasks": [{"task": task, **details} for task, details in PROTOCOL.items()],
        "camera": CAMERA,
        "duration_s": {"min": 5, "max": 60},
        "formats": ["video/mp4", "video/quicktime"],
        "max_bytes": settings.UPLOAD_MAX_BYTES,
    }
