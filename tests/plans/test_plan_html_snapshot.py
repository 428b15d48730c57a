"""The plan's markup on the wizard's plan page, compared byte for byte with a committed snapshot.

One golden case (fixtures/golden_cases.json) per shape of plan: doses waiting for the weight,
guidelines that disagree, caveats with withheld actions (and a recommendation changed in this
version), every criterion unknown, caveats not recorded with doses per population, and doses whose
sources differ. The page is fetched as a physician would fetch it; the plan
(``<div class="plan" id="plan">`` and all inside it) is cut out, ``normalise``d, and compared with
tests/plans/snapshots/<case>.html. A difference fails with a unified diff, one tag per line.

After an intended change to the plan's markup, regenerate the snapshots and review their diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest -p no:xdist tests/plans/test_plan_html_snapshot.py
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from dahguide.engine.intake import STEPS
from dahguide.guidance.selectors import clear_snapshot_cache
from dahguide.wizard import services
from dahguide.wizard.answers import answers_from_inputs

from .conftest import GOLDEN_CASES

pytestmark = pytest.mark.django_db

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
CASES = (
    "paediatric_pulse_weight_needed",
    "creatinine_5_cyclophosphamide_named_with_its_dose",
    "ecmo_heparin_circuit_no_separate_prophylaxis",
    "empty_intake_is_insufficient_with_every_criterion_unknown",
    "steroid_toxicity_risk_given_directly_is_kept",
    "cyclophosphamide_age_70_sources_differ",
)
# The ECMO case also shows one recommendation as changed in the published version (its own query).
CHANGED = {"ecmo_heparin_circuit_no_separate_prophylaxis": {"mechanical_prophylaxis": "Shorter title."}}
PLAN_START = '<div class="plan" id="plan">'
DIV = re.compile(r"<div\b|</div>")
TAG_BOUNDARY = re.compile(r"><")


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    # Test databases roll back: never let a cached guideline snapshot outlive its version.
    clear_snapshot_cache()
    yield
    clear_snapshot_cache()


def normalise(html: str, *, draft_id: str) -> str:
    """The only part of the plan that varies between runs: the draft's id in links to its steps."""
    return html.replace(draft_id, "DRAFT-ID")


def plan_markup(page: str) -> str:
    """The plan's element, from its opening tag to the matching ``</div>``."""
    start = page.index(PLAN_START)
    depth = 0
    for tag in DIV.finditer(page, start):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return page[start : tag.end()] + "\n"
    raise AssertionError("the plan's <div> is not closed")


def _diff_lines(html: str) -> list[str]:
    # A recommendation is one line of a few thousand characters: show the diff a tag per line.
    return TAG_BOUNDARY.sub(">\n<", html).splitlines(keepends=True)


def _plan_page(client, owner, intake) -> tuple[str, str]:
    draft = services.draft_create(owner=owner, first_step=STEPS[0].code)
    answers = answers_from_inputs(intake)
    services.draft_save_answers(draft=draft, answers=answers, current_step="review", complete=[s.code for s in STEPS])
    response = client.get(reverse("wizard:plan", args=[draft.pk]))
    assert response.status_code == 200
    return response.content.decode(), str(draft.pk)


@pytest.mark.parametrize("case", CASES)
def test_the_plan_markup_matches_its_snapshot(case, client, physician, published_guideline, monkeypatch):
    changed = CHANGED.get(case, {})
    monkeypatch.setattr("dahguide.guidance.selectors.recently_changed", lambda *_, **__: changed)
    client.force_login(physician)
    page, draft_id = _plan_page(client, physician, GOLDEN_CASES[case])
    html = normalise(plan_markup(page), draft_id=draft_id)
    snapshot = SNAPSHOTS / f"{case}.html"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        snapshot.write_text(html, encoding="utf-8")
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run with UPDATE_SNAPSHOTS=1 and commit it"
    expected = snapshot.read_text(encoding="utf-8")
    if html != expected:
        diff = difflib.unified_diff(
            _diff_lines(expected),
            _diff_lines(html),
            f"snapshots/{snapshot.name}",
            "rendered now",
        )
        pytest.fail("The plan's markup changed (UPDATE_SNAPSHOTS=1 to accept):\n" + "".join(diff), pytrace=False)


def test_plan_markup_is_the_plan_element_and_nothing_after_it():
    page = f'<main><div class="x">{PLAN_START}<div><div></div></div></div><p>after</p></div></main>'
    assert plan_markup(page) == f"{PLAN_START}<div><div></div></div></div>\n"
