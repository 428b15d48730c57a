from __future__ import annotations

import pytest

from dahguide.engine.content import Condition, rule_from_data
from dahguide.engine.facts import Fact
from dahguide.engine.rules import condition_matches, evaluate_rule

FACTS = {
    "hypoxemia": Fact("hypoxemia", True, ("on supplemental oxygen",)),
    "bleeding_controlled": Fact("bleeding_controlled", False, ("bleeding not controlled",)),
    "on_dialysis": Fact("on_dialysis", None, ("Dialysis for this episode not recorded",)),
    "etiology": Fact("etiology", "mpa", ("etiology is MPA",)),
    "anca_type": Fact("anca_type", None, ("ANCA not recorded",)),
}

BOOLEAN = [
    # op, fact (true / false / unknown) -> matches
    ("is_true", "hypoxemia", True),
    ("is_true", "bleeding_controlled", False),
    ("is_true", "on_dialysis", False),
    ("is_false", "hypoxemia", False),
    ("is_false", "bleeding_controlled", True),
    ("is_false", "on_dialysis", False),
    ("is_unknown", "hypoxemia", False),
    ("is_unknown", "bleeding_controlled", False),
    ("is_unknown", "on_dialysis", True),
    ("is_not_false", "hypoxemia", True),
    ("is_not_false", "bleeding_controlled", False),
    ("is_not_false", "on_dialysis", True),
    ("is_not_true", "hypoxemia", False),
    ("is_not_true", "bleeding_controlled", True),
    ("is_not_true", "on_dialysis", True),
]


@pytest.mark.parametrize(("op", "fact", "expected"), BOOLEAN)
def test_boolean_operators(op: str, fact: str, expected: bool) -> None:
    assert condition_matches(Condition(fact, op), FACTS) is expected


CHOICE = [
    ("in", "etiology", ("mpa", "gpa"), True),
    ("in", "etiology", ("gpa",), False),
    ("in", "anca_type", ("pr3", "mpo"), False),
    ("in", "anca_type", ("pr3", "unknown"), True),
    ("not_in", "etiology", ("gpa",), True),
    ("not_in", "etiology", ("mpa",), False),
    ("not_in", "anca_type", ("pr3",), False),  # unknown is never "known and not one of"
    ("not_in", "anca_type", ("unknown",), False),
    ("is_unknown", "anca_type", (), True),
    ("is_unknown", "etiology", (), False),
]


@pytest.mark.parametrize(("op", "fact", "values", "expected"), CHOICE)
def test_choice_operators(op: str, fact: str, values: tuple[str, ...], expected: bool) -> None:
    assert condition_matches(Condition(fact, op, values), FACTS) is expected


def test_a_fact_the_engine_did_not_produce_is_unknown() -> None:
    assert condition_matches(Condition("no_such_fact", "is_unknown"), FACTS)
    assert not condition_matches(Condition("no_such_fact", "is_true"), FACTS)


def test_an_operator_the_engine_does_not_know_never_matches() -> None:
    assert not condition_matches(Condition("hypoxemia", "equals", ("true",)), FACTS)


def test_empty_rule_always_applies_with_no_reasons() -> None:
    assert evaluate_rule((), FACTS).matched
    assert evaluate_rule((), FACTS).why == ()


def test_conditions_in_a_group_are_and_ed() -> None:
    rule = rule_from_data([[{"fact": "hypoxemia", "op": "is_true"}, {"fact": "on_dialysis", "op": "is_true"}]])
    assert not evaluate_rule(rule, FACTS).matched


def test_groups_are_or_ed_and_why_lists_the_reasons_of_the_matching_group() -> None:
    rule = rule_from_data(
        [
            [{"fact": "on_dialysis", "op": "is_true"}],
            [{"fact": "etiology", "op": "in", "values": ["mpa"]}, {"fact": "hypoxemia", "op": "is_true"}],
        ]
    )
    match = evaluate_rule(rule, FACTS)
    assert match.matched
    assert match.why == ("etiology is MPA", "on supplemental oxygen")


def test_why_is_deduplicated_in_order_across_matching_groups() -> None:
    rule = rule_from_data(
        [
            [{"fact": "hypoxemia", "op": "is_true"}],
            [{"fact": "hypoxemia", "op": "is_not_false"}, {"fact": "on_dialysis", "op": "is_unknown"}],
        ]
    )
    assert evaluate_rule(rule, FACTS).why == ("on supplemental oxygen", "Dialysis for this episode not recorded")


def test_unmatched_rule_has_no_reasons() -> None:
    rule = rule_from_data([[{"fact": "hypoxemia", "op": "is_false"}]])
    assert evaluate_rule(rule, FACTS).why == ()


def test_an_empty_group_never_matches() -> None:
    assert not evaluate_rule(((),), FACTS).matched
