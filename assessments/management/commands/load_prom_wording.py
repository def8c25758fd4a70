"""Load licensed questionnaire wording: a JSON file {code: {"version": v, "items": {n: text}}}."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Instrument
from assessments.services import instrument_load_wording


class Command(BaseCommand):
    help = "Attach licensed item wording to questionnaire versions."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            content = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        for code, entry in content.items():
            try:
                instrument_load_wording(code=code, version=entry["version"], items=entry["items"])
            except Instrument.DoesNotExist:
                raise CommandError(f"no instrument {code} version {entry.get('version')}") from None
            except (KeyError, ValueError, TypeError) as exc:
                raise CommandError(f"{code}: {exc}") from exc
            self.stdout.write(f"loaded wording for {code} {entry['version']}")
