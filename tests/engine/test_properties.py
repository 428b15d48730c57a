"""Properties of the engine over generated intakes (Hypothesis)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dahguide.engine import units
from dahguide.engine.facts import ANTI_GBM_ETIOLOGIES, OXYGEN_SUPPORT_ABOVE_ROOM_AIR
from dahguide.engine.intake import FIELDS, INPUT_NAMES, FieldSpec, Intake, parse_intake
from dahguide.engine.plan import Plan, evaluate
from dahguide.engine.vocabulary import CREATININE_UNITS, PLEX_CRITERIA
from tests.engine.snapshot_factory import make_snapshot

SNAPSHOT = make_snapshot()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values at and around the thresholds, so generated cases cross them often.
BOUNDARIES: dict[str, list[str]] = {
    "spo2_percent": ["84.9", "85", "85.1", "89.9", "90", "90.1"],
    "pao2_fio2_ratio": ["299.9", "300", "300.1"],
    "platelets_10e9_per_l": ["49", "50", "2000", "2001"],
    "egfr": ["29", "30"],
    "age_years": ["17", "18", "65", "66"],
    "months_in_complete_remission": ["5", "6"],
}
CREATININE_BOUNDARIES = [
    ("3.4", "mg/dL"),
    ("3.41", "mg/dL"),
    ("300", "umol/L"),
    ("301", "umol/L"),
    ("0.3", "mmol/L"),
    ("4", "mg/dL"),
    ("353.6", "umol/L"),
    ("300", "mg/dL"),
]


def _number(spec: FieldSpec) -> st.SearchStrategy[Any]:
    assert spec.hard_range is not None
    low, high = spec.hard_range
    if spec.kind == "integer":
        base: st.SearchStrategy[Any] = st.integers(int(low), int(high))
    else:
        base = st.decimals(min_value=low, max_value=high, places=2, allow_nan=False, allow_infinity=False).map(
            lambda d: float(d) if d == d.to_integral_value() or len(str(d)) < 8 else str(d)
        )
    boundary = BOUNDARIES.get(spec.name)
    return st.one_of(base, st.sampled_from(boundary)) if boundary else base


def _answer(spec: FieldSpec) -> st.SearchStrategy[Any]:
    choices = [value for value, _ in spec.choices]
    if spec.kind == "boolean":
        return st.sampled_from([True, False, "yes", "no"])
    if spec.kind == "choice":
        return st.sampled_from(choices)
    if spec.kind == "multi_choice":
        return st.lists(st.sampled_from(choices), unique=True)
    return _number(spec)


_creatinine = st.one_of(
    st.tuples(st.decimals(min_value=0, max_value=3000, places=3).map(str), st.sampled_from(CREATININE_UNITS)),
    st.sampled_from(CREATININE_BOUNDARIES),
)


@st.composite
def valid_intake_data(draw: st.DrawFn) -> dict[str, Any]:
    """JSON an API client could send: any subset of fields, each unknown or a value within its hard range."""
    data: dict[str, Any] = {}
    for spec in FIELDS.values():
        if spec.kind == "lab":
            if draw(st.booleans()):
                value, unit = draw(_creatinine)
                data[spec.name], data[spec.unit_field] = value, unit
            continue
        choice = draw(st.sampled_from(["absent", "null", "value", "value"]))
        if choice == "null":
            data[spec.name] = None
        elif choice == "value":
            data[spec.name] = draw(_answer(spec))
    return data


def plan_of(data: dict[str, Any]) -> Plan:
    result = parse_intake(data, implausible="unknown")
    assert result.errors == {}, result.errors
    return evaluate(result, SNAPSHOT)


def without(data: dict[str, Any], field: str) -> dict[str, Any]:
    reduced = dict(data)
    for name in FIELDS[field].input_names:
        reduced[name] = None
    return reduced


def statuses(plan: Plan) -> dict[str, str]:
    return {c.code: c.status for c in plan.plasma_exchange.criteria}


def conflicting_evidence(intake: Intake) -> set[str]:
    """Criteria whose inputs hold evidence both ways; §4.1/§4.4 resolve these towards "met".

    Removing the evidence for "met" then leaves the evidence against it, which is correct
    behaviour, not a loss of monotonicity: e.g. room air, SpO₂ 95% and P/F 250 is hypoxemic;
    without the P/F it is not. Pinned by explicit tests in test_facts.py.
    """
    support, spo2, pf = intake.oxygen_support, intake.spo2_percent, intake.pao2_fio2_ratio
    for_hypoxemia = (
        support in OXYGEN_SUPPORT_ABOVE_ROOM_AIR or (pf is not None and pf <= 300) or (spo2 is not None and spo2 < 90)
    )
    against_hypoxemia = (pf is not None and pf > 300) or (support == "room_air" and spo2 is not None and spo2 >= 90)
    conflicts = set()
    if for_hypoxemia and against_hypoxemia:
        conflicts.add("dah_with_hypoxemia")
    if intake.etiology in ANTI_GBM_ETIOLOGIES and intake.anti_gbm_positive is False:
        conflicts.add("anti_gbm_disease")
    return conflicts


# -- Properties ------------------------------------------------------------------------------------


@SETTINGS
@given(
    value=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
    unit=st.sampled_from(CREATININE_UNITS),
    other=st.sampled_from(CREATININE_UNITS),
)
def test_creatinine_conversions_round_trip(value: Decimal, unit: str, other: str) -> None:
    back = units.convert_creatinine(units.convert_creatinine(value, unit, other), other, unit)
    assert abs(back - value) <= value * Decimal("1e-20")


@SETTINGS
@given(value=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3))
def test_mg_dl_to_umol_l_and_back_is_exact(value: Decimal) -> None:
    assert units.creatinine_to_mg_dl(units.creatinine_to_umol_l(value, "mg/dL"), "umol/L") == value


@SETTINGS
@given(
    value=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("3000"), places=3),
    unit=st.sampled_from(CREATININE_UNITS),
)
def test_threshold_comparison_does_not_depend_on_the_unit_entered(value: Decimal, unit: str) -> None:
    umol = units.creatinine_to_umol_l(value, unit)
    assert units.compare_creatinine_mg_dl(value, unit, Decimal("3.4")) == units.compare_creatinine_mg_dl(
        umol, "umol/L", Decimal("3.4")
    )


@SETTINGS
@given(data=valid_intake_data())
def test_evaluate_never_raises_on_an_intake_that_passed_parse(data: dict[str, Any]) -> None:
    for mode in ("unknown", "error"):
        result = parse_intake(data, implausible=mode)  # type: ignore[arg-type]
        if result.errors:
            assert mode == "error"  # only implausible values are refused in wizard mode
            continue
        document = evaluate(result, SNAPSHOT).to_dict()
        json.dumps(document, allow_nan=False)
        assert [c["code"] for c in document["plasma_exchange"]["criteria"]] == list(PLEX_CRITERIA)


@SETTINGS
@given(data=valid_intake_data())
def test_normalised_inputs_parse_back_to_the_same_intake(data: dict[str, Any]) -> None:
    result = parse_intake(data, implausible="unknown")
    assert result.intake is not None
    again = parse_intake(json.loads(json.dumps(result.intake.to_dict())), implausible="unknown")
    assert again.intake == result.intake


@SETTINGS
@given(data=valid_intake_data(), field=st.sampled_from([n for n in FIELDS]))
def test_making_one_input_unknown_never_turns_met_or_unknown_into_not_met(data: dict[str, Any], field: str) -> None:
    before, after = plan_of(data), plan_of(without(data, field))
    skip = conflicting_evidence(before.intake)
    for code, status in statuses(before).items():
        if status in {"met", "unknown"} and code not in skip:
            assert statuses(after)[code] != "not_met", (code, field)


@SETTINGS
@given(data=valid_intake_data(), field=st.sampled_from([n for n in FIELDS]))
def test_making_one_input_unknown_never_turns_consider_or_insufficient_into_not_indicated(
    data: dict[str, Any], field: str
) -> None:
    before = plan_of(data)
    if before.plasma_exchange.decision in {"consider", "insufficient_data"} and not conflicting_evidence(before.intake):
        assert plan_of(without(data, field)).plasma_exchange.decision != "not_indicated", field


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(INPUT_NAMES) | st.text(max_size=12), JSON, max_size=12))
def test_parse_intake_never_raises_on_any_json(data: dict[str, Any]) -> None:
    for mode in ("unknown", "error"):
        result = parse_intake(data, implausible=mode)  # type: ignore[arg-type]
        assert (result.intake is None) == bool(result.errors)
        if result.intake is not None:
            json.dumps(evaluate(result, SNAPSHOT).to_dict(), allow_nan=False)
