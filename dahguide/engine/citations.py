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
            "source": self.source, "position": self.position, "strength": self.strength,
            "citations": [citation_dict(c) for c in self.citations], "verification": self.verification,
        }


def resolve_citations(snapshot: Snapshot, keys: Iterable[str]) -> tuple[Citation, ...]:
    """Citations by key; a key content does not define is shown as unverified rather than dropped."""
    return tuple(snapshot.citations.get(k) or Citation(k, k, "", "", "unverified") for k in keys)


def citation_dict(c: Citation) -> dict[str, str]:
    return {"label": c.label, "reference": c.reference, "url": c.url, "verification": c.verification}


def positions_on(topic: str, facts: Mapping[str, Fact], snapshot: Snapshot) -> tuple[Position, ...]:
    """The content's positions on a topic whose ``applies_when`` matches these facts, in content order."""
    return tuple(
        Position(d.code, d.source, d.position, d.strength, resolve_citations(snapshot, d.citations), d.verification)
        for d in snapshot.disagreements
        if d.topic == topic and evaluate_rule(d.applies_when, facts).matched
    )
