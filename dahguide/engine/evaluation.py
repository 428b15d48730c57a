"""The engine's one entry point: an intake in, its evaluation out (the errors, or the plan).

Every caller (the wizard, saved cases, the API, CDS Hooks, the command line, golden cases) goes
through here rather than chaining ``parse_intake`` and ``evaluate`` and converting to a document
itself, so "an intake with errors has no plan" is decided in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import IntakeResult, parse_intake
from dahguide.engine.plan import Plan, evaluate


@dataclass(frozen=True)
class Evaluation:
    """One intake under one guideline snapshot: its parse and, when it has no errors, its plan."""

    intake: IntakeResult
    plan: Plan | None

    @property
    def errors(self) -> Mapping[str, list[str]]:
        """Input name -> messages; empty exactly when there is a plan."""
        return self.intake.errors

    @cached_property
    def document(self) -> dict[str, Any]:
        """The plan as the JSON document of CONTRACT.md (what is shown, saved and sent)."""
        if self.plan is None:
            raise ValueError(f"an intake with errors has no plan: {sorted(self.errors)}")
        return self.plan.to_dict()


def evaluate_parsed(result: IntakeResult, snapshot: Snapshot) -> Evaluation:
    """The evaluation of an intake already parsed (the wizard parses its raw answers itself)."""
    return Evaluation(result, evaluate(result, snapshot) if result.intake is not None else None)


def evaluate_intake(
    data: Any, snapshot: Snapshot, *, implausible: Literal["error", "unknown"] = "unknown"
) -> Evaluation:
    """Parse JSON-like intake data (``parse_intake``'s rules) and evaluate it."""
    return evaluate_parsed(parse_intake(data, implausible=implausible), snapshot)
