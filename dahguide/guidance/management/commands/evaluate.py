"""Print the plan JSON (CONTRACT) for an intake JSON, using the published guideline."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError

from dahguide.engine.evaluation import evaluate_intake
from dahguide.guidance.selectors import get_published_snapshot

EXIT_INVALID_INTAKE = 1
EXIT_NO_GUIDELINE = 2


class Command(BaseCommand):
    help = 'Evaluate an intake JSON file ("-" for standard input) and print the plan as JSON.'

    def add_arguments(self, parser):
        parser.add_argument("source", help='Path to the intake JSON, or "-" to read standard input.')

    def handle(self, *args, source: str, **options):
        snapshot = get_published_snapshot()
        if snapshot is None:
            raise CommandError(
                "No guideline version is published; run `manage.py load_guideline` first.",
                returncode=EXIT_NO_GUIDELINE,
            )
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {source}: {exc.strerror}.") from exc
        except UnicodeDecodeError:
            self._fail({"__all__": ["The input is not UTF-8 text."]})
        try:
            data = json.loads(text)
        except RecursionError:
            self._fail({"__all__": ["The input is not valid JSON: it is nested too deeply."]})
        except ValueError as exc:  # JSONDecodeError, or a number with more digits than Python converts
            self._fail({"__all__": [f"The input is not valid JSON: {exc}."]})
        evaluation = evaluate_intake(data, snapshot)
        if evaluation.errors:
            self._fail(evaluation.errors)
        self.stdout.write(json.dumps(evaluation.document, indent=2, ensure_ascii=False))

    def _fail(self, errors: Any) -> NoReturn:
        # Plain JSON on stderr (no colour) so a script can parse it; then a non-zero exit.
        self.stderr.write(json.dumps({"errors": dict(errors)}, indent=2, ensure_ascii=False), style_func=str)
        raise SystemExit(EXIT_INVALID_INTAKE)
