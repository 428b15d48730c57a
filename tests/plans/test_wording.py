"""Criteria in plain clinical words: thresholds as guidelines write them, values in the unit entered,
and rounding that never puts a value on the wrong side of its threshold."""

from __future__ import annotations

import pytest

from dahguide.plans import wording

ENGINE_THRESHOLD = "> 3.4 mg/dL (> 300.56 µmol/L)"


def _creatinine(value, unit):
    return wording.creatinine_criterion(ENGINE_THRESHOLD, {"creatinine_value": value, "creatinine_unit": unit})


def test_threshold_reads_as_guidelines_write_it():
    assert _creatinine(1.8, "mg/dL") == ("1.8 mg/dL (159 µmol/L)", "more than 3.4 mg/dL (300 µmol/L)")


def test_a_value_entered_in_umol_l_leads_with_its_unit():
    assert _creatinine(150, "umol/L") == ("150 µmol/L (1.7 mg/dL)", "more than 300 µmol/L (3.4 mg/dL)")


@pytest.mark.parametrize(
    "value, unit, observed, threshold",
    [
        # 3.4 mg/dL is 300.56 µmol/L: "301" beside "300" would look above the threshold.
        (3.4, "mg/dL", "3.4 mg/dL (300.56 µmol/L)", "more than 3.4 mg/dL (300.56 µmol/L)"),
        # 300.3 µmol/L is below 300.56: beside a rounded "300" it would look above.
        (300.3, "umol/L", "300.3 µmol/L (3.4 mg/dL)", "more than 300.56 µmol/L (3.4 mg/dL)"),
        # 301 µmol/L is 3.40498 mg/dL: "3.40" would not look above 3.4, so one more place.
        (301, "umol/L", "301 µmol/L (3.405 mg/dL)", "more than 300 µmol/L (3.4 mg/dL)"),
        (300, "umol/L", "300 µmol/L (3.39 mg/dL)", "more than 300 µmol/L (3.4 mg/dL)"),
        (0.3, "mmol/L", "0.3 mmol/L (300 µmol/L)", "more than 0.3 mmol/L (3.4 mg/dL, 300 µmol/L)"),
    ],
)
def test_near_the_threshold_the_exact_figures_are_shown(value, unit, observed, threshold):
    assert _creatinine(value, unit) == (observed, threshold)


def test_an_unreadable_engine_threshold_is_shown_as_given():
    assert wording.creatinine_criterion("about 3", {})[1] == "about 3"


def test_pointers_into_the_projects_documents_are_left_out():
    detail = "Anti-GBM antibody positive with the etiology recorded as MPA: consider re-classifying (REFERENCE §4.4)."
    assert wording.without_internal_references(detail) == (
        "Anti-GBM antibody positive with the etiology recorded as MPA: consider re-classifying."
    )


def test_hypoxemia_threshold_in_words():
    assert wording.hypoxemia_threshold("any oxygen support, P/F ≤ 300 mmHg or SpO₂ < 90%") == (
        "any oxygen support, P/F at or below 300 mmHg, or SpO₂ below 90%"
    )
