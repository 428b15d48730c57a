from __future__ import annotations

from decimal import Decimal as D

import pytest

from dahguide.engine import units


def test_one_mg_dl_is_88_4_umol_l() -> None:
    assert units.creatinine_to_umol_l(D("1"), "mg/dL") == D("88.4")


def test_one_mmol_l_is_1000_umol_l() -> None:
    assert units.creatinine_to_umol_l(D("0.3"), "mmol/L") == D("300")


def test_300_umol_l_is_below_3_4_mg_dl_without_rounding() -> None:
    assert units.creatinine_to_mg_dl(D("300"), "umol/L") < D("3.4")
    assert units.compare_creatinine_mg_dl(D("300"), "umol/L", D("3.4")) == -1


def test_301_umol_l_is_above_3_4_mg_dl() -> None:
    assert units.compare_creatinine_mg_dl(D("301"), "umol/L", D("3.4")) == 1


def test_3_4_mg_dl_equals_the_threshold_exactly() -> None:
    assert units.compare_creatinine_mg_dl(D("3.4"), "mg/dL", D("3.4")) == 0


def test_353_6_umol_l_equals_4_mg_dl_exactly() -> None:
    assert units.compare_creatinine_mg_dl(D("353.6"), "umol/L", D("4")) == 0


@pytest.mark.parametrize(
    ("value", "unit", "to", "expected"),
    [
        ("3.4", "mg/dL", "umol/L", "300.56"),
        ("0.3", "mmol/L", "umol/L", "300"),
        ("300", "umol/L", "mmol/L", "0.3"),
        ("1", "mg/dL", "mmol/L", "0.0884"),
        ("88.4", "umol/L", "mg/dL", "1"),
    ],
)
def test_convert_creatinine(value: str, unit: str, to: str, expected: str) -> None:
    assert units.convert_creatinine(D(value), unit, to) == D(expected)


def test_borderline_is_within_0_1_mg_dl_inclusive() -> None:
    assert units.creatinine_within_mg_dl(D("3.3"), "mg/dL", D("3.4"), D("0.1"))
    assert units.creatinine_within_mg_dl(D("3.5"), "mg/dL", D("3.4"), D("0.1"))
    assert not units.creatinine_within_mg_dl(D("3.51"), "mg/dL", D("3.4"), D("0.1"))
    assert units.creatinine_within_mg_dl(D("292"), "umol/L", D("3.4"), D("0.1"))


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown creatinine unit"):
        units.creatinine_to_umol_l(D("1"), "mg%")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("mg/dl", "mg/dL"),
        ("µmol/L", "umol/L"),
        ("μmol/l", "umol/L"),
        (" UMOL/L ", "umol/L"),
        ("mmol/L", "mmol/L"),
        ("g/L", None),
        ("", None),
    ],
)
def test_normalise_creatinine_unit(typed: str, expected: str | None) -> None:
    assert units.normalise_creatinine_unit(typed) == expected


def test_format_creatinine_in_umol_l_shows_mg_dl() -> None:
    assert units.format_creatinine(D("300"), "umol/L") == "300 µmol/L (3.39 mg/dL)"


def test_format_creatinine_in_mg_dl_shows_umol_l() -> None:
    assert units.format_creatinine(D("3.40"), "mg/dL") == "3.4 mg/dL (300.56 µmol/L)"


def test_format_creatinine_in_mmol_l_shows_both_other_units() -> None:
    assert units.format_creatinine(D("0.3"), "mmol/L") == "0.3 mmol/L (300 µmol/L, 3.39 mg/dL)"


def test_format_creatinine_never_rounds_onto_a_threshold() -> None:
    # 301 µmol/L is 3.40497… mg/dL: "3.4 mg/dL" would contradict "above 3.4".
    assert units.format_creatinine(D("301"), "umol/L", avoid_mg_dl=(D("3.4"),)) == "301 µmol/L (3.405 mg/dL)"


def test_format_creatinine_threshold_in_both_units() -> None:
    assert units.format_creatinine_threshold(D("3.4")) == "> 3.4 mg/dL (> 300.56 µmol/L)"
    assert units.format_creatinine_threshold(D("4")) == "> 4 mg/dL (> 353.6 µmol/L)"


def test_format_decimal_has_no_exponent_or_trailing_zeros() -> None:
    assert units.format_decimal(D("3E+2")) == "300"
    assert units.format_decimal(D("86.50")) == "86.5"
    assert units.format_decimal(D("2.345"), 2) == "2.35"  # half up


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("300", "mg/dL", "umol/L"),
        ("3.4", "mg/dL", "mg/dL"),
        ("3.4", "umol/L", "mg/dL"),
        ("0.3", "umol/L", "mg/dL"),  # mg/dL (also plausible as mmol/L)
        ("2700", "umol/L", None),
        ("0", "mg/dL", None),
        ("300", "mmol/L", "umol/L"),
    ],
)
def test_likely_creatinine_unit(value: str, unit: str, expected: str | None) -> None:
    assert units.likely_creatinine_unit(D(value), unit) == expected


def test_plausible_units_of_an_ambiguous_value_lists_both() -> None:
    assert units.plausible_creatinine_units(D("0.3")) == ("mg/dL", "mmol/L")


@pytest.mark.parametrize(
    ("value", "unit", "plausible"),
    [
        ("0.1", "mg/dL", True),
        ("30", "mg/dL", True),
        ("30.1", "mg/dL", False),
        ("9", "umol/L", True),
        ("2650", "umol/L", True),
        ("8.9", "umol/L", False),
        ("0.009", "mmol/L", True),
        ("2.66", "mmol/L", False),
    ],
)
def test_creatinine_plausible_ranges_per_unit(value: str, unit: str, plausible: bool) -> None:
    assert units.creatinine_is_plausible(D(value), unit) is plausible


def test_platelets_above_2000_look_per_microlitre() -> None:
    assert units.platelets_look_per_microlitre(D("2001"))
    assert not units.platelets_look_per_microlitre(D("2000"))


# -- P/F ratio -----------------------------------------------------------------------------------


def test_pf_ratio_from_mmhg_and_fraction() -> None:
    assert units.pao2_fio2_ratio(D("60"), "mmHg", D("0.4"), "fraction").ratio_mmhg == D("150")


def test_pf_ratio_from_kpa_and_percent() -> None:
    result = units.pao2_fio2_ratio(D("8"), "kPa", D("40"), "percent")
    assert result.ratio_mmhg == D("8") * D("7.50062") / D("0.4")
    assert result.problems == ()


def test_pf_ratio_refuses_percent_typed_as_fraction() -> None:
    result = units.pao2_fio2_ratio(D("60"), "mmHg", D("40"), "fraction")
    assert result.ratio_mmhg is None
    assert "looks like a percentage" in result.problems[0]


def test_pf_ratio_refuses_fraction_typed_as_percent() -> None:
    result = units.pao2_fio2_ratio(D("60"), "mmHg", D("0.4"), "percent")
    assert result.ratio_mmhg is None
    assert "looks like a fraction" in result.problems[0]


def test_pf_ratio_refuses_kpa_typed_as_mmhg() -> None:
    result = units.pao2_fio2_ratio(D("8"), "mmHg", D("0.4"), "fraction")
    assert result.ratio_mmhg is None
    assert "looks like kPa" in result.problems[0]


def test_pf_ratio_refuses_mmhg_typed_as_kpa() -> None:
    result = units.pao2_fio2_ratio(D("95"), "kPa", D("0.4"), "fraction")
    assert result.ratio_mmhg is None
    assert "outside the plausible range" in result.problems[0]


def test_pf_ratio_asks_for_missing_units() -> None:
    assert len(units.pao2_fio2_ratio(D("60"), "", D("0.4"), "").problems) == 2


# -- KDIGO 2012 AKI "rapidly rising" helper --------------------------------------------------------


def test_rise_of_0_3_mg_dl_in_48_hours_is_rapid() -> None:
    result = units.creatinine_rising_rapidly(D("1.5"), "mg/dL", D("1.2"), "mg/dL", D("48"))
    assert result.rising is True
    assert "48 h" in result.reason


def test_rise_of_26_5_umol_l_in_48_hours_is_rapid() -> None:
    assert units.creatinine_rising_rapidly(D("126.5"), "umol/L", D("100"), "umol/L", D("24")).rising is True


def test_rise_of_26_umol_l_in_48_hours_is_not_rapid() -> None:
    assert units.creatinine_rising_rapidly(D("126"), "umol/L", D("100"), "umol/L", D("24")).rising is False


def test_rise_of_0_3_mg_dl_over_3_days_is_not_rapid_unless_1_5_times() -> None:
    assert units.creatinine_rising_rapidly(D("1.5"), "mg/dL", D("1.2"), "mg/dL", D("72")).rising is False
    assert units.creatinine_rising_rapidly(D("1.8"), "mg/dL", D("1.2"), "mg/dL", D("72")).rising is True


def test_rise_across_units_is_compared_after_conversion() -> None:
    assert units.creatinine_rising_rapidly(D("1.5"), "mg/dL", D("100"), "umol/L", D("24")).rising is True


def test_falling_creatinine_is_not_rising_whatever_the_interval() -> None:
    assert units.creatinine_rising_rapidly(D("1"), "mg/dL", D("2"), "mg/dL", None).rising is False


def test_rise_with_unknown_interval_is_unknown() -> None:
    assert units.creatinine_rising_rapidly(D("3"), "mg/dL", D("1"), "mg/dL", None).rising is None


def test_values_more_than_7_days_apart_are_unknown() -> None:
    result = units.creatinine_rising_rapidly(D("3"), "mg/dL", D("1"), "mg/dL", D("200"))
    assert result.rising is None
    assert "7 days" in result.reason


def test_missing_baseline_is_unknown() -> None:
    assert units.creatinine_rising_rapidly(D("3"), "mg/dL", None, None, D("24")).rising is None


def test_negative_interval_is_unknown() -> None:
    assert units.creatinine_rising_rapidly(D("3"), "mg/dL", D("1"), "mg/dL", D("-1")).rising is None


@pytest.mark.parametrize(
    ("current", "baseline"), [("1E+999999", "1.2"), ("3", "1E-999999"), ("300", "1.2"), ("2", "0.05")]
)
def test_a_creatinine_implausible_for_its_unit_gives_no_suggestion(current, baseline) -> None:
    # Found by hypothesis: 1E+999999 mg/dL overflowed the conversion (a 500 on the kidney step).
    result = units.creatinine_rising_rapidly(D(current), "mg/dL", D(baseline), "mg/dL", D("24"))
    assert result.rising is None
    assert "outside the plausible range 0.1–30 mg/dL" in result.reason
