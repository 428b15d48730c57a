"""State changes of saved cases. Keyword-only arguments, one transaction each.

``full_clean`` checks every field rule; uniqueness and the foreign keys are left to the database
(its constraints back every one), so a save costs no existence queries. Security events fire
only once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from dahguide.accounts.roles import ATTENDING, has_role
from dahguide.cases.extensions import revisions_saved
from dahguide.cases.models import (
    Case,
    CaseAccessLog,
    CaseRevision,
    ChecklistEvent,
    ReviewComment,
    SignOff,
    due_mask,
)
from dahguide.cases.plan_diff import plan_summary
from dahguide.engine.content import Snapshot
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.observability import security_event
from dahguide.wizard import services as wizard_services
from dahguide.wizard.answers import STEP_CODES, answers_from_inputs, parse_answers
from dahguide.wizard.models import DraftAssessment

# Foreign keys and relations the services set from trusted objects: no existence query.
_TRUSTED = ["author", "case", "created_by", "user", "attending", "revision", "amend_draft"]


def _clean(obj: Any) -> None:
    obj.full_clean(exclude=_TRUSTED, validate_unique=False, validate_constraints=False)


@dataclass(frozen=True)
class SavedPlan:
    """A plan document with the guideline title it was shown under (the document lacks the title)."""

    doc: Mapping[str, Any]
    guideline_title: str


def _head_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the case head copies from its latest plan: the list's filters and the checklist."""
    codes = [m["code"] for m in doc["monitoring"]]
    return {
        "etiology": doc["inputs"].get("etiology") or "",
        "plex_decision": doc["plasma_exchange"]["decision"],
        "guideline_version": int(doc["guideline"]["version"]),
        "checklist_codes": codes,
        "due_mask": due_mask(codes),
    }


def _revision(
    *, case: Case, number: int, reason: str, plan: SavedPlan, user, source_draft=None, at: datetime | None = None
) -> CaseRevision:
    doc = plan.doc
    revision = CaseRevision(
        case=case,
        number=number,
        reason=reason,
        inputs=doc["inputs"],
        derived=doc["derived"],
        plan=doc,
        summary=plan_summary(doc),
        guideline_version=int(doc["guideline"]["version"]),
        guideline_title=plan.guideline_title,
        content_hash=doc["guideline"]["content_hash"],
        source_draft=source_draft,
        created_by=user,
        created_at=at or timezone.now(),
    )
    _clean(revision)
    if number > 1 and not reason.strip():
        raise ValidationError({"reason": "Say why the case is amended."})
    return revision


# Each service checks everything first and only then opens its transaction: a refusal raised
# inside ``atomic(savepoint=False)`` would doom a caller's enclosing transaction. One write (or a
# few) needs no savepoint of its own.


class GuidelineChanged(Exception):
    """The published guideline is not the one the physician's plan was shown under."""


class AnswersNeedChecking(Exception):
    """The draft's answers no longer parse (the questions changed since they were checked)."""


@dataclass(frozen=True)
class SaveOutcome:
    case_id: int
    amended: bool  # True: saved as the next revision of the case the draft amends
    revision_number: int


def case_save_from_draft(
    *,
    draft: DraftAssessment,
    user,
    shown_content_hash: str,
    snapshot: Snapshot | None,
    amending: Case | None = None,
    label: str = "",
    reason: str = "",
) -> SaveOutcome:
    """Save the plan of a finished draft: a new case, or the next revision of the case it amends.

    The plan saved is the one the physician saw: evaluated again from the draft's answers under the
    published snapshot, refused (``GuidelineChanged``) if that is not the content they were shown.
    Refusals of the case services (a label with identifiers, a case amended meanwhile) are their
    ``ValidationError``s.
    """
    if snapshot is None or shown_content_hash != snapshot.content_hash:
        raise GuidelineChanged("The guideline was updated since this plan was shown. Check the plan again, then save.")
    result = parse_answers(draft.answers)
    if result.errors:
        raise AnswersNeedChecking("Some answers need checking before the case can be saved.")
    plan = SavedPlan(evaluate_parsed(result, snapshot).document, snapshot.title)
    if amending is not None:
        revision = case_revision_add(case=amending, user=user, reason=reason, plan=plan, source_draft=draft)
        return SaveOutcome(amending.pk, amended=True, revision_number=revision.number)
    case = case_create(author=user, label=label, plan=plan, source_draft=draft)
    return SaveOutcome(case.pk, amended=False, revision_number=1)


def case_create(*, author, label: str, plan: SavedPlan, source_draft: DraftAssessment | None = None) -> Case:
    """Save a plan as a new case (revision 1); its monitoring checklist starts unticked.

    Saving a draft is idempotent: when the draft is already saved (a double click, two tabs, a
    retried request racing the first), this returns the case it was saved as and saves nothing.
    """
    now = timezone.now()
    case = Case(label=label.strip(), author=author, created_at=now, updated_at=now, **_head_fields(plan.doc))
    _clean(case)
    revision = _revision(
        case=case, number=1, reason="", plan=plan, user=author, source_draft=source_draft and source_draft.pk, at=now
    )
    try:
        # A savepoint only when saving a draft: its unique ``source_draft`` decides a race, and the
        # losing insert must be undone without dooming a caller's transaction.
        with transaction.atomic(savepoint=source_draft is not None):
            case.save(force_insert=True)
            revision.case = case  # now with its id
            revision.save(force_insert=True)
            revisions_saved([revision])
            case_id, user_id = case.pk, author.pk
            transaction.on_commit(lambda: security_event("case_saved", case_id=case_id, user_id=user_id, revision=1))
    except IntegrityError:
        saved = _case_saved_from(source_draft)
        if saved is None:
            raise
        return saved
    return case


def _case_saved_from(draft: DraftAssessment | None) -> Case | None:
    if draft is None:
        return None
    return Case.objects.filter(revisions__source_draft=draft.pk).first()


def _require_author(case: Case, user) -> None:
    if case.author_id != user.pk:
        raise PermissionDenied("Only the physician who saved a case amends it.")


def case_amend_start(*, case: Case, user, inputs: Mapping[str, Any], guideline_version: int) -> DraftAssessment:
    """A wizard draft holding the case's latest answers, every step complete: the physician edits
    what changed, and saving from its plan page adds a revision (``case_revision_add``)."""
    _require_author(case, user)
    with transaction.atomic(savepoint=False):
        draft = wizard_services.draft_create(owner=user, first_step=STEP_CODES[0], guideline_version=guideline_version)
        wizard_services.draft_save_answers(
            draft=draft,
            answers=answers_from_inputs(inputs),
            current_step="review",
            complete=STEP_CODES,
        )
        Case.objects.filter(pk=case.pk).update(amend_draft=draft)
    case.amend_draft = draft
    return draft


def case_revision_add(
    *, case: Case, user, reason: str, plan: SavedPlan, source_draft: DraftAssessment | None = None
) -> CaseRevision:
    """Amend a case: a new revision with a reason; earlier revisions stay exactly as they were.

    ``case.revision_count`` is the count the physician saw: if someone amended the case
    meanwhile, nothing is saved and they are asked to look again. The case's checklist follows
    the new plan; ticks of items still in it carry over.
    """
    _require_author(case, user)
    number = case.revision_count + 1
    revision = _revision(
        case=case,
        number=number,
        reason=reason.strip(),
        plan=plan,
        user=user,
        source_draft=source_draft and source_draft.pk,
    )
    with transaction.atomic(savepoint=False):
        updated = Case.objects.filter(pk=case.pk, revision_count=case.revision_count).update(
            revision_count=number, updated_at=revision.created_at, amend_draft=None, **_head_fields(plan.doc)
        )
        if updated:
            revision.save(force_insert=True)
            revisions_saved([revision])
            case_id, user_id = case.pk, user.pk
            transaction.on_commit(
                lambda: security_event("case_amended", case_id=case_id, user_id=user_id, revision=number)
            )
    if not updated:
        raise ValidationError("This case was amended meanwhile. Open it again to see the latest revision.")
    case.revision_count = number
    return revision


def checklist_item_set(*, case: Case, code: str, user, ticked: bool, note: str = "") -> ChecklistEvent:
    """Tick or untick a monitoring item of the case's plan; both are recorded with who, when and the note."""
    if code not in case.checklist_codes:
        raise ValidationError("This item is not on the case's checklist.")
    event = ChecklistEvent(case=case, code=code, ticked=ticked, note=note.strip(), user=user)
    _clean(event)
    with transaction.atomic(savepoint=False):
        event.save(force_insert=True)
    return event


def comment_add(*, case: Case, author, text: str) -> ReviewComment:
    comment = ReviewComment(case=case, revision_number=case.revision_count, author=author, text=text.strip())
    _clean(comment)
    with transaction.atomic(savepoint=False):
        comment.save(force_insert=True)
    return comment


def signoff_add(
    *, revision: CaseRevision, attending, decision: str, reason_code: str = "", comment: str = ""
) -> SignOff:
    """An attending's agreement, or disagreement with a reason code and a comment, on one revision.

    Separation of duties: only an attending signs off, and never a case they wrote (its author or
    the author of any of its revisions).
    """
    if not has_role(attending, ATTENDING):
        raise PermissionDenied("Only an attending signs off a case.")
    signoff = SignOff(
        case_id=revision.case_id,
        revision=revision,
        attending=attending,
        decision=decision,
        reason_code=reason_code if decision == SignOff.Decision.DISAGREE else "",
        comment=comment.strip(),
        by_attending=True,
    )
    _clean(signoff)
    wrote = CaseRevision.objects.filter(case_id=revision.case_id).filter(
        Q(created_by=attending) | Q(case__author=attending)
    )
    if wrote.exists():
        raise ValidationError("You wrote this case, so another attending signs it off.")
    errors: dict[str, str] = {}
    if decision == SignOff.Decision.DISAGREE:
        if not signoff.reason_code:
            errors["reason_code"] = "Choose why you disagree."
        if not signoff.comment:
            errors["comment"] = "Explain the disagreement in a comment."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():  # a savepoint: the unique constraint decides a race
            signoff.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError("You have already signed off this revision.") from exc
    return signoff


def case_access_record(*, case_id: int, user, action: str) -> CaseAccessLog:
    """Log one look at a case (no label: logs carry ids only)."""
    entry = CaseAccessLog(case_id=case_id, user=user, action=action)
    _clean(entry)
    with transaction.atomic(savepoint=False):
        entry.save(force_insert=True)
        user_id = user.pk
        transaction.on_commit(lambda: security_event("case_viewed", case_id=case_id, user_id=user_id, action=action))
    return entry


def cases_bulk_create(
    *, author, plans: Sequence[tuple[str, SavedPlan, datetime]], batch_size: int = 1000
) -> list[Case]:
    """Many cases at once (demo data and benchmarks): two inserts per batch, each case checked."""
    created: list[Case] = []
    for start in range(0, len(plans), batch_size):
        created.extend(_bulk_batch(author=author, plans=plans[start : start + batch_size]))
    return created


@transaction.atomic
def _bulk_batch(*, author, plans: Iterable[tuple[str, SavedPlan, datetime]]) -> list[Case]:
    cases, revisions = [], []
    plans = list(plans)
    for label, plan, at in plans:
        case = Case(label=label, author=author, created_at=at, updated_at=at, **_head_fields(plan.doc))
        _clean(case)
        cases.append(case)
    Case.objects.bulk_create(cases)
    for case, (_label, plan, at) in zip(cases, plans, strict=True):
        revisions.append(_revision(case=case, number=1, reason="", plan=plan, user=author, at=at))
    CaseRevision.objects.bulk_create(revisions)
    revisions_saved(revisions)
    return cases
