"""Evaluate content's ``applies_when`` rules against facts, with the reasons that made them match.

A rule is a tuple of groups (OR) of conditions (AND); an empty rule always applies. An unknown
fact never satisfies a positive or negative test: it matches only ``is_unknown``,
``is_not_false``, ``is_not_true`` and ``in`` with "unknown" among the values (vocabulary.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .content import Condition, Rule
from .facts import Fact
from .vocabulary import UNKNOWN


@dataclass(frozen=True)
class RuleMatch:
    matched: bool
    why: tuple[str, ...] = ()  # reasons of the facts in the matching group(s), de-duplicated, in order


def condition_matches(condition: Condition, facts: Mapping[str, Fact]) -> bool:
    fact = facts.get(condition.fact)
    return _matches(condition, fact.value if fact is not None else None)  # a fact not produced is unknown


def _matches(condition: Condition, value: object) -> bool:
    op = condition.op
    if op == "is_unknown":
        return value is None
    if op == "is_true":
        return value is True
    if op == "is_false":
        return value is False
    if op == "is_not_false":
        return value is not False
    if op == "is_not_true":
        return value is not True
    if op == "in":
        return (UNKNOWN if value is None else value) in condition.values
    if op == "not_in":
        return value is not None and value not in condition.values
    return False  # an operator the engine does not know never matches (validate_rule refuses it)


def evaluate_rule(rule: Rule, facts: Mapping[str, Fact]) -> RuleMatch:
    if not rule:
        return RuleMatch(True)
    # Plain loops and dict look-ups: rules run some eighty times per plan (bench: engine throughput).
    get = getattr(facts, "by_name", facts).get
    matched_groups = []
    for group in rule:
        if not group:
            continue
        for condition in group:
            fact = get(condition.fact)
            value = fact.value if fact is not None else None
            op = condition.op  # the common operators inline, the rest through _matches
            if op == "is_true":
                if value is not True:
                    break
            elif op == "is_not_false":
                if value is False:
                    break
            elif op == "in":
                if (UNKNOWN if value is None else value) not in condition.values:
                    break
            elif not _matches(condition, value):
                break
        else:
            matched_groups.append(group)
    if not matched_groups:
        return RuleMatch(False)
    why: list[str] = []
    for group in matched_groups:
        for condition in group:
            fact = get(condition.fact)
            for reason in fact.reasons if fact is not None else (f"{condition.fact} not evaluated",):
                if reason not in why:
                    why.append(reason)
    return RuleMatch(True, tuple(why))
