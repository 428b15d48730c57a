"""Plans built by the engine from the real content file, without a database (the display is pure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_CASES = {c["name"]: c["intake"] for c in json.loads((ROOT / "fixtures" / "golden_cases.json").read_text())}
# GPA on high-flow oxygen with creatinine 1.8 mg/dL (plasma exchange: consider).
GPA = {
    "age_years": 54,
    "etiology": "gpa",
    "anca_type": "pr3",
    "anti_gbm_positive": False,
    "active_dah": True,
    "pregnancy_status": "not_applicable",
    "oxygen_support": "high_flow",
    "spo2_percent": 92,
    "creatinine_value": 1.8,
    "creatinine_unit": "mg/dL",
    "on_dialysis": False,
    "platelets_10e9_per_l": 180,
    "infection_status": "excluded",
    "refractory_to_initial_therapy": False,
}


@pytest.fixture(scope="session")
def content() -> Snapshot:
    return Snapshot.from_dict(json.loads((ROOT / "fixtures" / "guideline.json").read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def plan_doc(content):
    def make(intake: dict[str, Any]) -> dict[str, Any]:
        return evaluate(parse_intake(intake, implausible="unknown"), content).to_dict()

    return make
