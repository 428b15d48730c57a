"""The review workflow: who may take which step from which status, and what each step records."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from dahguide.guidance.models import Dose, GuidelineVersion, Recommendation, Stance, Threshold, VersionTransition
from dahguide.guidance.selectors import get_published_snapshot, version_authors
from dahguide.guidance.workflow import (
    version_approve,
    version_content_edited,
    version_create_draft,
    version_publish,
    version_return,
    version_run_action,
    version_submit,
    version_take_for_review,
)

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status
ROLES = ("physician", "resident", "content_editor", "clinical_reviewer", "admin_user")

# action -> (status it starts from, roles allowed); the admin (superuser) holds every role.
ALLOWED = {
    "submit": (Status.DRAFT, {"content_editor", "admin_user"}),
    "take": (Status.SUBMITTED, {"clinical_reviewer", "admin_user"}),
    "approve": (Status.UNDER_REVIEW, {"clinical_reviewer", "admin_user"}),
    "return": (Status.UNDER_REVIEW, {"clinical_reviewer", "admin_user"}),
    "publish": (Status.APPROVED, {"clinical_reviewer", "admin_user"}),
}
RESULT = {
    "submit": Status.SUBMITTED,
    "take": Status.UNDER_REVIEW,
    "approve": Status.APPROVED,
    "return": Status.DRAFT,
    "publish": Status.PUBLISHED,
}


def run(version, user, action):
    return version_run_action(version=version, user=user, action=action, text="Reason given.")


def outcome(version, user, action) -> str:
    """The status the step leads to, or "refused"; the database is rolled back either way."""
    with transaction.atomic():
        try:
            result = run(version, user, action).status
        except PermissionDenied:
            result = "refused"
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("action", list(ALLOWED))
def test_each_transition_is_allowed_or_refused_by_role(request, editor_draft, move_to, action):
    start, allowed = ALLOWED[action]
    version = move_to(editor_draft, start)
    outcomes = {role: outcome(version, request.getfixturevalue(role), action) for role in ROLES}
    assert outcomes == {role: RESULT[action] if role in allowed else "refused" for role in ROLES}


def test_only_an_editor_or_the_admin_creates_a_draft(request, published_guideline, golden_cases):
    def created(user) -> bool:
        with transaction.atomic():
            try:
                version_create_draft(user=user)
            except PermissionDenied:
                return False
            finally:
                transaction.set_rollback(True)
        return True

    outcomes = {role: created(request.getfixturevalue(role)) for role in ROLES}
    assert outcomes == {role: role in {"content_editor", "admin_user"} for role in ROLES}


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("submit", Status.SUBMITTED),
        ("take", Status.DRAFT),
        ("take", Status.UNDER_REVIEW),
        ("approve", Status.SUBMITTED),
        ("approve", Status.APPROVED),
        ("publish", Status.UNDER_REVIEW),
        ("publish", Status.DRAFT),
        ("return", Status.DRAFT),
    ],
)
def test_a_step_from_the_wrong_status_is_refused(editor_draft, move_to, admin_user, action, status):
    version = move_to(editor_draft, status)
    with pytest.raises(ValidationError, match=f"Version 2 is {version.get_status_display().lower()}"):
        run(version, admin_user, action)


@pytest.mark.parametrize("action", ["submit", "take", "approve", "return", "publish"])
def test_no_step_is_possible_on_the_published_version(published_guideline, admin_user, action):
    with pytest.raises(ValidationError, match="Version 1 is published"):
        run(published_guideline, admin_user, action)


def test_draft_is_a_copy_of_the_published_content(editor_draft, published_guideline):
    draft_codes = set(Recommendation.objects.filter(version=editor_draft).values_list("code", flat=True))
    published_codes = set(Recommendation.objects.filter(version=published_guideline).values_list("code", flat=True))
    assert (editor_draft.number, draft_codes) == (2, published_codes)


def test_draft_creation_is_logged_as_a_copy(editor_draft, content_editor):
    entry = editor_draft.transitions.get()
    assert (entry.from_status, entry.to_status, entry.user, entry.comment) == (
        "",
        Status.DRAFT,
        content_editor,
        "Copy of version 1.",
    )


def test_second_draft_is_refused_while_one_is_open(editor_draft, content_editor):
    with pytest.raises(ValidationError, match="Version 2 is already being prepared"):
        version_create_draft(user=content_editor)


def test_submit_needs_a_change_summary(editor_draft, content_editor):
    with pytest.raises(ValidationError, match="change summary"):
        version_submit(version=editor_draft, user=content_editor, change_summary="  ")


def test_submit_stores_the_change_summary(editor_draft, content_editor):
    version = version_submit(version=editor_draft, user=content_editor, change_summary="Platelet threshold 30.")
    assert version.change_summary == "Platelet threshold 30."


def test_return_needs_a_comment(editor_draft, move_to, clinical_reviewer):
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    with pytest.raises(ValidationError, match="comment"):
        version_return(version=version, user=clinical_reviewer, comment="")


def test_return_of_an_approved_version_sends_it_back_to_draft(editor_draft, move_to, clinical_reviewer):
    version = move_to(editor_draft, Status.APPROVED)
    assert version_return(version=version, user=clinical_reviewer, comment="Wait for KDIGO.").status == Status.DRAFT


def test_every_transition_is_logged_with_user_and_comment(editor_draft, move_to, clinical_reviewer):
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    version_return(version=version, user=clinical_reviewer, comment="Cite the trial.")
    log = list(version.transitions.values_list("from_status", "to_status", "user__username", "comment"))
    assert log == [
        ("", "draft", "editor", "Copy of version 1."),
        ("draft", "submitted", "editor", "Wording."),
        ("submitted", "under_review", "reviewer", ""),
        ("under_review", "draft", "reviewer", "Cite the trial."),
    ]


def test_each_transition_emits_one_security_event_on_commit(
    editor_draft, content_editor, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.INFO, logger="dahguide.security"), django_capture_on_commit_callbacks(execute=True):
        version_submit(version=editor_draft, user=content_editor, change_summary="Wording.")
    events = [r for r in caplog.records if getattr(r, "event", "") == "content_transition"]
    assert [(e.version, e.from_status, e.to_status, e.user_id) for e in events] == [
        (2, "draft", "submitted", content_editor.pk)
    ]


def test_no_security_event_when_the_transaction_rolls_back(
    editor_draft, content_editor, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.INFO, logger="dahguide.security"), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            version_submit(version=editor_draft, user=content_editor, change_summary="Wording.")
            raise RuntimeError
    assert not [r for r in caplog.records if getattr(r, "event", "") == "content_transition"]


# --- publication -------------------------------------------------------------------------------


def test_publishing_retires_the_previous_version_and_keeps_it(
    editor_draft, move_to, clinical_reviewer, published_guideline
):
    version = version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)
    published_guideline.refresh_from_db()
    assert (version.status, published_guideline.status) == (Status.PUBLISHED, Status.RETIRED)
    assert published_guideline.snapshot["version"] == "1"


def test_publishing_logs_the_retirement_of_the_previous_version(
    editor_draft, move_to, clinical_reviewer, published_guideline
):
    version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)
    last = published_guideline.transitions.last()
    assert (last.from_status, last.to_status, last.comment) == ("published", "retired", "Replaced by version 2.")


def test_physicians_see_the_newly_published_version(editor_draft, move_to, clinical_reviewer):
    version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)
    assert get_published_snapshot().version == 2


def test_published_snapshot_records_number_summary_hash_and_date(editor_draft, move_to, clinical_reviewer):
    version = version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)
    assert version.snapshot["version"] == "2"
    assert version.snapshot["content_hash"] == version.content_hash
    assert version.published_at is not None and version.change_summary == "Wording."


def test_database_still_refuses_two_published_versions(editor_draft):
    # A plain QuerySet: past the model's frozen guard (frozen.py), down to the database constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet(GuidelineVersion).filter(pk=editor_draft.pk).update(status=Status.PUBLISHED)


# --- two-person rule ---------------------------------------------------------------------------


def test_the_submitter_cannot_approve(editor_draft, editor_reviewer, clinical_reviewer):
    version = version_submit(version=editor_draft, user=editor_reviewer, change_summary="Wording.")
    version = version_take_for_review(version=version, user=clinical_reviewer)
    with pytest.raises(ValidationError, match="two-person rule"):
        version_approve(version=version, user=editor_reviewer)


def test_the_creator_of_the_draft_cannot_approve(
    published_guideline, golden_cases, admin_user, move_to, clinical_reviewer
):
    version = move_to(version_create_draft(user=admin_user), Status.SUBMITTED)
    version = version_take_for_review(version=version, user=admin_user)
    with pytest.raises(ValidationError, match="two-person rule"):
        version_approve(version=version, user=admin_user)


def test_someone_who_edited_an_item_cannot_approve(editor_draft, move_to, second_reviewer, clinical_reviewer):
    recommendation = Recommendation.objects.get(version=editor_draft, code="platelet_transfusion")
    recommendation._history_user = second_reviewer  # as the admin records it from the request
    recommendation.title = "Platelets"
    recommendation.save()
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    with pytest.raises(ValidationError, match="two-person rule"):
        version_approve(version=version, user=second_reviewer)


def test_someone_who_edited_a_condition_cannot_approve(editor_draft, move_to, second_reviewer):
    condition = Recommendation.objects.get(version=editor_draft, code="platelet_transfusion").conditions.first()
    condition._history_user = second_reviewer
    condition.delete()
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    assert second_reviewer.pk in version_authors(version=version)


def test_someone_who_deleted_an_item_cannot_approve(editor_draft, second_reviewer):
    threshold = Threshold.objects.filter(version=editor_draft).first()
    threshold._history_user = second_reviewer
    threshold.delete()
    assert second_reviewer.pk in version_authors(version=editor_draft)


@pytest.mark.parametrize("model", [Stance, Dose], ids=["stance", "dose"])
def test_someone_who_edited_a_stance_or_dose_cannot_approve(editor_draft, second_reviewer, model):
    item = model.objects.filter(version=editor_draft).first()
    item._history_user = second_reviewer
    setattr(item, "text" if model is Stance else "note", "Reworded.")
    item.save()
    assert second_reviewer.pk in version_authors(version=editor_draft)


def test_a_draft_with_a_missing_stance_cannot_be_approved(editor_draft, move_to, second_reviewer):
    Stance.objects.filter(version=editor_draft, recommendation="platelet_transfusion", modifier="on_ecmo").delete()
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    with pytest.raises(ValidationError, match="'platelet_transfusion' has no stance for these patient modifiers: On"):
        version_approve(version=version, user=second_reviewer)


def test_a_reviewer_who_only_took_and_returned_is_not_an_author(editor_draft, move_to, clinical_reviewer):
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    version_return(version=version, user=clinical_reviewer, comment="Cite it.")
    assert clinical_reviewer.pk not in version_authors(version=version)


def test_another_reviewer_may_approve(editor_draft, move_to, clinical_reviewer):
    assert move_to(editor_draft, Status.APPROVED).status == Status.APPROVED


def test_the_administrator_is_also_bound_by_the_two_person_rule(editor_draft, admin_user, clinical_reviewer):
    version = version_submit(version=editor_draft, user=admin_user, change_summary="Wording.")
    version = version_take_for_review(version=version, user=clinical_reviewer)
    with pytest.raises(ValidationError, match="two-person rule"):
        version_approve(version=version, user=admin_user)


# --- golden-case gate --------------------------------------------------------------------------


def test_approval_is_refused_while_a_golden_case_fails_and_names_it(editor_draft, move_to, clinical_reviewer):
    Threshold.objects.filter(version=editor_draft, code="platelet_transfusion_10e9_per_l").update(value=10)
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    with pytest.raises(ValidationError) as exc:
        version_approve(version=version, user=clinical_reviewer)
    assert any("hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met" in m for m in exc.value.messages)
    version.refresh_from_db()
    assert version.status == Status.UNDER_REVIEW


def test_approval_succeeds_once_the_failing_case_is_deactivated(editor_draft, move_to, clinical_reviewer):
    from dahguide.guidance.models import GoldenCase

    Threshold.objects.filter(version=editor_draft, code="platelet_transfusion_10e9_per_l").update(value=10)
    GoldenCase.objects.filter(name="hsct_on_oxygen_not_indicated_with_hypoxemia_criterion_met").update(active=False)
    assert move_to(editor_draft, Status.APPROVED).status == Status.APPROVED


def test_approval_is_refused_for_content_the_engine_cannot_use(editor_draft, move_to, clinical_reviewer):
    Threshold.objects.filter(version=editor_draft, code="plex_creatinine_mg_dl").delete()
    version = move_to(editor_draft, Status.UNDER_REVIEW)
    with pytest.raises(ValidationError, match="plex_creatinine_mg_dl"):
        version_approve(version=version, user=clinical_reviewer)


# --- edits invalidate a review -----------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED])
def test_an_edit_returns_a_reviewed_version_to_draft_with_the_editor_logged(
    editor_draft, move_to, content_editor, status
):
    version = version_content_edited(version=move_to(editor_draft, status), user=content_editor)
    last = VersionTransition.objects.filter(version=version).last()
    assert (version.status, last.from_status, last.user) == (Status.DRAFT, status, content_editor)


def test_an_edit_of_a_draft_logs_nothing(editor_draft, content_editor):
    version_content_edited(version=editor_draft, user=content_editor)
    assert editor_draft.transitions.count() == 1
