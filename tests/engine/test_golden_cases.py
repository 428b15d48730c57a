"""The golden cases (golden_cases.py) through parse_intake and evaluate, as the API runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dahguide.engine.content import Snapshot
from dahguide.engine.vocabulary import CRITERION_STATUSES, ETIOLOGIES, PLEX_CRITERIA, PLEX_DECISIONS
from tests.engine.golden_cases import GOLDEN_CASES
from tests.engine.snapshot_factory import plan_for

CASES = [pytest.param(case, id=case["name"]) for case in GOLDEN_CASES]


@pytest.mark.parametrize("case", CASES)
def test_golden_case_decision(case: dict[str, Any], snapshot: Snapshot) -> None:
    assert plan_for(case["intake"], snapshot).plasma_exchange.decision == case["decision"]


@pytest.mark.parametrize("case", CASES)
def test_golden_case_criteria(case: dict[str, Any], snapshot: Snapshot) -> None:
    document = plan_for(case["intake"], snapshot).to_dict()["plasma_exchange"]
    assert {c["code"]: c["status"] for c in document["criteria"]} == case["criteria"]
    if "criteria_met" in case:
        assert document["criteria_met"] == case["criteria_met"]


@pytest.mark.parametrize("case", CASES)
def test_golden_case_derived(case: dict[str, Any], snapshot: Snapshot) -> None:
    derived = plan_for(case["intake"], snapshot).to_dict()["derived"]
    assert {name: derived[name] for name in case.get("derived", {})} == case.get("derived", {})


@pytest.mark.parametrize("case", CASES)
def test_golden_case_warnings(case: dict[str, Any], snapshot: Snapshot) -> None:
    codes = {w["code"] for w in plan_for(case["intake"], snapshot).to_dict()["warnings"]}
    assert set(case.get("warnings", ())) <= codes


def test_there_are_at_least_35_golden_cases_with_unique_names() -> None:
    names = [case["name"] for case in GOLDEN_CASES]
    assert len(names) >= 35
    assert len(set(names)) == len(names)


def test_golden_cases_cover_every_etiology_and_decision() -> None:
    etiologies = {case["intake"].get("etiology") for case in GOLDEN_CASES}
    assert set(ETIOLOGIES) <= etiologies
    assert None in etiologies
    assert {case["decision"] for case in GOLDEN_CASES} == set(PLEX_DECISIONS)


def test_golden_cases_cover_every_status_of_every_criterion() -> None:
    seen = {(code, case["criteria"][code]) for case in GOLDEN_CASES for code in PLEX_CRITERIA}
    assert seen == {(code, status) for code in PLEX_CRITERIA for status in CRITERION_STATUSES}


def test_golden_cases_cover_every_creatinine_unit() -> None:
    assert {case["intake"].get("creatinine_unit") for case in GOLDEN_CASES} >= {"mg/dL", "umol/L", "mmol/L"}


FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "guideline.json"


@pytest.fixture(scope="module")
def published() -> Snapshot:
    if not FIXTURE.exists():
        pytest.skip("fixtures/guideline.json not written yet")
    return Snapshot.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


@pytest.mark.parametrize("case", CASES)
def test_golden_case_holds_with_the_published_content(case: dict[str, Any], published: Snapshot) -> None:
    # Decisions, criteria and derived facts depend on thresholds only, never on content wording or rules.
    document = plan_for(case["intake"], published).to_dict()
    assert document["plasma_exchange"]["decision"] == case["decision"]
    assert {c["code"]: c["status"] for c in document["plasma_exchange"]["criteria"]} == case["criteria"]
    assert {name: document["derived"][name] for name in case.get("derived", {})} == case.get("derived", {})
    assert set(case.get("warnings", ())) <= {w["code"] for w in document["warnings"]}
