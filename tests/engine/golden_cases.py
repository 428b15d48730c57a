"""Golden cases of the engine, read from ``fixtures/golden_cases.json``.

The same file seeds the golden cases editors keep as content (``load_guideline`` loads it into
``GoldenCase`` rows), so the engine's tests and the reviewer's gate start from one list. Each case
in the file: ``name``, ``description``, ``intake`` (JSON as the API receives it), the expected
plasma-exchange ``expected_decision``, ``expected_criteria`` (the status of all four criteria),
``expected_derived`` (a subset of the plan's ``derived`` block), ``expected_warnings``
(warning codes that must be present) and the recommendation codes ``expected_present`` /
``expected_absent``, which depend on the real content and are checked against it by
``tests/guidance``. The other expectations depend only on the thresholds of the design doc
(docs/design/engine-and-content.md), not on the wording or applicability rules of content.

``GOLDEN_CASES`` gives each case in the shape the engine tests read: ``name``, ``intake``,
``decision``, ``criteria``, ``criteria_met`` (the met criteria in engine order), ``derived``,
``warnings``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dahguide.engine.vocabulary import PLEX_CRITERIA

GOLDEN_CASES_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "golden_cases.json"


def _engine_case(entry: dict[str, Any]) -> dict[str, Any]:
    criteria = entry["expected_criteria"]
    return {
        "name": entry["name"],
        "intake": entry["intake"],
        "decision": entry["expected_decision"],
        "criteria": criteria,
        "criteria_met": [code for code in PLEX_CRITERIA if criteria.get(code) == "met"],
        "derived": entry.get("expected_derived", {}),
        "warnings": entry.get("expected_warnings", []),
    }


GOLDEN_CASES: list[dict[str, Any]] = [
    _engine_case(entry) for entry in json.loads(GOLDEN_CASES_FILE.read_text(encoding="utf-8"))
]

# Everything known and negative: an MPA patient on room air with normal kidney function.
NEGATIVE: dict[str, Any] = next(
    case["intake"] for case in GOLDEN_CASES if case["name"] == "mpa_everything_known_and_negative_not_indicated"
)
