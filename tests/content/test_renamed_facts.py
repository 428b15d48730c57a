"""Content published under a fact's old name (vocabulary.RENAMED_FACTS) gives the same plans (pure Python).

A published version is never edited, so a deployment's published content keeps the names it was
written with; the engine must read them as today's facts, for every golden patient.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dahguide.engine import vocabulary
from dahguide.engine.content import Snapshot, rule_from_data
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate

ROOT = Path(__file__).resolve().parents[2]
CURRENT = (ROOT / "fixtures" / "guideline.json").read_text(encoding="utf-8")
CASES = json.loads((ROOT / "fixtures" / "golden_cases.json").read_text(encoding="utf-8"))


def _published_under_old_names() -> str:
    text = CURRENT
    for old, new in vocabulary.RENAMED_FACTS.items():
        text = text.replace(f'"fact": "{new}"', f'"fact": "{old}"')
    assert text != CURRENT, "the shipped content names no renamed fact: this test would check nothing"
    return text


SNAPSHOT = Snapshot.from_dict(json.loads(CURRENT))
OLD_SNAPSHOT = Snapshot.from_dict(json.loads(_published_under_old_names()))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_content_under_the_old_fact_names_gives_the_same_plan(case: dict[str, Any]) -> None:
    intake = parse_intake(case["intake"], implausible="unknown")
    assert evaluate(intake, OLD_SNAPSHOT).to_dict() == evaluate(intake, SNAPSHOT).to_dict()


def test_an_old_name_in_a_rule_reads_as_the_current_fact() -> None:
    rule = rule_from_data([[{"fact": "age_over_65", "op": "is_true"}, {"fact": "paediatric", "op": "is_false"}]])
    assert [c.fact for c in rule[0]] == ["older_age_prognosis", "paediatric"]


def test_every_new_name_is_a_fact_and_no_old_name_is() -> None:
    assert set(vocabulary.RENAMED_FACTS.values()) <= set(vocabulary.FACTS)
    assert not set(vocabulary.RENAMED_FACTS) & set(vocabulary.FACTS)


def test_an_editor_writing_an_old_name_is_told_the_new_one() -> None:
    assert vocabulary.validate_condition("egfr_below_30", "is_true") == [
        "'egfr_below_30' was renamed; use 'egfr_low' (eGFR below the low-eGFR threshold)."
    ]
