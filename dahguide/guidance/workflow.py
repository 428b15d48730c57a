"""Services of the review workflow, modelled on editorial practice (and on Wagtail's workflows).

    draft ──submit──▶ submitted ──take──▶ under review ──approve──▶ approved ──publish──▶ published
      ▲                   │                    │                       │                   │
      └──────return (reviewer, with a comment), or any content edit ───┘                retired

Every service takes keyword-only arguments, locks the version's row, checks the user's role and
the status it starts from, and changes the status only through ``services.version_status_change``
(one ``VersionTransition`` and one security log line per step). A refusal is ``PermissionDenied``
(wrong role) or ``ValidationError`` (wrong status, missing comment, two-person rule, failing
golden case), each with a sentence an editor can act on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR, has_role
from dahguide.engine.content import Snapshot
from dahguide.guidance.diff import changed_recommendations
from dahguide.guidance.documents import guideline_compile, publication_problems
from dahguide.guidance.golden import GoldenResult, golden_cases_run
from dahguide.guidance.models import ChangeNote, GuidelineVersion
from dahguide.guidance.selectors import get_open_version, get_published_version, version_authors
from dahguide.guidance.services import (
    guideline_import,
    guideline_publish,
    guideline_version_create,
    version_status_change,
)

Status = GuidelineVersion.Status


@dataclass(frozen=True)
class Action:
    """One step a user can take on a version: who may, from where, to where, and what to say."""

    name: str
    label: str
    role: str
    from_statuses: frozenset[str]
    to_status: str
    comment: str = ""  # "required", "optional" or "" (no comment field)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action("submit", "Submit for review", CONTENT_EDITOR, frozenset({Status.DRAFT}), Status.SUBMITTED),
        Action("take", "Take under review", CLINICAL_REVIEWER, frozenset({Status.SUBMITTED}), Status.UNDER_REVIEW),
        Action("approve", "Approve", CLINICAL_REVIEWER, frozenset({Status.UNDER_REVIEW}), Status.APPROVED, "optional"),
        Action(
            "return",
            "Return to the editors",
            CLINICAL_REVIEWER,
            frozenset({Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED}),
            Status.DRAFT,
            "required",
        ),
        Action("publish", "Publish", CLINICAL_REVIEWER, frozenset({Status.APPROVED}), Status.PUBLISHED),
    )
}
_ROLE_NAMES = {CONTENT_EDITOR: "a content editor", CLINICAL_REVIEWER: "a clinical reviewer"}
TWO_PERSON_RULE = (
    "You created, changed or submitted this version, so you cannot approve it: another clinical reviewer "
    "must (two-person rule)."
)


def version_create_draft(*, user, title: str = "") -> GuidelineVersion:
    """A new draft holding a copy of the published content (compiled, then imported as new rows).

    Only one version is prepared at a time, so the review, the diff and the impact preview always
    compare that one draft with what physicians see.
    """
    _require_role(user, CONTENT_EDITOR, "create a draft")
    with transaction.atomic():
        # Lock the published row so two editors cannot both open a draft of it.
        published = GuidelineVersion.objects.select_for_update().filter(status=Status.PUBLISHED).first()
        open_version = get_open_version()
        if open_version is not None:
            raise ValidationError(
                f"Version {open_version.number} is already being prepared "
                f"({open_version.get_status_display().lower()}); continue with it instead.",
                code="open_version_exists",
            )
        if published is None:
            return guideline_version_create(title=title or "New guideline version", user=user)
        # The rows, not the snapshot: wording that names a threshold keeps its placeholder.
        document = guideline_compile(version=published, raw=True)
        if title:
            document["title"] = title
        return guideline_import(
            document=document, user=user, publish=False, comment=f"Copy of version {published.number}."
        )


@dataclass(frozen=True)
class Submission:
    """What an editor must see before submitting: failing golden cases and missing change notes."""

    failing: tuple[GoldenResult, ...]
    changed: tuple[str, ...]  # codes of the recommendations this version changes
    missing_notes: tuple[str, ...]  # of those, the ones without a change note


def submission_check(
    *, version: GuidelineVersion, document: dict | None = None, results: list[GoldenResult] | None = None
) -> Submission:
    """Run the golden cases against the draft and list the changed recommendations lacking a note.

    A page that already compiled the draft and ran the cases passes ``document`` and ``results``.
    """
    document = document if document is not None else guideline_compile(version=version)
    if results is None:
        results = golden_cases_run(snapshot=Snapshot.from_dict(document))
    failing = tuple(r for r in results if not r.passed)
    published = get_published_version()
    changed: tuple[str, ...] = ()
    if published is not None and published.pk != version.pk:
        changed = changed_recommendations(published.snapshot or guideline_compile(version=published), document)
    noted = set(ChangeNote.objects.filter(version=version).values_list("recommendation", flat=True))
    return Submission(failing, changed, tuple(code for code in changed if code not in noted))


def version_submit(
    *, version: GuidelineVersion, user, change_summary: str, golden_reason: str = ""
) -> GuidelineVersion:
    """Send a draft to the reviewers with a summary of what changed (required).

    Every changed recommendation needs a change note for physicians. A draft whose golden cases
    fail is submitted only with a written reason, kept in the workflow log beside the failures.
    """
    change_summary = (change_summary or "").strip()
    golden_reason = (golden_reason or "").strip()
    with transaction.atomic():
        version = _start(version, user, ACTIONS["submit"])
        errors = []
        if not change_summary:
            errors.append(
                ValidationError(
                    "Describe what changed (the change summary) before submitting.", code="change_summary_required"
                )
            )
        check = submission_check(version=version)
        if check.missing_notes:
            errors.append(
                ValidationError(
                    "Write a change note for physicians for every changed recommendation: "
                    f"{', '.join(check.missing_notes)} (the version's content page, “Change notes”).",
                    code="change_notes_required",
                )
            )
        if check.failing and not golden_reason:
            errors.append(
                ValidationError(
                    [
                        *golden_failure_messages(list(check.failing)),
                        "Say why you submit it anyway (the reason), or correct the content or the case first.",
                    ],
                    code="golden_reason_required",
                )
            )
        if errors:
            raise ValidationError(errors)
        comment = change_summary
        if check.failing:
            failures = "; ".join(f for r in check.failing for f in r.clinical_failures)
            comment += (
                f"\n\nSubmitted with {len(check.failing)} failing golden case(s) ({failures}). Reason: {golden_reason}"
            )
        version.change_summary = change_summary
        version_status_change(
            version=version, to_status=Status.SUBMITTED, user=user, comment=comment, fields=("change_summary",)
        )
    return version


def version_take_for_review(*, version: GuidelineVersion, user) -> GuidelineVersion:
    with transaction.atomic():
        version = _start(version, user, ACTIONS["take"])
        version_status_change(version=version, to_status=Status.UNDER_REVIEW, user=user)
    return version


def version_approve(*, version: GuidelineVersion, user, comment: str = "") -> GuidelineVersion:
    """Approve a version under review, unless the two-person rule, the content or a golden case says no."""
    with transaction.atomic():
        version = _start(version, user, ACTIONS["approve"])
        if user.pk in version_authors(version=version):
            raise ValidationError(TWO_PERSON_RULE, code="two_person_rule")
        document = guideline_compile(version=version)
        problems = publication_problems(document)
        if problems:
            raise ValidationError(problems, code="not_publishable")
        failing = [r for r in golden_cases_run(snapshot=Snapshot.from_dict(document)) if not r.passed]
        if failing:
            raise ValidationError(golden_failure_messages(failing), code="golden_case_failed")
        version_status_change(version=version, to_status=Status.APPROVED, user=user, comment=(comment or "").strip())
    return version


def version_return(*, version: GuidelineVersion, user, comment: str) -> GuidelineVersion:
    """Send a version back to the editors; the comment tells them what to change (required)."""
    comment = (comment or "").strip()
    with transaction.atomic():
        version = _start(version, user, ACTIONS["return"])
        if not comment:
            raise ValidationError(
                "Say what the editors should change (the comment) before returning.", code="comment_required"
            )
        version_status_change(version=version, to_status=Status.DRAFT, user=user, comment=comment)
    return version


def version_publish(*, version: GuidelineVersion, user) -> GuidelineVersion:
    """Make an approved version what physicians see; the previous one is retired (and kept)."""
    with transaction.atomic():
        version = _start(version, user, ACTIONS["publish"])
        previous = get_published_version()
        comment = f"Replaces version {previous.number}." if previous else ""
        return guideline_publish(version=version, user=user, comment=comment)


def version_content_edited(*, version: GuidelineVersion, user) -> GuidelineVersion:
    """An edit of a submitted, under-review or approved version sends it back to draft (logged).

    An approval covers the content the reviewer saw; any later change needs a new review.
    Called by the admin after every save or delete of the version or one of its items.
    """
    with transaction.atomic():
        version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
        if version.status in {Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED}:
            was = version.get_status_display().lower()
            version_status_change(
                version=version,
                to_status=Status.DRAFT,
                user=user,
                comment=f"Content edited while {was}: returned to draft; it must be submitted and reviewed again.",
            )
    return version


def version_run_action(
    *, version: GuidelineVersion, user, action: str, text: str = "", reason: str = ""
) -> GuidelineVersion:
    """Dispatch a named action (``ACTIONS``) with its text field (and the submit's golden-case reason):
    the views' single entry point."""
    if action == "submit":
        return version_submit(version=version, user=user, change_summary=text, golden_reason=reason)
    if action == "take":
        return version_take_for_review(version=version, user=user)
    if action == "approve":
        return version_approve(version=version, user=user, comment=text)
    if action == "return":
        return version_return(version=version, user=user, comment=text)
    if action == "publish":
        return version_publish(version=version, user=user)
    raise ValidationError(f"Unknown action '{action}'.")


def available_actions(*, version: GuidelineVersion, user) -> list[Action]:
    """The actions this user may try on this version now (the services still decide)."""
    return [a for a in ACTIONS.values() if version.status in a.from_statuses and has_role(user, a.role)]


def golden_failure_messages(failing: list[GoldenResult]) -> list[str]:
    head = f"{len(failing)} golden case(s) fail with this content; correct the content or the case first:"
    return [head, *(f"{r.name}: {r.patient + ': ' if r.patient else ''}{'; '.join(r.changes)}." for r in failing)]


def _start(version: GuidelineVersion, user, action: Action) -> GuidelineVersion:
    """The version's row, locked for this transaction, once role and status allow ``action``."""
    _require_role(user, action.role, action.label.lower())
    version = GuidelineVersion.objects.select_for_update().get(pk=version.pk)
    if version.status not in action.from_statuses:
        allowed = " or ".join(sorted(Status(s).label.lower() for s in action.from_statuses))
        raise ValidationError(
            f"Version {version.number} is {version.get_status_display().lower()}; "
            f"“{action.label}” needs a version that is {allowed}.",
            code="wrong_status",
        )
    return version


def _require_role(user, role: str, what: str) -> None:
    if not has_role(user, role):
        raise PermissionDenied(f"Only {_ROLE_NAMES[role]} may {what}.")
