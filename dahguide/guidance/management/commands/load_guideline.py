"""Load the guideline content file and publish it (first run) or add it as a new version.

Then load the golden cases (``load_golden_cases``): the reviewer's gate needs them from day one.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from dahguide.guidance.selectors import get_published_version
from dahguide.guidance.services import guideline_import

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "guideline.json"


class Command(BaseCommand):
    help = "Import and publish the guideline content file unless a version is already published."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help=f"Default: {DEFAULT_FILE}")
        parser.add_argument(
            "--force-new-version",
            action="store_true",
            help="Publish the file as a new version even when one is published (the old one is retired).",
        )

    def handle(self, *args, file: Path, force_new_version: bool, **options):
        self._load_guideline(file, force_new_version)
        call_command("load_golden_cases", stdout=self.stdout, stderr=self.stderr)

    def _load_guideline(self, file: Path, force_new_version: bool) -> None:
        published = get_published_version()
        if published and not force_new_version:
            self.stdout.write(
                f"Guideline version {published.number} is already published; nothing loaded. "
                "Use --force-new-version to publish the file as a new version."
            )
            return
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}.") from exc
        try:
            version = guideline_import(document=document, publish=True, change_summary=f"Loaded from {file.name}.")
        except ValidationError as exc:
            raise CommandError(f"{file} was not loaded:\n" + "\n".join(f"- {m}" for m in exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Published guideline version {version.number} ({version.content_hash[:12]}).")
        )
