"""Factories and helpers for the exercises tests."""

from __future__ import annotations

import factory

from exercises.models import Exercise
from exercises.programme import Dosage
from exercises.seed_data import EXERCISES


class ExerciseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exercise
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"exercise-{n}")
    name = factory.Sequence(lambda n: f"Exercise {n}")
    purpose = "Practise control."
    instructions = "Step one.\nStep two."
    starting_position = "Standing"
    direction = Exercise.Direction.FLEXION_CONTROL
    category = Exercise.Category.MOTOR_CONTROL
    default_sets = 2
    default_reps = 10
    references = "O'Sullivan P. Man Ther. 2005;10(4):242-255."


def seed_library() -> dict[str, Dosage]:
    """The seeded library as the pure generator sees it."""
    return {e["slug"]: Dosage(sets=e["default_sets"], reps=e["default_reps"],
                              hold_seconds=e["default_hold_seconds"],
                              minutes=e["default_minutes"],
                              sessions_per_week=e["default_sessions_per_week"])
            for e in EXERCISES}
