"""Add the golden cases of the seed file that the database does not hold yet (never overwrites)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dahguide.guidance.golden import GOLDEN_CASES_FILE, golden_cases_load, golden_cases_read


class Command(BaseCommand):
    help = "Load the golden cases file; cases already present (by name) are kept as editors left them."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=GOLDEN_CASES_FILE, help=f"Default: {GOLDEN_CASES_FILE}")

    def handle(self, *args, file: Path, **options):
        try:
            cases = golden_cases_read(file)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}.") from exc
        try:
            created = golden_cases_load(cases=cases)
        except ValidationError as exc:
            raise CommandError(f"{file} was not loaded:\n" + "\n".join(f"- {m}" for m in exc.messages)) from exc
        self.stdout.write(f"Golden cases: {created} added, {len(cases) - created} already present.")
