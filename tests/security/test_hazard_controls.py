"""Controls of the clinical hazard log (docs/safety/hazard-log.md) not already pinned elsewhere: each
a plan built from the real published content (fixtures/guideline.json) for a patient the hazard
describes, and what the physician must (not) be told."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate
from dahguide.wizard import services
from dahguide.wizard.answers import STEP_CODES
from tests.wizard.conftest import VALID

GPA = {"etiology": "gpa", "anca_type": "pr3", "active_dah": True}


@pytest.fixture(scope="module")
def content(guideline_document) -> Snapshot:
    return Snapshot.from_dict(guideline_document)


def plan(content: Snapshot, **intake: Any) -> dict[str, Any]:
    result = parse_intake(intake, implausible="unknown")
    assert not result.errors, result.errors
    return evaluate(result, content).to_dict()


def codes(items: list[dict[str, Any]]) -> set[str]:
    return {item["code"] for item in items}


def test_avacopan_in_ventilated_dah_carries_the_limited_evidence_warning(content):
    ventilated = plan(content, **GPA, oxygen_support="invasive_ventilation", high_steroid_toxicity_risk=True)
    assert "avacopan_steroid_sparing" in codes(ventilated["recommendations"])
    assert "avacopan_limited_evidence_ventilated" in codes(ventilated["warnings"])


def test_avacopan_is_not_suggested_without_high_steroid_toxicity_risk(content):
    ventilated = plan(content, **GPA, oxygen_support="invasive_ventilation", high_steroid_toxicity_risk=False)
    assert "avacopan_steroid_sparing" not in codes(ventilated["recommendations"])


def test_anticoagulation_warning_stays_while_bleeding_control_is_unknown(content):
    unknown = plan(content, **GPA)
    assert "no_anticoagulation_while_bleeding" in codes(unknown["warnings"])
    assert "thromboprophylaxis_once_bleeding_controlled" not in codes(unknown["recommendations"])


def test_thromboprophylaxis_appears_only_once_bleeding_is_controlled(content):
    controlled = plan(content, **GPA, bleeding_controlled=True)
    assert "thromboprophylaxis_once_bleeding_controlled" in codes(controlled["recommendations"])
    assert "no_anticoagulation_while_bleeding" not in codes(controlled["warnings"])


@pytest.mark.parametrize("etiology", ["infection", "drug_or_toxin", "coagulopathy", "hsct"])
def test_plasma_exchange_is_not_offered_outside_immune_dah(content, etiology):
    result = plan(
        content,
        etiology=etiology,
        oxygen_support="high_flow",
        spo2_percent=85,
        on_dialysis=True,
        creatinine_value=5,
        creatinine_unit="mg/dL",
    )
    assert result["plasma_exchange"]["decision"] == "not_indicated"


@pytest.mark.parametrize(("value", "unit"), [("3.4", "mg/dL"), ("3.45", "mg/dL"), ("300", "umol/L")])
def test_borderline_creatinine_is_flagged_for_checking(content, value, unit):
    result = plan(
        content,
        **GPA,
        oxygen_support="room_air",
        spo2_percent=97,
        creatinine_value=value,
        creatinine_unit=unit,
        on_dialysis=False,
        creatinine_rising_rapidly=False,
    )
    assert "creatinine_borderline" in codes(result["warnings"])


@pytest.mark.django_db
def test_the_plan_page_shows_every_guideline_position_where_they_disagree(client, physician, published_guideline):
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    answers = {k: v for code in STEP_CODES for k, v in VALID[code].items()}
    services.draft_save_answers(draft=draft, answers=answers, current_step="review", complete=STEP_CODES)
    client.force_login(physician)
    html = client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()
    expected = plan(
        Snapshot.from_dict(published_guideline.snapshot),
        **GPA,
        oxygen_support="high_flow",
        spo2_percent=92,
        creatinine_value="1.8",
        creatinine_unit="mg/dL",
        on_dialysis=False,
    )
    positions = expected["plasma_exchange"]["disagreements"]
    assert len(positions) >= 2
    assert "Guidelines disagree on plasma exchange" in html
    for position in positions:
        assert position["source"] in html
