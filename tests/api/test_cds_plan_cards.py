"""CDS Hooks cards for what to do now: the "Give now" card (actions for now with this patient's doses
and caveats) and the "Not suggested for this patient" card (withheld actions with their reasons).

The patients (tests/api/conftest.py) are golden cases of REFERENCE §8, evaluated against the shipped
guideline; the cards are built as the service builds them, with no EHR data. Facts such as
"bleeding controlled" or "after HSCT" cannot come from the EHR mapping, so these cards are tested
from the plan; one test goes through the service with the warfarin example request.
"""

from __future__ import annotations

from typing import Any

import pytest

from dahguide.api.cds import cards
from dahguide.api.cds.mapping import MappingResult

from .conftest import (
    AGE_UNKNOWN,
    CHILD_25_KG,
    CHILD_NO_WEIGHT,
    HEPARIN_ON_ECMO,
    HEPARIN_SUPPORT_UNKNOWN,
    HSCT_CHILD,
    PATIENTS,
    WARFARIN_INR_7_8,
    cds_auth,
    example,
    plan_of,
    post_json,
)

SOURCE = {"label": "DAH Guide (guideline version 1)", "url": "http://testserver/"}
LINK = {"label": "Open in DAH Guide (prefilled with these values)", "url": "http://testserver/x", "type": "absolute"}


def cards_for(intake: dict[str, Any]) -> list[dict[str, Any]]:
    return cards.build_cards(plan_of(intake), MappingResult(), fhir_server=False, source=SOURCE, link=LINK)


def topics(cards_: list[dict[str, Any]]) -> list[str]:
    return [c["source"]["topic"]["code"] for c in cards_]


def card(intake: dict[str, Any], topic: str) -> dict[str, Any]:
    found = [c for c in cards_for(intake) if c["source"]["topic"]["code"] == topic]
    assert len(found) == 1, topics(cards_for(intake))
    return found[0]


def action_block(detail: str, title: str) -> str:
    """The part of a "Give now" detail about one action (from its numbered title to the next)."""
    start = detail.index(f". {title}**")
    end = detail.find("\n\n**", start + 1)
    return detail[start:] if end == -1 else detail[start:end]


# -- Which cards, in which order ----------------------------------------------------------------------


def test_cards_come_decision_then_give_now_then_not_suggested_then_critical_warnings():
    assert topics(cards_for(CHILD_25_KG)) == ["decision", "give_now", "withheld", "warning"]


def test_plan_without_withheld_actions_has_no_not_suggested_card():
    assert "withheld" not in topics(cards_for(WARFARIN_INR_7_8))


def test_plan_without_actions_for_now_has_no_give_now_card():
    assert "give_now" not in topics(cards_for({"active_dah": False, "etiology": "mpa"}))


@pytest.mark.parametrize("intake", PATIENTS)
def test_every_summary_is_shorter_than_140_characters(intake):
    assert all(len(c["summary"]) < 140 for c in cards_for(intake))


def test_card_topic_is_coded_in_the_dahguide_card_code_system():
    topic = card(HSCT_CHILD, "give_now")["source"]["topic"]
    assert topic["system"].endswith("/CodeSystem/dahguide-cds-card")
    assert topic["display"] == "Give now"


def test_cards_keep_the_service_source_label_and_link():
    given = card(HSCT_CHILD, "withheld")
    assert (given["source"]["label"], given["links"]) == (SOURCE["label"], [LINK])


# -- The HSCT child with platelets 12, bleeding controlled --------------------------------------------


def test_hsct_child_prophylaxis_is_not_suggested_with_its_reason():
    withheld = card(HSCT_CHILD, "withheld")
    assert withheld["summary"] == "Not suggested for this patient: Thromboprophylaxis once bleeding is controlled"
    assert "platelets 12 ×10⁹/L (< 50)" in withheld["detail"]
    assert "use intermittent pneumatic compression instead" in withheld["detail"]


def test_not_suggested_card_is_a_warning_naming_the_modifier():
    withheld = card(HSCT_CHILD, "withheld")
    assert withheld["indicator"] == "warning"
    assert "not suggested because of: Low platelets" in withheld["detail"]


def test_not_suggested_card_cites_its_sources_and_says_unverified():
    detail = card(HSCT_CHILD, "withheld")["detail"]
    assert "**Thromboprophylaxis once bleeding is controlled** _(unverified)_" in detail
    assert "Sources: [ISTH SSC 2018](https://doi.org/10.1111/jth.14015)" in detail


def test_hsct_child_gives_mechanical_prophylaxis_now_and_not_the_withheld_drug():
    give_now = card(HSCT_CHILD, "give_now")
    assert "Mechanical thromboprophylaxis while drugs cannot be used" in give_now["detail"]
    assert ". Thromboprophylaxis once bleeding is controlled**" not in give_now["detail"]


def test_give_now_points_at_the_not_suggested_card():
    detail = card(HSCT_CHILD, "give_now")["detail"]
    assert (
        "**Not suggested for this patient** (see its card): Thromboprophylaxis once bleeding is controlled." in detail
    )


def test_give_now_is_a_warning_without_critical_red_flag_or_reversal():
    assert card(HSCT_CHILD, "give_now")["indicator"] == "warning"


# -- Warfarin, INR 7.8, bleeding ----------------------------------------------------------------------


def test_warfarin_give_now_is_critical():
    assert card(WARFARIN_INR_7_8, "give_now")["indicator"] == "critical"


def test_warfarin_reversal_comes_first():
    give_now = card(WARFARIN_INR_7_8, "give_now")
    assert give_now["detail"].startswith("**Reverse the anticoagulation first**: Reverse the vitamin K antagonist.")
    assert give_now["summary"].startswith(
        "Give now: Stop the anticoagulant or antiplatelet drug; Reverse the vitamin K antagonist;"
    )


def test_warfarin_reversal_shows_the_pcc_dose_by_inr_and_weight():
    block = action_block(card(WARFARIN_INR_7_8, "give_now")["detail"], "Reverse the vitamin K antagonist")
    assert (
        "**Four-factor PCC 4000 IU** IV once; recheck the INR — ACC 2020: 50 IU/kg for INR 7.8; "
        "50 IU/kg × 80 kg = 4000 IU. _(secondary source)_"
    ) in block
    assert "**Vitamin K (phytomenadione) 5–10 mg** by slow IV infusion" in block


def test_every_computed_dose_says_confirm_before_prescribing():
    block = action_block(card(WARFARIN_INR_7_8, "give_now")["detail"], "Reverse the vitamin K antagonist")
    assert block.count("Confirm before prescribing.") == 2


def test_warfarin_give_now_cites_the_dose_source():
    block = action_block(card(WARFARIN_INR_7_8, "give_now")["detail"], "Reverse the vitamin K antagonist")
    assert "Sources: [ACC 2020 bleeding on oral anticoagulants](https://doi.org/10.1016/j.jacc.2020.04.053)." in block


def test_give_now_names_the_critical_warning_that_makes_it_critical():
    detail = card(WARFARIN_INR_7_8, "give_now")["detail"]
    assert "**Critical** (each has its own card): Do not start pharmacological thromboprophylaxis" in detail


def test_warfarin_example_request_gets_a_critical_give_now_card(client, published_guideline, hook_time):
    response = post_json(client, "/cds-services/dah-treatment", example("warfarin_bleeding"), **cds_auth())
    give_now = [c for c in response.json()["cards"] if c["source"]["topic"]["code"] == "give_now"]
    assert [c["indicator"] for c in give_now] == ["critical"]
    assert "Reverse the vitamin K antagonist" in give_now[0]["summary"]


# -- Children: 25 kg, and weight not recorded ---------------------------------------------------------


def test_child_of_25_kg_gets_methylprednisolone_750_mg():
    block = action_block(card(CHILD_25_KG, "give_now")["detail"], "Pulse intravenous methylprednisolone")
    assert (
        "**Methylprednisolone 750 mg** IV once daily for 3 days — 30 mg/kg × 25 kg = 750 mg. _(secondary source)_ "
        "Confirm before prescribing."
    ) in block


def test_child_dose_shows_the_paediatric_caveat_beside_it():
    block = action_block(card(CHILD_25_KG, "give_now")["detail"], "Pulse intravenous methylprednisolone")
    assert "**Age under 18**: Age 9 years (< 18): the paediatric dose is 30 mg/kg/day" in block


def test_child_is_not_given_the_adult_dose():
    block = action_block(card(CHILD_25_KG, "give_now")["detail"], "Pulse intravenous methylprednisolone")
    assert "500–1000 mg" not in block


def test_child_avacopan_is_not_suggested():
    assert "age 9 years (< 18): avacopan is licensed for adults" in card(CHILD_25_KG, "withheld")["detail"]


def test_missing_weight_says_weight_needed_instead_of_a_dose():
    block = action_block(card(CHILD_NO_WEIGHT, "give_now")["detail"], "Pulse intravenous methylprednisolone")
    assert "**Methylprednisolone**: weight needed for the dose — 30 mg/kg, maximum 1000 mg, IV once daily" in block


def test_missing_weight_dose_is_not_to_be_confirmed_since_there_is_no_figure():
    block = action_block(card(CHILD_NO_WEIGHT, "give_now")["detail"], "Pulse intravenous methylprednisolone")
    assert "Confirm before prescribing" not in block


def test_age_unknown_shows_adult_and_child_doses_labelled():
    block = action_block(card(AGE_UNKNOWN, "give_now")["detail"], "Pulse intravenous methylprednisolone")
    assert "- Adults: **Methylprednisolone 500–1000 mg**" in block
    assert "- Under 18: **Methylprednisolone**: weight needed for the dose" in block


# -- Check first: an unknown modifier that would withhold an action for now ---------------------------


def test_pending_caveat_is_a_check_first_beside_its_action():
    block = action_block(
        card(HEPARIN_SUPPORT_UNKNOWN, "give_now")["detail"], "Reverse unfractionated heparin with protamine"
    )
    assert "- **Check first**: oxygen support not recorded. If so: heparin for the ECMO circuit" in block


def test_on_ecmo_heparin_reversal_is_not_given_now_but_not_suggested():
    assert ". Reverse unfractionated heparin with protamine**" not in card(HEPARIN_ON_ECMO, "give_now")["detail"]
    assert card(HEPARIN_ON_ECMO, "withheld")["summary"] == (
        "Not suggested for this patient: Reverse unfractionated heparin with protamine"
    )


def test_action_from_a_secondary_source_says_so():
    detail = card(CHILD_25_KG, "give_now")["detail"]
    assert "**2. Pulse intravenous methylprednisolone** _(secondary source)_" in detail


def test_summary_lists_the_actions_that_fit_and_counts_the_rest():
    a, b, c = "a" * 50, "b" * 50, "c" * 50
    assert cards.fitted("Give now", [a, b, c]) == f"Give now: {a}; {b} (+1 more)"
