"""Extension points of the wizard's pages, for apps above it: the wizard never imports them.

The saved cases put their save form on the plan page this way (``CasesConfig.ready``), so the
wizard's templates load no tags of the cases app and the two apps do not import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from dahguide.plans.display import PlanView
    from dahguide.wizard.models import DraftAssessment

# (request, draft, plan) -> rendered HTML shown after the plan, before its footer
PlanPanel = Callable[[HttpRequest, "DraftAssessment", "PlanView"], SafeString]
_PLAN_PANELS: list[PlanPanel] = []


def register_plan_panel(panel: PlanPanel) -> None:
    if panel not in _PLAN_PANELS:
        _PLAN_PANELS.append(panel)


def plan_panels(request: HttpRequest, draft: DraftAssessment, plan: PlanView) -> list[SafeString]:
    """Every registered panel's HTML for this plan page, in registration order."""
    return [panel(request, draft, plan) for panel in _PLAN_PANELS]
