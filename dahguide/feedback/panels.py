"""The feedback shown inside other apps' pages, through their extension points (they never import
this app): the case page, the re-evaluation diff, the wizard's plan page, and for editors the
workspace and each recommendation's admin page (counts only, never a case or a user)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from dahguide.accounts.roles import PHYSICIAN, has_role
from dahguide.cases import selectors as case_selectors
from dahguide.cases.models import CaseRevision
from dahguide.cases.plan_diff import PlanDiff
from dahguide.feedback import selectors
from dahguide.feedback.forms import NotFollowedForm
from dahguide.guidance.models import Recommendation
from dahguide.plans.display import PlanView
from dahguide.wizard.models import DraftAssessment


def _marks_panel(request: HttpRequest, revision: CaseRevision, *, can_mark: bool, next_url: str = "") -> SafeString:
    marks = selectors.revision_marks(revision=revision)
    choices = selectors.unmarked_recommendations(revision, marks)
    form = NotFollowedForm(initial={"revision": revision.number}, recommendations=choices) if can_mark else None
    context = {
        "revision": revision,
        "marks": marks,
        "form": form if choices else None,
        "next": next_url,
        "action": reverse("feedback:not_followed", args=[revision.case_id]),
    }
    return render_to_string("feedback/_case_panel.html", context, request=request)


def case_panel(request: HttpRequest, revision: CaseRevision, is_current: bool) -> SafeString:
    """The recommendations not followed in the revision shown; physicians mark more on the current one."""
    return _marks_panel(request, revision, can_mark=is_current and has_role(request.user, PHYSICIAN))


def reevaluation_panel(request: HttpRequest, revision: CaseRevision, diff: PlanDiff) -> SafeString:
    """Under the diff: the recommendations not followed, and whether the current guideline still gives them."""
    marks = selectors.revision_marks(revision=revision)
    if not marks:
        return mark_safe("")
    removed = {r.code for r in diff.recommendations_removed}
    rows = [{"mark": m, "still_given": m.code not in removed} for m in marks]
    return render_to_string("feedback/_reevaluation_panel.html", {"rows": rows, "diff": diff}, request=request)


def plan_panel(request: HttpRequest, draft: DraftAssessment, plan: PlanView) -> SafeString:
    """On the wizard's plan page. A mark belongs to a saved revision, so before the case is saved
    the page only says where it will be; once saved, the plan page offers the same form as the case page."""
    link = case_selectors.draft_case_link(draft=draft)
    if link.saved_case_id is None:
        return render_to_string("feedback/_plan_unsaved.html", {}, request=request)
    revision = case_selectors.case_revision_get(case_id=link.saved_case_id, number=link.saved_number)
    is_current = revision.number == revision.case.revision_count
    return _marks_panel(
        request,
        revision,
        can_mark=is_current and has_role(request.user, PHYSICIAN),
        next_url=reverse("wizard:plan", args=[draft.pk]) + "#not-followed",
    )


def workspace_panel(request: HttpRequest) -> SafeString:
    """On the editors' workspace: where the counts of recommendations not followed are."""
    return render_to_string("feedback/_workspace_panel.html", {}, request=request)


def recommendation_panel(request: HttpRequest, recommendation: Recommendation) -> SafeString:
    """Below a recommendation's admin form: how often it was shown, followed and not followed, and why."""
    number = recommendation.version.number
    stats = selectors.recommendation_stats(number=number, code=recommendation.code)
    return render_to_string("feedback/_recommendation_panel.html", {"r": stats, "number": number}, request=request)
