"""System checks for settings whose relation Django cannot know about."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


def broker_has_visibility_timeout() -> bool:
    return settings.CELERY_BROKER_URL.split("://", 1)[0] in ("redis", "rediss", "sqs")


@register(Tags.compatibility, deploy=False)
def time_limits_below_visibility_timeout(app_configs=None, **kwargs) -> list[Error]:
    """Every task must be killed before the broker hands its message to another worker.

    Otherwise Redis redelivers a task that is still running, and a countdown longer
    than the timeout loops for ever (RELIABILITY G5, celery#9339).
    """
    if not broker_has_visibility_timeout():
        return []
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    limits = {
        "CELERY_TASK_TIME_LIMIT": settings.CELERY_TASK_TIME_LIMIT,
        "VIDEO_TASK_TIME_LIMIT": settings.VIDEO_TASK_TIME_LIMIT,
        "TRAINING_TASK_TIME_LIMIT": settings.TRAINING_TASK_TIME_LIMIT,
    }
    errors = [
        Error(
            f"{name} ({limit} s) must be below the broker visibility timeout ({timeout} s).",
            hint="Raise CELERY_VISIBILITY_TIMEOUT or lower the task time limit.",
            id="backtracker_site.E001",
        )
        for name, limit in limits.items()
        if limit >= timeout
    ]
    soft_pairs = [
        ("CELERY_TASK_SOFT_TIME_LIMIT", "CELERY_TASK_TIME_LIMIT"),
        ("VIDEO_TASK_SOFT_TIME_LIMIT", "VIDEO_TASK_TIME_LIMIT"),
        ("TRAINING_TASK_SOFT_TIME_LIMIT", "TRAINING_TASK_TIME_LIMIT"),
    ]
    errors += [
        Error(
            f"{soft} must be below {hard}.",
            hint="The soft limit lets the task clean up before the hard limit kills it.",
            id="backtracker_site.E002",
        )
        for soft, hard in soft_pairs
        if getattr(settings, soft) >= getattr(settings, hard)
    ]
    return errors
