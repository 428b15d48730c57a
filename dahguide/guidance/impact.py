"""Impact preview: which patients would get a different plan under a draft than under the published version.

Golden cases are always compared. Other apps add their own patients through a small registry,
so guidance never imports them (imports point downwards only): the saved-cases app, for
example, registers from its ``AppConfig.ready``::

    from dahguide.guidance.impact import register_impact_source

    register_impact_source("Saved cases", recent_saved_case_intakes)

A source is a callable returning an iterable of ``(label, url, intake)``: a label the reviewer
recognises (no patient identifiers), a relative URL to open it (or ""), and the intake as
``parse_intake`` reads it. It should yield the most recent first: the preview reads at most
``MAX_PER_SOURCE`` items of each source and says when it stopped there, so a reviewer's page
stays fast however many cases exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.urls import reverse

from dahguide.engine.content import Snapshot
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.engine.intake import parse_intake
from dahguide.engine.vocabulary import PLEX_CRITERIA
from dahguide.guidance.models import GoldenCase

MAX_PER_SOURCE = 200  # items read from each registered source, most recent first
GOLDEN_SOURCE = "Golden cases"

ImpactSource = Callable[[], Iterable[tuple[str, str, Mapping[str, Any]]]]
_SOURCES: dict[str, ImpactSource] = {}


def register_impact_source(name: str, source: ImpactSource) -> None:
    """Add (or replace) a named source of patients to compare; call it from ``AppConfig.ready``."""
    if name == GOLDEN_SOURCE:
        raise ValueError(f"'{GOLDEN_SOURCE}' is built in; choose another name.")
    _SOURCES[name] = source


def unregister_impact_source(name: str) -> None:
    _SOURCES.pop(name, None)


def registered_impact_sources() -> dict[str, ImpactSource]:
    return dict(_SOURCES)


@dataclass(frozen=True)
class PlanSummary:
    """What the preview compares: the decision, each criterion's status, the recommendation codes,
    the actions withheld and every dose as the plan shows it."""

    decision: str
    criteria: Mapping[str, str]
    recommendations: tuple[str, ...]
    withheld: tuple[str, ...] = ()
    doses: Mapping[str, str] = field(default_factory=dict)  # dose code -> "750 mg" or NOT_COMPUTABLE


@dataclass(frozen=True)
class CriterionChange:
    code: str
    old: str
    new: str


@dataclass(frozen=True)
class DoseChange:
    code: str
    old: str
    new: str


NOT_COMPUTABLE = "not computable (an input is missing)"
ABSENT = "—"


@dataclass(frozen=True)
class ImpactRow:
    source: str
    label: str
    url: str
    old: PlanSummary | None
    new: PlanSummary | None
    problem: str = ""  # why no plan could be compared (invalid intake, content the engine cannot use)

    @property
    def decision_changed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.decision != self.new.decision

    @property
    def criteria_changes(self) -> tuple[CriterionChange, ...]:
        if self.old is None or self.new is None:
            return ()
        return tuple(
            CriterionChange(code, self.old.criteria.get(code, "—"), self.new.criteria.get(code, "—"))
            for code in PLEX_CRITERIA
            if self.old.criteria.get(code) != self.new.criteria.get(code)
        )

    @property
    def recommendations_added(self) -> tuple[str, ...]:
        if self.old is None or self.new is None:
            return ()
        return tuple(c for c in self.new.recommendations if c not in self.old.recommendations)

    @property
    def recommendations_removed(self) -> tuple[str, ...]:
        if self.old is None or self.new is None:
            return ()
        return tuple(c for c in self.old.recommendations if c not in self.new.recommendations)

    @property
    def withheld_added(self) -> tuple[str, ...]:
        if self.old is None or self.new is None:
            return ()
        return tuple(c for c in self.new.withheld if c not in self.old.withheld)

    @property
    def withheld_removed(self) -> tuple[str, ...]:
        if self.old is None or self.new is None:
            return ()
        return tuple(c for c in self.old.withheld if c not in self.new.withheld)

    @property
    def dose_changes(self) -> tuple[DoseChange, ...]:
        if self.old is None or self.new is None:
            return ()
        codes = [*self.old.doses, *(c for c in self.new.doses if c not in self.old.doses)]
        return tuple(
            DoseChange(code, self.old.doses.get(code, ABSENT), self.new.doses.get(code, ABSENT))
            for code in codes
            if self.old.doses.get(code) != self.new.doses.get(code)
        )

    @property
    def changed(self) -> bool:
        return bool(
            self.problem
            or self.decision_changed
            or self.criteria_changes
            or self.recommendations_added
            or self.recommendations_removed
            or self.withheld_added
            or self.withheld_removed
            or self.dose_changes
        )


@dataclass(frozen=True)
class ImpactReport:
    rows: tuple[ImpactRow, ...]  # only the patients whose plan changes (or cannot be compared)
    compared: Mapping[str, int]  # source -> patients compared
    truncated: tuple[str, ...] = ()  # sources that had more than MAX_PER_SOURCE items
    failed_sources: Mapping[str, str] = field(default_factory=dict)  # source -> error

    @property
    def total_compared(self) -> int:
        return sum(self.compared.values())


def impact_preview(*, old: Snapshot, new: Snapshot, max_per_source: int = MAX_PER_SOURCE) -> ImpactReport:
    """Compare the plans of every golden case and of every registered source under two snapshots."""
    rows: list[ImpactRow] = []
    compared: dict[str, int] = {}
    truncated: list[str] = []
    failed: dict[str, str] = {}
    sources: dict[str, ImpactSource] = {GOLDEN_SOURCE: _golden_source, **_SOURCES}
    for name, source in sources.items():
        try:
            # One item more than the bound tells us whether the source was cut short.
            items = list(islice(source(), max_per_source + 1))
        except Exception as exc:  # noqa: BLE001 - a broken source must not hide the others
            failed[name] = f"{type(exc).__name__}: the source could not be read."
            continue
        if len(items) > max_per_source and name != GOLDEN_SOURCE:
            truncated.append(name)
            items = items[:max_per_source]
        compared[name] = len(items)
        for label, url, intake in items:
            row = _compare(name, label, url, intake, old, new)
            if row.changed:
                rows.append(row)
    return ImpactReport(tuple(rows), compared, tuple(truncated), failed)


def _golden_source() -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    for case in GoldenCase.objects.filter(active=True).only("pk", "name", "intake"):
        yield case.name, reverse("admin:guidance_goldencase_change", args=[case.pk]), case.intake


def _compare(source: str, label: str, url: str, intake: Mapping[str, Any], old: Snapshot, new: Snapshot) -> ImpactRow:
    url = url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else ""
    parsed = parse_intake(intake, implausible="unknown")
    if parsed.errors:
        return ImpactRow(source, label, url, None, None, f"Intake not valid: {', '.join(sorted(parsed.errors))}.")
    summaries: list[PlanSummary | None] = []
    problem = ""
    for snapshot in (old, new):
        try:
            document = evaluate_parsed(parsed, snapshot).document
        except ValueError as exc:
            summaries.append(None)
            problem = f"No plan under version {snapshot.version or 'draft'}: {exc}."
            continue
        summaries.append(_summary(document))
    return ImpactRow(source, label, url, summaries[0], summaries[1], problem)


def _summary(plan: Mapping[str, Any]) -> PlanSummary:
    """The parts of a plan document (CONTRACT) the preview compares."""
    recommendations = plan["recommendations"]
    return PlanSummary(
        decision=plan["plasma_exchange"]["decision"],
        criteria={c["code"]: c["status"] for c in plan["plasma_exchange"]["criteria"]},
        recommendations=tuple(r["code"] for r in recommendations),
        withheld=tuple(w["code"] for w in plan.get("withheld", [])),
        doses={
            d["code"]: NOT_COMPUTABLE if d.get("amount") is None else f"{d['amount']} {d.get('unit', '')}".rstrip()
            for r in recommendations
            for d in r.get("doses", [])
        },
    )
