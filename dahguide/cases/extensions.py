"""Extension points of the saved cases, for apps above them: the cases never import those apps.

- A *case panel* is HTML shown on the case page after the plan as decided (recommendations not
  followed: ``dahguide.feedback``).
- A *re-evaluation panel* is HTML shown under the re-evaluation diff.
- A *revisions-saved listener* is called inside the saving transaction with the revisions just
  written (so what it records commits, or rolls back, with them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from dahguide.cases.models import CaseRevision
    from dahguide.cases.plan_diff import PlanDiff

# (request, revision shown, whether it is the current one) -> HTML
CasePanel = Callable[[HttpRequest, "CaseRevision", bool], SafeString]
# (request, the current revision, its diff against the plan published now) -> HTML
ReevaluationPanel = Callable[[HttpRequest, "CaseRevision", "PlanDiff"], SafeString]
RevisionsSaved = Callable[[Sequence["CaseRevision"]], None]

_CASE_PANELS: list[CasePanel] = []
_REEVALUATION_PANELS: list[ReevaluationPanel] = []
_REVISIONS_SAVED: list[RevisionsSaved] = []


def _register(registry: list, item: Callable) -> None:
    if item not in registry:
        registry.append(item)


def register_case_panel(panel: CasePanel) -> None:
    _register(_CASE_PANELS, panel)


def register_reevaluation_panel(panel: ReevaluationPanel) -> None:
    _register(_REEVALUATION_PANELS, panel)


def register_revisions_saved(listener: RevisionsSaved) -> None:
    _register(_REVISIONS_SAVED, listener)


def case_panels(request: HttpRequest, revision: CaseRevision, is_current: bool) -> list[SafeString]:
    return [panel(request, revision, is_current) for panel in _CASE_PANELS]


def reevaluation_panels(request: HttpRequest, revision: CaseRevision, diff: PlanDiff) -> list[SafeString]:
    return [panel(request, revision, diff) for panel in _REEVALUATION_PANELS]


def revisions_saved(revisions: Sequence[CaseRevision]) -> None:
    for listener in _REVISIONS_SAVED:
        listener(revisions)
