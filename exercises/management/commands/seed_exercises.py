from __future__ import annotations

from django.core.management.base import BaseCommand

from exercises.services import exercises_seed


class Command(BaseCommand):
    help = "Create or refresh the seeded exercise library (safe to run again)."

    def handle(self, *args, **options) -> None:
        created, updated = exercises_seed()
        self.stdout.write(f"Exercise library: {created} created, {updated} refreshed.")
