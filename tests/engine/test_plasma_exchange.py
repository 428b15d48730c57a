from __future__ import annotations

from typing import Any

import pytest

from dahguide.engine.content import Snapshot
from dahguide.engine.facts import describe
from dahguide.engine.intake import parse_intake
from dahguide.engine.plasma_exchange import PlasmaExchangeCheck, check_plasma_exchange
from dahguide.engine.vocabulary import PLEX_CRITERIA
from tests.engine.golden_cases import NEGATIVE
from tests.engine.snapshot_factory import make_snapshot, snapshot_data


def check(data: dict[str, Any], snapshot: Snapshot) -> PlasmaExchangeCheck:
    result = parse_intake(data)
    assert result.intake is not None, result.errors
    return check_plasma_exchange(describe(result.intake, snapshot), snapshot)


def criterion(result: PlasmaExchangeCheck, code: str) -> Any:
    return next(c for c in result.criteria if c.code == code)


def test_plex_unknown_when_creatinine_missing(snapshot: Snapshot) -> None:
    result = check({**NEGATIVE, "creatinine_value": None}, snapshot)
    assert result.status("creatinine_over_3_4_mg_dl") == "unknown"
    assert criterion(result, "creatinine_over_3_4_mg_dl").observed == "not recorded"
    assert result.decision == "insufficient_data"


def test_all_four_criteria_are_always_listed_in_contract_order(snapshot: Snapshot) -> None:
    for data in ({}, NEGATIVE, {"etiology": "hsct"}, {"active_dah": False}, {"dialysis_chronic_preexisting": True}):
        assert tuple(c.code for c in check(data, snapshot).criteria) == PLEX_CRITERIA


def test_criteria_are_listed_with_status_when_not_indicated(snapshot: Snapshot) -> None:
    result = check(NEGATIVE, snapshot)
    assert result.decision == "not_indicated"
    assert {c.status for c in result.criteria} == {"not_met"}
    assert all(c.observed and c.threshold and c.explanation for c in result.criteria)


def test_creatinine_threshold_and_observed_value_show_both_units(snapshot: Snapshot) -> None:
    result = check({**NEGATIVE, "creatinine_value": 300, "creatinine_unit": "umol/L"}, snapshot)
    created = criterion(result, "creatinine_over_3_4_mg_dl")
    assert created.threshold == "> 3.4 mg/dL (> 300.56 µmol/L)"
    assert created.observed == "300 µmol/L (3.39 mg/dL)"


def test_hypoxemia_criterion_observed_gives_the_reasons(snapshot: Snapshot) -> None:
    result = check({**NEGATIVE, "oxygen_support": "high_flow", "spo2_percent": 91}, snapshot)
    assert criterion(result, "dah_with_hypoxemia").observed == "on high-flow oxygen"
    assert criterion(result, "dah_with_hypoxemia").threshold == "any oxygen support, P/F ≤ 300 mmHg or SpO₂ < 90%"


def test_criterion_labels_come_from_the_snapshot_texts(snapshot: Snapshot) -> None:
    assert criterion(check({}, snapshot), "dah_with_hypoxemia").label == "DAH with hypoxemia"


def test_one_met_criterion_gives_consider_even_when_others_are_unknown(snapshot: Snapshot) -> None:
    result = check({"etiology": "gpa", "on_dialysis": True}, snapshot)
    assert result.decision == "consider"
    assert result.criteria_met == ("dialysis_or_rapidly_rising_creatinine",)


def test_not_indicated_needs_every_criterion_known_and_negative(snapshot: Snapshot) -> None:
    for field in (
        "creatinine_value",
        "on_dialysis",
        "creatinine_rising_rapidly",
        "oxygen_support",
        "anti_gbm_positive",
    ):
        assert check({**NEGATIVE, field: None}, snapshot).decision == "insufficient_data", field


def test_dialysis_criterion_is_met_by_either_input(snapshot: Snapshot) -> None:
    assert (
        check({"on_dialysis": True, "creatinine_rising_rapidly": False}, snapshot).status(
            "dialysis_or_rapidly_rising_creatinine"
        )
        == "met"
    )
    assert (
        check({"on_dialysis": None, "creatinine_rising_rapidly": True}, snapshot).status(
            "dialysis_or_rapidly_rising_creatinine"
        )
        == "met"
    )
    assert check({"on_dialysis": False}, snapshot).status("dialysis_or_rapidly_rising_creatinine") == "unknown"


def test_chronic_dialysis_makes_only_the_kidney_criteria_not_applicable(snapshot: Snapshot) -> None:
    result = check(
        {"etiology": "mpa", "dialysis_chronic_preexisting": True, "creatinine_value": 9, "creatinine_unit": "mg/dL"},
        snapshot,
    )
    assert [c.status for c in result.criteria] == ["not_applicable", "not_applicable", "unknown", "unknown"]
    assert result.decision == "insufficient_data"


def test_inactive_dah_evaluates_nothing_even_for_anti_gbm(snapshot: Snapshot) -> None:
    result = check({"active_dah": False, "etiology": "anti_gbm"}, snapshot)
    assert result.decision == "not_indicated"
    assert {c.status for c in result.criteria} == {"not_applicable"}
    assert result.criteria_met == ()


def test_anti_gbm_disease_is_recommended_not_consider(snapshot: Snapshot) -> None:
    result = check({"etiology": "anti_gbm"}, snapshot)
    assert result.decision == "recommended"
    assert result.text == "PLEX recommended."


def test_non_immune_cause_is_not_indicated_even_with_every_other_criterion_met(snapshot: Snapshot) -> None:
    result = check(
        {
            "etiology": "infection",
            "creatinine_value": 6,
            "creatinine_unit": "mg/dL",
            "on_dialysis": True,
            "oxygen_support": "ecmo",
            "anti_gbm_positive": False,
        },
        snapshot,
    )
    assert result.decision == "not_indicated"
    assert result.criteria_met == (
        "creatinine_over_3_4_mg_dl",
        "dialysis_or_rapidly_rising_creatinine",
        "dah_with_hypoxemia",
    )


def test_sle_depends_only_on_refractoriness_once_anti_gbm_is_handled(snapshot: Snapshot) -> None:
    assert check({"etiology": "sle", "refractory_to_initial_therapy": True}, snapshot).decision == "consider"
    assert (
        check({"etiology": "sle", "refractory_to_initial_therapy": False, "oxygen_support": "ecmo"}, snapshot).decision
        == "not_indicated"
    )
    assert check({"etiology": "sle"}, snapshot).decision == "insufficient_data"


def test_decision_reasons_name_the_etiology_and_the_met_criterion(snapshot: Snapshot) -> None:
    result = check({**NEGATIVE, "oxygen_support": "supplemental_oxygen"}, snapshot)
    assert result.reasons == ("etiology is MPA", "DAH with hypoxemia: on supplemental oxygen")


def test_decision_text_and_citations_come_from_the_snapshot(snapshot: Snapshot) -> None:
    result = check(NEGATIVE, snapshot)
    assert result.text == "PLEX not indicated."
    assert [c.label for c in result.citations] == ["KDIGO 2024", "KDIGO 2021"]


def test_missing_decision_text_falls_back_to_a_generic_sentence() -> None:
    data = snapshot_data()
    data["texts"] = {}
    result = check(NEGATIVE, make_snapshot(data))
    assert result.text == "Plasma exchange is not indicated by this check."
    assert criterion(result, "anti_gbm_disease").label == "Concomitant anti-GBM disease"


@pytest.mark.parametrize(
    ("data", "sources"),
    [
        ({**NEGATIVE, "on_dialysis": True}, ["KDIGO 2024", "ACR/VF 2021"]),
        ({"etiology": "anti_gbm"}, ["KDIGO 2021"]),
        ({**NEGATIVE, "etiology": "aav_anti_gbm_double_positive"}, ["KDIGO 2024", "ACR/VF 2021", "KDIGO 2021"]),
    ],
)
def test_disagreements_are_shown_when_plasma_exchange_is_suggested(
    data: dict[str, Any], sources: list[str], snapshot: Snapshot
) -> None:
    result = check(data, snapshot)
    assert result.decision in {"consider", "recommended"}
    assert [d.source for d in result.disagreements] == sources
    assert all(d.citations for d in result.disagreements)


@pytest.mark.parametrize("data", [NEGATIVE, {"etiology": "gpa"}, {"etiology": "hsct", "oxygen_support": "ecmo"}])
def test_no_disagreements_when_plasma_exchange_is_not_suggested(data: dict[str, Any], snapshot: Snapshot) -> None:
    assert check(data, snapshot).disagreements == ()


def test_disagreement_rules_can_read_the_decision() -> None:
    data = snapshot_data()
    data["disagreements"][0]["applies_when"] = [
        [{"fact": "plasma_exchange_decision", "op": "in", "values": ["recommended"]}]
    ]
    assert [d.code for d in check({"etiology": "anti_gbm"}, make_snapshot(data)).disagreements] == [
        "plex_kdigo",
        "plex_kdigo_2021_anti_gbm",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"on_dialysis": True}, True),
        ({"creatinine_value": 5, "creatinine_unit": "mg/dL"}, True),
        (
            {
                "creatinine_value": 1,
                "creatinine_unit": "mg/dL",
                "on_dialysis": False,
                "creatinine_rising_rapidly": False,
            },
            False,
        ),
        ({"dialysis_chronic_preexisting": True, "creatinine_value": 9, "creatinine_unit": "mg/dL"}, False),
        ({"creatinine_value": 1, "creatinine_unit": "mg/dL"}, None),
        ({"active_dah": False, "on_dialysis": True}, False),
    ],
)
def test_renal_criterion_fact_for_content(data: dict[str, Any], expected: bool | None, snapshot: Snapshot) -> None:
    facts = dict((f.name, f) for f in check(data, snapshot).decision_facts())
    assert facts["plasma_exchange_renal_criterion_met"].value is expected
