"""CDS Hooks 2.0 feedback: a request body read into checked card outcomes, every problem reported.

``{"feedback": [{"card": uuid, "outcome": "accepted" | "overridden", "acceptedSuggestions": [{"id": …}],
"overrideReason": {"reason": Coding, "userComment": text}, "outcomeTimestamp": ISO 8601}]}``. The
reason's Coding must be one of the cards' ``overrideReasons`` (same system and code). A comment is
refused when it looks like it holds a patient identifier: the service stores none.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError

from dahguide.api.fhir.common import code_system
from dahguide.cases.validators import validate_label_has_no_identifiers
from dahguide.feedback.models import COMMENT_MAX_LENGTH, Reason
from dahguide.feedback.services import CardOutcome

MAX_ITEMS = 100
OUTCOMES = ("accepted", "overridden")


class FeedbackInvalid(Exception):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def parse(body: Any) -> list[CardOutcome]:
    """The body's card outcomes, or ``FeedbackInvalid`` naming every problem by its JSON path."""
    if not isinstance(body, Mapping) or not isinstance(body.get("feedback"), list):
        raise FeedbackInvalid({"feedback": "The body must be an object with a feedback array (CDS Hooks 2.0)."})
    items = body["feedback"]
    if not 1 <= len(items) <= MAX_ITEMS:
        raise FeedbackInvalid({"feedback": f"Send between 1 and {MAX_ITEMS} feedback items."})
    problems: dict[str, str] = {}
    outcomes: list[CardOutcome] = []
    for index, item in enumerate(items):
        item_problems: dict[str, str] = {}
        outcome = _item(item, item_problems)
        problems.update({f"feedback[{index}]{'.' if key else ''}{key}": v for key, v in item_problems.items()})
        if outcome is not None:  # None only with a problem named
            outcomes.append(outcome)
    if problems:
        raise FeedbackInvalid(problems)
    return outcomes


def _item(item: Any, problems: dict[str, str]) -> CardOutcome | None:
    if not isinstance(item, Mapping):
        problems[""] = "Each feedback item must be an object."
        return None
    card = item.get("card")
    try:
        card = str(uuid.UUID(card)) if isinstance(card, str) else None
    except ValueError:
        card = None
    if card is None:
        problems["card"] = "card must be the uuid of a card this service returned."
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        problems["outcome"] = "outcome must be 'accepted' or 'overridden'."
    at = _timestamp(item.get("outcomeTimestamp"), problems)
    suggestions = _suggestions(item.get("acceptedSuggestions", []), problems)
    reason_code, comment = "", ""
    override = item.get("overrideReason")
    if override is not None:
        if outcome == "accepted":
            problems["overrideReason"] = "overrideReason goes with an 'overridden' outcome only."
        else:
            reason_code, comment = _override(override, problems)
    if suggestions and outcome == "overridden":
        problems["acceptedSuggestions"] = "acceptedSuggestions go with an 'accepted' outcome only."
    if problems:
        return None
    assert card is not None and outcome is not None  # each is named in problems otherwise
    return CardOutcome(
        card=card,
        outcome=outcome,
        reason_code=reason_code,
        user_comment=comment,
        accepted_suggestions=suggestions,
        outcome_at=at,
    )


def _timestamp(value: Any, problems: dict[str, str]) -> datetime | None:
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        problems["outcomeTimestamp"] = "outcomeTimestamp must be an ISO 8601 date-time with a time zone."
        return None
    return at


def _suggestions(value: Any, problems: dict[str, str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(
        isinstance(s, Mapping) and isinstance(s.get("id"), str) and 0 < len(s["id"]) <= 100 for s in value
    ):
        problems["acceptedSuggestions"] = "acceptedSuggestions must be a list of objects with an id."
        return ()
    return tuple(s["id"] for s in value)


def _override(value: Any, problems: dict[str, str]) -> tuple[str, str]:
    if not isinstance(value, Mapping):
        problems["overrideReason"] = "overrideReason must be an object with a reason (a Coding) and a userComment."
        return "", ""
    reason_code = ""
    reason = value.get("reason")
    if reason is not None:
        system = code_system("override_reason")
        if not isinstance(reason, Mapping) or reason.get("system") != system or reason.get("code") not in Reason.values:
            problems["overrideReason.reason"] = (
                f"reason must be one of the cards' overrideReasons: system {system}, code one of "
                f"{', '.join(Reason.values)}."
            )
        else:
            reason_code = reason["code"]
    comment = value.get("userComment", "")
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX_LENGTH:
        problems["overrideReason.userComment"] = f"userComment must be text of at most {COMMENT_MAX_LENGTH} characters."
        return reason_code, ""
    comment = comment.strip()
    try:
        validate_label_has_no_identifiers(comment)
    except ValidationError as exc:
        problems["overrideReason.userComment"] = (
            "userComment looks like it holds a patient identifier, which this service never stores: "
            + " ".join(exc.messages)
        )
    return reason_code, comment
