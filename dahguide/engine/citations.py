"""Citations and guideline positions as the reader sees them: resolved from the snapshot's keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .content import Citation, Snapshot
from .facts import Fact
from .rules import evaluate_rule


@dataclass(frozen=True)
class Position:
    """One source's position on a topic (a content ``Disagreement`` with its citations resolved)."""

    code: str
    source: str
    position: str
    strength: str
    citations: tuple[Citation, ...]
    verification: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "position": self.position,
            "strength": self.strength,
            "citations": [citation_dict(c) for c in self.citations],
            "verification": self.verification,
        }


def resolve_citations(snapshot: Snapshot, keys: Iterable[str]) -> tuple[Citation, ...]:
    """Citations by key; a key content does not define is shown as unverified rather than dropped."""
    keys = tuple(keys)
    memo = snapshot.memo
    resolved = memo.get(("citations", keys))
    if resolved is None:
        resolved = memo[("citations", keys)] = tuple(
            snapshot.citations.get(k) or Citation(k, k, "", "", "unverified") for k in keys
        )
    return resolved


def citation_dict(c: Citation) -> dict[str, str]:
    return {"label": c.label, "reference": c.reference, "url": c.url, "verification": c.verification}


def positions_on(topic: str, facts: Mapping[str, Fact], snapshot: Snapshot) -> tuple[Position, ...]:
    """The content's positions on a topic whose ``applies_when`` matches these facts, in content order."""
    by_topic = snapshot.memo.get("disagreements_by_topic")
    if by_topic is None:
        by_topic = {}
        for d in snapshot.disagreements:
            by_topic.setdefault(d.topic, []).append(d)
        snapshot.memo["disagreements_by_topic"] = by_topic
    return tuple(
        Position(d.code, d.source, d.position, d.strength, resolve_citations(snapshot, d.citations), d.verification)
        for d in by_topic.get(topic, ())
        if evaluate_rule(d.applies_when, facts).matched
    )
