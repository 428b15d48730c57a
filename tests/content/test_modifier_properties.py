"""Properties of modifiers and doses over generated patients, with the published content (Hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given

from dahguide.engine.content import Snapshot
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import Plan, evaluate
from dahguide.engine.rules import evaluate_rule
from dahguide.engine.vocabulary import MODIFIERS
from tests.engine.test_properties import SETTINGS, valid_intake_data

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "guideline.json"
SNAPSHOT = Snapshot.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))
BASIS_INPUTS = {
    "per_kg": ("weight_kg",),
    "per_m2": ("weight_kg", "height_cm"),
    "per_kg_predicted_body_weight": ("height_cm", "sex"),
    "fixed": (),
}


def plan_of(data: dict[str, Any]) -> Plan:
    result = parse_intake(data, implausible="unknown")
    assert result.errors == {}
    return evaluate(result, SNAPSHOT)


@SETTINGS
@given(valid_intake_data())
def test_every_triggered_action_is_shown_with_its_stances_or_withheld(data: dict[str, Any]) -> None:
    plan = plan_of(data)
    shown = {r.code for r in plan.recommendations}
    withheld = {w.code: w for w in plan.withheld}
    assert not shown & set(withheld)
    for rec in SNAPSHOT.recommendations:
        if not evaluate_rule(rec.applies_when, plan.facts).matched:
            assert rec.code not in shown and rec.code not in withheld
            continue
        withholding = (
            [
                m
                for m in MODIFIERS
                if plan.facts.value(m) is True and SNAPSHOT.stances[(rec.code, m)].stance == "withheld"
            ]
            if rec.kind == "action"
            else []
        )
        if withholding:
            assert rec.code in withheld and list(withheld[rec.code].modifiers) == withholding
        else:
            assert rec.code in shown


@SETTINGS
@given(valid_intake_data())
def test_no_dose_without_its_inputs_and_none_above_its_cap(data: dict[str, Any]) -> None:
    plan = plan_of(data)
    for rec in plan.recommendations:
        content = {d.code: d for d in SNAPSHOT.doses.get(rec.code, ())}
        for dose in rec.doses:
            rule = content[dose.code]
            if dose.amount is None:
                continue
            assert dose.missing == ()
            for name in BASIS_INPUTS[rule.basis] + tuple(a.band_on for a in rule.alternatives):
                assert getattr(plan.intake, name) is not None, (dose.code, name)
            if rule.max_amount is not None:
                assert dose.value_high is not None and dose.value_high <= rule.max_amount
            if rule.population == "adult":
                assert plan.facts.value("paediatric") is not True
            if rule.population == "paediatric":
                assert plan.facts.value("paediatric") is not False
