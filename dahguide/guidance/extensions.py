"""Extension points of the editors' pages, for apps above guidance: guidance never imports them.

An app that knows something about a recommendation (issue 17's "not followed" feedback, say)
registers a panel in its ``AppConfig.ready``; the workspace shows every workspace panel in its
"From other apps" block, and a recommendation's admin page shows every recommendation panel
below the form, next to the content the editor edits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from dahguide.guidance.models import Recommendation

# (request) -> rendered HTML shown on the editor's workspace
WorkspacePanel = Callable[[HttpRequest], SafeString]
# (request, recommendation) -> rendered HTML shown on the recommendation's admin page
RecommendationPanel = Callable[[HttpRequest, "Recommendation"], SafeString]
_WORKSPACE_PANELS: list[WorkspacePanel] = []
_RECOMMENDATION_PANELS: list[RecommendationPanel] = []


def register_workspace_panel(panel: WorkspacePanel) -> None:
    if panel not in _WORKSPACE_PANELS:
        _WORKSPACE_PANELS.append(panel)


def register_recommendation_panel(panel: RecommendationPanel) -> None:
    if panel not in _RECOMMENDATION_PANELS:
        _RECOMMENDATION_PANELS.append(panel)


def workspace_panels(request: HttpRequest) -> list[SafeString]:
    return [panel(request) for panel in _WORKSPACE_PANELS]


def recommendation_panels(request: HttpRequest, recommendation: Recommendation) -> list[SafeString]:
    return [panel(request, recommendation) for panel in _RECOMMENDATION_PANELS]
