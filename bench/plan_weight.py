"""The plan page's HTML weight: bytes of the wizard's plan page for every golden case the wizard accepts.

In process (Django's test client, no server), so it runs in seconds and in the test suite
(tests/bench/test_plan_weight.py keeps the page from growing past ``BEFORE``). The full bench
(``python -m bench``) reports it beside its other byte measures.

    python -m bench.plan_weight            # a throw-away SQLite database; prints the table as JSON

A draft is made per answer set through the wizard's services (no HTTP for the steps), then the
plan page is requested once warm. The body is counted as sent by the app (uncompressed HTML).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The plan page's bytes per golden case before issue 13 ("Answer first"): this module run on the
# plan page of commit accbd09 with the guideline content of commit 18d0dda (bench/plan_weight_before.json).
# Before that content, on commit 60004cb's 48 golden cases, the largest page was 57,317 bytes.
BEFORE_FILE = Path(__file__).resolve().parent / "plan_weight_before.json"


def before() -> dict[str, int]:
    return json.loads(BEFORE_FILE.read_text(encoding="utf-8"))["pages"]


@dataclass(frozen=True)
class PlanWeight:
    pages: dict[str, int]  # answer set name -> HTML bytes

    @property
    def largest(self) -> tuple[str, int]:
        name = max(self.pages, key=self.pages.__getitem__)
        return name, self.pages[name]

    @property
    def total(self) -> int:
        return sum(self.pages.values())

    @property
    def median(self) -> float:
        return statistics.median(self.pages.values())

    def summary(self) -> dict[str, object]:
        name, largest = self.largest
        return {
            "cases": len(self.pages),
            "largest": largest,
            "largest_case": name,
            "median": self.median,
            "total": self.total,
        }

    def grown(self, reference: dict[str, int]) -> dict[str, tuple[int, int]]:
        """The cases whose page is larger than in ``reference``: name -> (before, now)."""
        return {n: (reference[n], b) for n, b in self.pages.items() if n in reference and b > reference[n]}


def measure(user) -> PlanWeight:
    """The plan page's bytes for each golden case the wizard accepts (bench.scenario.answer_sets)."""
    from django.test import Client
    from django.urls import reverse

    from bench.scenario import answer_sets
    from dahguide.wizard import services
    from dahguide.wizard.answers import STEP_CODES

    # As the proxy sends requests (the full bench runs with production settings: HTTPS only).
    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    pages: dict[str, int] = {}
    for answer_set in answer_sets():
        draft = services.draft_create(owner=user, first_step=STEP_CODES[0])
        services.draft_save_answers(draft=draft, answers=answer_set.answers, current_step="review", complete=STEP_CODES)
        url = reverse("wizard:plan", args=[draft.pk])
        client.get(url)  # warm the snapshot cache and the markdown cache
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{answer_set.name}: plan page HTTP {response.status_code}")
        pages[answer_set.name] = len(response.content)
        draft.delete()
    return PlanWeight(pages)


def main() -> int:
    """Measure on a fresh SQLite database in a temporary folder (migrate, load the guideline, one physician)."""
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(folder) / 'weight.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dahguide.settings_test")
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import logging

        import django

        django.setup()
        logging.disable(logging.CRITICAL)  # the request and security logs would drown the table
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core.management import call_command

        from dahguide.accounts.roles import PHYSICIAN

        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_guideline", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        user = get_user_model().objects.create_user("bench_weight")  # force_login: no password
        user.groups.add(Group.objects.get(name=PHYSICIAN))
        weight = measure(user)
    reference = before()
    shared = [n for n in weight.pages if n in reference]
    comparison = {
        "cases_compared": len(shared),
        "before_total": sum(reference[n] for n in shared),
        "now_total": sum(weight.pages[n] for n in shared),
        "before_largest": max(reference[n] for n in shared) if shared else None,
        "grown": weight.grown(reference),
    }
    print(json.dumps({"summary": weight.summary(), "versus_before": comparison, "pages": weight.pages}, indent=1))
    return 1 if comparison["grown"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
