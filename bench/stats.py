"""Small statistics for the report: percentiles (linear interpolation, as numpy's default)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``, interpolated between the closest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        return cls(len(values), percentile(values, 50), percentile(values, 95), max(values))


def ratio(value: float, floor: float) -> float:
    """``value ÷ floor``; infinite when the floor is zero (never passes a ratio target)."""
    return value / floor if floor > 0 else math.inf
