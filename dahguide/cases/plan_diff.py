"""What would change in a plan: two plan documents (``Plan.to_dict()``) compared by code.

The decision, the criteria and the recommendations are compared by the guidance impact preview's
``ImpactRow`` (one definition of "the plan changed" for reviewers and residents); warnings, which
that preview does not compare, are added here. Wording is not compared: a saved plan keeps the
words it was shown with, and the guideline's own version diff lists wording changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dahguide.guidance.impact import CriterionChange, ImpactRow, PlanSummary


@dataclass(frozen=True)
class ItemRef:
    code: str
    text: str  # the recommendation title or warning text, from the plan it appears in


@dataclass(frozen=True)
class PlanDiff:
    old_version: str
    new_version: str
    old_decision: str
    new_decision: str
    criteria: tuple[CriterionChange, ...]
    recommendations_added: tuple[ItemRef, ...]
    recommendations_removed: tuple[ItemRef, ...]
    warnings_added: tuple[ItemRef, ...]
    warnings_removed: tuple[ItemRef, ...]

    @property
    def decision_changed(self) -> bool:
        return self.old_decision != self.new_decision

    @property
    def is_empty(self) -> bool:
        return not (
            self.decision_changed
            or self.criteria
            or self.recommendations_added
            or self.recommendations_removed
            or self.warnings_added
            or self.warnings_removed
        )


def plan_summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The codes of a plan document, JSON-ready: stored with each revision for the list and export."""
    plex = doc["plasma_exchange"]
    return {
        "decision": plex["decision"],
        "criteria": {c["code"]: c["status"] for c in plex["criteria"]},
        "recommendations": [r["code"] for r in doc["recommendations"]],
        "warnings": [w["code"] for w in doc["warnings"]],
        "monitoring": [m["code"] for m in doc["monitoring"]],
    }


def _impact_summary(doc: Mapping[str, Any]) -> PlanSummary:
    codes = plan_summary(doc)
    return PlanSummary(codes["decision"], codes["criteria"], tuple(codes["recommendations"]))


def diff_plans(old: Mapping[str, Any], new: Mapping[str, Any]) -> PlanDiff:
    row = ImpactRow("", "", "", _impact_summary(old), _impact_summary(new))
    old_recs = {r["code"]: r["title"] for r in old["recommendations"]}
    new_recs = {r["code"]: r["title"] for r in new["recommendations"]}
    old_warnings = {w["code"]: w["text"] for w in old["warnings"]}
    new_warnings = {w["code"]: w["text"] for w in new["warnings"]}
    return PlanDiff(
        old_version=str(old["guideline"]["version"]),
        new_version=str(new["guideline"]["version"]),
        old_decision=old["plasma_exchange"]["decision"],
        new_decision=new["plasma_exchange"]["decision"],
        criteria=row.criteria_changes,
        recommendations_added=tuple(ItemRef(c, new_recs[c]) for c in row.recommendations_added),
        recommendations_removed=tuple(ItemRef(c, old_recs[c]) for c in row.recommendations_removed),
        warnings_added=tuple(ItemRef(c, t) for c, t in new_warnings.items() if c not in old_warnings),
        warnings_removed=tuple(ItemRef(c, t) for c, t in old_warnings.items() if c not in new_warnings),
    )
