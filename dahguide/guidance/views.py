"""The reviewers' pages, served inside the admin (``GuidelineVersionAdmin.get_urls``), and the
physicians' "What changed" page (``urls``).

Thin: each view checks the role, reads through selectors (or runs a service), and renders a
template that extends the admin's. The admin site supplies login, staff check and CSRF.
Editors and reviewers may read every page; the services decide who may take which step.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from dahguide.accounts.access import role_required
from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR, ROLES, has_role
from dahguide.engine.content import Snapshot
from dahguide.guidance.diff import diff_documents
from dahguide.guidance.extensions import workspace_panels
from dahguide.guidance.golden import golden_cases_run
from dahguide.guidance.impact import MAX_PER_SOURCE, impact_preview
from dahguide.guidance.models import GuidelineVersion
from dahguide.guidance.selectors import (
    get_open_version,
    get_published_version,
    get_version,
    get_version_for_review,
    published_changes,
    version_authors,
    version_baseline,
    version_document,
    version_transitions,
    versions_newest_first,
)
from dahguide.guidance.workflow import (
    ACTIONS,
    TWO_PERSON_RULE,
    available_actions,
    submission_check,
    version_create_draft,
    version_run_action,
)
from dahguide.guidance.workspace import workspace_for


class DraftCreateForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text="Leave empty to keep the published version's title.",
    )


class VersionPairForm(forms.Form):
    """Which two versions to compare (by number); GET, so no CSRF token is needed."""

    old = forms.TypedChoiceField(label="Compare", coerce=int, required=False)
    new = forms.TypedChoiceField(label="with", coerce=int, required=False)

    def __init__(self, *args: Any, versions: list[GuidelineVersion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(v.number, f"{v.number}: {v.title} ({v.get_status_display().lower()})") for v in versions]
        self.fields["old"].choices = self.fields["new"].choices = choices


@role_required(*ROLES, refusal="What changed in the guideline is shown to the product's users.")
def what_changed(request: HttpRequest) -> HttpResponse:
    """Every published version's change notes, newest first: what a physician should know changed."""
    return render(request, "guidance/what_changed.html", {"versions": published_changes()})


def workspace(request: HttpRequest) -> HttpResponse:
    """The content roles' home: my drafts and their golden cases, waiting for my review, recently published.

    Apps above guidance add their own blocks through ``extensions.register_workspace_panel``.
    """
    _require(request, CONTENT_EDITOR, CLINICAL_REVIEWER)
    return render(
        request,
        "guidance/admin/workspace.html",
        _context(
            request,
            "Your workspace",
            workspace=workspace_for(user=request.user),
            panels=workspace_panels(request),
        ),
    )


def version_create(request: HttpRequest, *, model_admin) -> HttpResponse:
    """The admin's "add version": a new draft as a copy of the published version."""
    _require(request, CONTENT_EDITOR)
    form = DraftCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = version_create_draft(user=request.user, title=form.cleaned_data["title"])
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"Version {version.number} created as a draft copy of the published content.")
            return HttpResponseRedirect(reverse("admin:guidance_guidelineversion_review", args=[version.pk]))
    return render(
        request,
        "guidance/admin/create_draft.html",
        _context(
            request,
            "Start a new draft version",
            form=form,
            published=get_published_version(),
            open_version=get_open_version(),
        ),
    )


def version_review(request: HttpRequest, pk: int) -> HttpResponse:
    """One version's status, workflow log, available steps, golden cases, impact and changes."""
    _require(request, CONTENT_EDITOR, CLINICAL_REVIEWER)
    version = get_version_for_review(pk=pk)
    document = version_document(version=version)
    snapshot = Snapshot.from_dict(document)
    results = golden_cases_run(snapshot=snapshot)
    baseline = version_baseline(version=version)
    diff = impact = None
    if baseline is not None:
        baseline_document = version_document(version=baseline)
        diff = diff_documents(baseline_document, document)
        impact = impact_preview(old=Snapshot.from_dict(baseline_document), new=snapshot)
    actions = available_actions(version=version, user=request.user)
    is_author = any(a.name == "approve" for a in actions) and request.user.pk in version_authors(version=version)
    submission = None
    if any(a.name == "submit" for a in actions):
        submission = submission_check(version=version, document=document, results=results)
    return render(
        request,
        "guidance/admin/review.html",
        _context(
            request,
            f"Review version {version.number}",
            version=version,
            baseline=baseline,
            actions=actions,
            transitions=version_transitions(version=version),
            results=results,
            failing=[r for r in results if not r.passed],
            diff=diff,
            impact=impact,
            is_author=is_author,
            two_person_rule=TWO_PERSON_RULE,
            submission=submission,
        ),
    )


@require_POST
def version_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one workflow step; refusals come back as messages on the review page."""
    _require(request, CONTENT_EDITOR, CLINICAL_REVIEWER)
    version = get_version(pk=pk)
    if action not in ACTIONS:
        raise PermissionDenied(f"Unknown action '{action}'.")
    try:
        version = version_run_action(
            version=version,
            user=request.user,
            action=action,
            text=request.POST.get("text", ""),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Version {version.number} is now {version.get_status_display().lower()}.")
    return HttpResponseRedirect(reverse("admin:guidance_guidelineversion_review", args=[version.pk]))


def version_golden(request: HttpRequest, pk: int) -> HttpResponse:
    """Every active golden case against this version, with every expectation's result."""
    _require(request, CONTENT_EDITOR, CLINICAL_REVIEWER)
    version = get_version(pk=pk)
    results = golden_cases_run(snapshot=Snapshot.from_dict(version_document(version=version)))
    return render(
        request,
        "guidance/admin/golden.html",
        _context(
            request,
            f"Golden cases against version {version.number}",
            version=version,
            results=results,
            failing=[r for r in results if not r.passed],
        ),
    )


def version_impact(request: HttpRequest, pk: int) -> HttpResponse:
    """Patients whose plan would change between the baseline (published) version and this one."""
    _require(request, CONTENT_EDITOR, CLINICAL_REVIEWER)
    version = get_version(pk=pk)
    baseline = version_baseline(version=version)
    impact = None
    if baseline is not None:
        impact = impact_preview(
            old=Snapshot.from_dict(version_document(version=baseline)),
            new=Snapshot.from_dict(version_document(version=version)),
        )
    return render(
        request,
        "guidance/admin/impact.html",
        _context(
            request,
            f"Impact of version {version.number}",
            version=version,
            baseline=baseline,
            impact=impact,
            max_per_source=MAX_PER_SOURCE,
        ),
    )


def version_diff(request: HttpRequest) -> HttpResponse:
    """What changed between two versions: the open draft against the published one by default."""
    _require(request, CONTENT_EDITOR, CLINICAL_REVIEWER)
    versions = versions_newest_first()
    form = VersionPairForm(request.GET or None, versions=versions)
    # Looked up by the form's value: a number, or "" or None when none was chosen.
    by_number: dict[int | str | None, GuidelineVersion] = {v.number: v for v in versions}
    chosen = form.cleaned_data if form.is_bound and form.is_valid() else {}
    new = by_number.get(chosen.get("new")) or get_open_version() or get_published_version()
    old = by_number.get(chosen.get("old")) or (version_baseline(version=new) if new else None)
    diff = None
    if old is not None and new is not None:
        diff = diff_documents(version_document(version=old), version_document(version=new))
    form = VersionPairForm(
        initial={"old": old.number if old else None, "new": new.number if new else None}, versions=versions
    )
    return render(
        request,
        "guidance/admin/diff.html",
        _context(
            request,
            "What changed",
            form=form,
            old=old,
            new=new,
            diff=diff,
        ),
    )


def _require(request: HttpRequest, *roles: str) -> None:
    if not has_role(request.user, *roles):
        raise PermissionDenied("These pages are for content editors and clinical reviewers.")


def _context(request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
    return {**admin.site.each_context(request), "title": title, "opts": GuidelineVersion._meta, **extra}
