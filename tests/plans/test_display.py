"""The plan's display objects: the decision strip, the layers below it, built as new objects."""

from __future__ import annotations

import copy

import pytest

from dahguide.plans.display import plan_view, preview
from dahguide.plans.labels import is_graded

from .conftest import GOLDEN_CASES, GPA


def _step_url(code: str) -> str:
    return f"/step/{code}/"


def test_the_plan_document_is_not_changed(plan_doc):
    doc = plan_doc(GPA)
    kept = copy.deepcopy(doc)
    plan_view(doc, step_url=_step_url)
    assert doc == kept


def test_the_decision_has_four_chips_told_apart_by_word_and_symbol(plan_doc):
    decision = plan_view(plan_doc(GPA)).decision
    assert decision.label == "Plasma exchange: consider"
    assert [(c.status_label, c.symbol) for c in decision.criteria] == [
        ("Not met", "○"),
        ("Unknown", "?"),
        ("Met", "●"),
        ("Not met", "○"),
    ]


def test_first_actions_are_the_actions_grouped_by_timing(plan_doc):
    view = plan_view(plan_doc(GPA))
    assert [g.label for g in view.first_actions] == ["Now", "Next 24 hours"]
    codes = [a.code for g in view.first_actions for a in g.actions]
    assert "glucocorticoid_pulse" in codes
    assert "prognosis_hypoxemia" not in codes  # a statement, not an action
    assert all(a.kind == "action" for g in view.first_actions for a in g.actions)


def test_a_first_action_carries_its_dose(plan_doc):
    view = plan_view(plan_doc(GPA))
    pulse = next(a for g in view.first_actions for a in g.actions if a.code == "glucocorticoid_pulse")
    assert [(d.drug, d.amount) for d in pulse.ready_doses] == [("Methylprednisolone", "500–1000 mg")]


def test_doses_waiting_for_the_weight_link_to_its_question(plan_doc):
    view = plan_view(plan_doc(GPA), step_url=_step_url)
    induction = next(a for g in view.first_actions for a in g.actions if a.code.startswith("induction_"))
    waiting = {tuple(m.name for m in w.missing): w for w in induction.waiting}
    assert waiting[("weight_kg",)].missing[0].url == "/step/patient/?return_to=review#q-weight_kg"
    assert "Prednisolone (oral)" in waiting[("weight_kg",)].drugs


def test_only_critical_warnings_are_alerts_and_the_rest_are_folded_by_subject(plan_doc):
    view = plan_view(plan_doc(GPA))
    assert [a.code for a in view.alerts] == ["no_anticoagulation_while_bleeding"]
    groups = {g.title: [a.code for a in g.alerts] for g in view.cautions}
    assert groups["Rituximab"] == ["hbv_screening", "rituximab_cautions"]
    assert all(a.severity != "critical" for g in view.cautions for a in g.alerts)


def test_missing_answers_are_listed_once(plan_doc):
    view = plan_view(plan_doc(GPA), step_url=_step_url)
    assert "missing_data" not in [a.code for g in view.cautions for a in g.alerts]
    assert [m.name for m in view.missing][:1] == ["weight_kg"]


def test_a_saved_plan_lists_missing_answers_without_links(plan_doc):
    assert all(m.url == "" for m in plan_view(plan_doc(GPA)).missing)


def test_sections_are_shown_only_with_something_in_them(plan_doc):
    codes = [s.code for s in plan_view(plan_doc(GPA)).sections]
    assert "adjunctive" not in codes
    assert "plasma_exchange" in codes and "monitoring" in codes


def test_anti_gbm_induction_is_listed_under_immunosuppression(plan_doc):
    view = plan_view(plan_doc(GOLDEN_CASES["anti_gbm_disease_is_recommended"]))
    by_section = {s.code: [r.code for r in s.recommendations] for s in view.sections}
    assert "anti_gbm_induction" in by_section["immunosuppression"]


def test_the_legend_lists_the_verification_letters_the_plan_uses(plan_doc):
    view = plan_view(plan_doc(GPA))
    assert [m.letter for m in view.markers] == ["S", "U"]


def test_every_source_is_in_the_references_once(plan_doc):
    view = plan_view(plan_doc(GPA))
    labels = [s.label for s in view.references]
    assert len(labels) == len(set(labels)) and "KDIGO 2024" in labels


@pytest.mark.parametrize(
    "strength, graded",
    [
        ("KDIGO 1B; EULAR LoE 1a / SoR A", True),
        ("ACR/VF conditional (very low–moderate certainty)", True),
        ("KDIGO practice point (ungraded); EULAR LoE 2b / SoR B", False),
        ("Expert opinion (ungraded)", False),
        ("KDIGO 2021 (grade not read)", False),
        ("", False),
    ],
)
def test_graded_recommendations_are_told_from_ungraded_statements(strength, graded):
    assert is_graded(strength) is graded


def test_a_plan_saved_before_kind_and_timing_still_shows_its_actions(plan_doc):
    doc = plan_doc(GPA)
    old = {
        **doc,
        "recommendations": [
            {k: v for k, v in r.items() if k not in {"kind", "timing", "caveats", "doses"}}
            for r in doc["recommendations"]
        ],
    }
    del old["withheld"]
    view = plan_view(old)
    assert [g.label for g in view.first_actions] == ["Now", "Next 24 hours", "Then"]
    assert view.withheld == ()


def test_withheld_actions_due_now_are_in_the_strip_and_later_ones_below(plan_doc):
    doc = plan_doc(GPA)
    doc["withheld"] = [
        {
            "code": "a",
            "title": "A",
            "section": "adjunctive",
            "timing": "now",
            "why_not": ["platelets 30 ×10⁹/L (< 50)"],
            "modifiers": ["low_platelets"],
            "citations": [],
            "verification": "secondary",
        },
        {
            "code": "b",
            "title": "B",
            "section": "special_considerations",
            "timing": "then",
            "why_not": ["pregnant"],
            "modifiers": ["pregnant"],
            "citations": [],
            "verification": "primary",
        },
    ]
    view = plan_view(doc)
    assert [w.code for w in view.withheld_in_strip] == ["a"]
    assert [w.code for w in view.withheld_below] == ["b"]
    assert view.withheld_in_strip[0].modifiers == ("Low platelets",)


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_every_golden_case_has_a_plan_view_in_plain_words(plan_doc, name):
    view = plan_view(plan_doc(GOLDEN_CASES[name]))
    words = " ".join(f"{c.observed} {c.threshold} {c.explanation}" for c in view.decision.criteria)
    for internal in ("REFERENCE", "strict", "product's definition", "needs sign-off"):
        assert internal not in words
    assert len(view.decision.criteria) == 4


def test_the_preview_has_the_decision_its_chips_and_the_critical_alerts(plan_doc):
    small = preview(plan_doc(GPA))
    assert small.decision.label == "Plasma exchange: consider"
    assert len(small.decision.criteria) == 4
    assert [a.code for a in small.alerts] == ["no_anticoagulation_while_bleeding"]
