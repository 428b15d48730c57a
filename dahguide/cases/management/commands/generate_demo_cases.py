"""Bulk-create synthetic saved cases, evaluated by the engine under the published guideline."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dahguide.cases import demo, services
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.engine.intake import parse_intake
from dahguide.guidance.selectors import get_published_snapshot


class Command(BaseCommand):
    help = "Create N synthetic saved cases (labels 'Demo case 00042', no identifiers) for demos and benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="How many cases to create.")
        parser.add_argument("--author", required=True, help="Username of the physician who 'saved' them.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (same seed, same cases).")
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--days", type=int, default=730, help="Spread the save dates over this many past days.")

    def handle(self, *args, count: int, author: str, seed: int, batch_size: int, days: int, **options) -> None:
        if count < 1:
            raise CommandError("--count must be at least 1.")
        try:
            user = get_user_model().objects.get(username=author)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user '{author}'.") from exc
        snapshot = get_published_snapshot()
        if snapshot is None:
            raise CommandError("No guideline version is published: run load_guideline first.")
        rng = random.Random(seed)  # noqa: S311 - synthetic demo data, reproducible by seed
        now = timezone.now()
        created = 0
        for start in range(0, count, batch_size):
            plans = []
            for index in range(start, min(start + batch_size, count)):
                result = parse_intake(demo.random_intake(rng), implausible="unknown")
                plan = services.SavedPlan(evaluate_parsed(result, snapshot).document, snapshot.title)
                at = now - timedelta(seconds=rng.randint(0, days * 24 * 3600))
                plans.append((demo.demo_label(index), plan, at))
            created += len(services.cases_bulk_create(author=user, plans=plans, batch_size=batch_size))
            self.stdout.write(f"{created} of {count} cases created")
        self.stdout.write(self.style.SUCCESS(f"Created {created} demo cases for {author}."))
