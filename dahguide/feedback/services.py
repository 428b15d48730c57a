"""State changes of the feedback app. Keyword-only arguments, checks first, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dahguide.accounts.roles import PHYSICIAN, has_role
from dahguide.cases.models import CaseRevision
from dahguide.feedback.models import COMMENT_REQUIRED, CdsCard, CdsFeedback, Impression, NotFollowed, Reason, Source
from dahguide.observability import security_event

_TRUSTED = ["case", "revision", "created_by", "card"]


def _clean(obj) -> None:
    obj.full_clean(exclude=_TRUSTED, validate_unique=False, validate_constraints=False)


def reason_problems(*, reason_code: str, comment: str) -> dict[str, str]:
    """Every problem with a reason and its comment (one rule for the bedside and its forms)."""
    if reason_code not in Reason.values:
        return {"reason_code": "Choose why the recommendation was not followed."}
    if reason_code in COMMENT_REQUIRED and not comment.strip():
        return {"comment": f"Say why in a comment (“{Reason(reason_code).label}” needs one)."}
    return {}


def not_followed_record(
    *, revision: CaseRevision, user, recommendation_code: str, reason_code: str, comment: str = ""
) -> NotFollowed:
    """Mark one recommendation of the case's current revision as not followed, with a coded reason.

    Any physician of the team records it (as they tick the checklist); the mark is never changed.
    """
    if not has_role(user, PHYSICIAN):
        raise PermissionDenied("Only physicians record that a recommendation was not followed.")
    errors = reason_problems(reason_code=reason_code, comment=comment)
    if recommendation_code not in revision.summary.get("recommendations", []):
        errors["recommendation_code"] = "Choose a recommendation of this plan."
    if revision.number != revision.case.revision_count:
        raise ValidationError("The case was amended since you opened it: mark the recommendation on the new revision.")
    if errors:
        raise ValidationError(errors)
    mark = NotFollowed(
        case_id=revision.case_id,
        revision=revision,
        recommendation_code=recommendation_code,
        guideline_version=revision.guideline_version,
        reason_code=reason_code,
        comment=comment.strip(),
        created_by=user,
    )
    _clean(mark)
    try:
        with transaction.atomic():  # a savepoint: the unique constraint decides a race
            mark.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError(
            {"recommendation_code": "This recommendation is already marked not followed in this revision."}
        ) from exc
    case_id, user_id, number = revision.case_id, user.pk, revision.number
    transaction.on_commit(
        lambda: security_event(
            "recommendation_not_followed",
            case_id=case_id,
            user_id=user_id,
            revision=number,
            code=recommendation_code,
            reason=reason_code,
        )
    )
    return mark


def impressions_record_revisions(revisions: Sequence[CaseRevision]) -> None:
    """Each recommendation of each saved revision counts as shown once (called inside the save)."""
    Impression.objects.bulk_create(
        [
            Impression(
                source=Source.APP,
                guideline_version=r.guideline_version,
                recommendation_code=code,
                revision=r,
                at=r.created_at,
            )
            for r in revisions
            for code in dict.fromkeys(r.summary.get("recommendations", []))
        ]
    )


@dataclass(frozen=True)
class IssuedCard:
    uuid: str
    topic: str
    recommendation_codes: tuple[str, ...]


def cds_cards_record(*, cards: Iterable[IssuedCard], guideline_version: int, issuer: str) -> None:
    """The cards of one CDS response, by uuid (no patient data), each recommendation shown once. Two inserts."""
    now = timezone.now()
    cards = list(cards)
    rows = [
        CdsCard(uuid=c.uuid, guideline_version=guideline_version, topic=c.topic, issuer=issuer, issued_at=now)
        for c in cards
    ]
    with transaction.atomic(savepoint=False):
        CdsCard.objects.bulk_create(rows)
        Impression.objects.bulk_create(
            [
                Impression(
                    source=Source.EHR,
                    guideline_version=guideline_version,
                    recommendation_code=code,
                    card_id=c.uuid,
                    at=now,
                )
                for c in cards
                for code in dict.fromkeys(c.recommendation_codes)
            ]
        )


@dataclass(frozen=True)
class CardOutcome:
    """One item of a CDS Hooks feedback request, checked (``dahguide.api.cds.feedback`` parses it)."""

    card: str  # uuid
    outcome: str
    reason_code: str = ""
    user_comment: str = ""
    accepted_suggestions: tuple[str, ...] = ()
    outcome_at: datetime | None = None

    def same_as(self, stored: CdsFeedback) -> bool:
        return (self.outcome, self.reason_code, self.user_comment, list(self.accepted_suggestions)) == (
            stored.outcome,
            stored.reason_code,
            stored.user_comment,
            list(stored.accepted_suggestions),
        )


class FeedbackRefused(Exception):
    """Feedback that cannot be stored; ``problems`` says why, per item index."""

    def __init__(self, problems: dict[int, str], *, conflict: bool = False) -> None:
        super().__init__("; ".join(f"feedback[{i}]: {p}" for i, p in sorted(problems.items())))
        self.problems = problems
        self.conflict = conflict


def cds_feedback_record(*, issuer: str, items: Sequence[CardOutcome], _retried: bool = False) -> list[bool]:
    """Store the outcome of each card; per item, True when stored now, False when it was already.

    Idempotent: the same outcome for a card already answered is acknowledged and stores nothing;
    a different one is refused (``conflict``), since feedback, like a sign-off, is final. A card
    must have been sent to this same client. All items are stored, or none.
    """
    uuids = [item.card for item in items]
    cards = {str(c.uuid): c for c in CdsCard.objects.filter(uuid__in=uuids).select_related("feedback")}
    problems: dict[int, str] = {}
    conflicts: dict[int, str] = {}
    new: list[CdsFeedback] = []
    created: list[bool] = []
    seen: dict[str, CardOutcome] = {}
    for index, item in enumerate(items):
        card = cards.get(item.card)
        if card is None or card.issuer != issuer:
            problems[index] = f"card {item.card} was not issued to this client by this service."
            continue
        stored = getattr(card, "feedback", None)
        earlier = seen.get(item.card)
        if stored is not None or earlier is not None:
            if (stored is not None and not item.same_as(stored)) or (earlier is not None and earlier != item):
                conflicts[index] = f"card {item.card} already has a different outcome; feedback is final."
            created.append(False)
            continue
        seen[item.card] = item
        row = CdsFeedback(
            card=card,
            outcome=item.outcome,
            reason_code=item.reason_code,
            user_comment=item.user_comment,
            accepted_suggestions=list(item.accepted_suggestions),
            outcome_at=item.outcome_at or timezone.now(),
        )
        _clean(row)
        new.append(row)
        created.append(True)
    if problems:
        raise FeedbackRefused(problems)
    if conflicts:
        raise FeedbackRefused(conflicts, conflict=True)
    try:
        with transaction.atomic():  # a savepoint: a concurrent call for the same card loses here
            CdsFeedback.objects.bulk_create(new)
    except IntegrityError:
        if _retried:
            raise
        # A concurrent call stored feedback for one of these cards: read again and compare.
        return cds_feedback_record(issuer=issuer, items=items, _retried=True)
    if new:
        count = len(new)
        transaction.on_commit(lambda: security_event("cds_feedback_received", issuer=issuer, cards=count))
    return created
