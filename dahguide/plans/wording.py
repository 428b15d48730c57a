"""Plain clinical wording for the values of the plasma-exchange criteria.

The engine compares exactly and says so in its own strings ("> 3.4 mg/dL (> 300.56 µmol/L)").
A clinician reads thresholds as guidelines write them ("more than 3.4 mg/dL (300 µmol/L)") and an
observed value in the unit it was entered in. Rounding for display must never make a value look
on the other side of its threshold, so where the rounded figures would mislead, the exact ones
are shown (``_nice``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from dahguide.engine import units

# The threshold in the engine's string: "> 3.4 mg/dL (…)" (units.format_creatinine_threshold).
_CREATININE_THRESHOLD = re.compile(r"^\s*>\s*(?P<value>\d+(?:\.\d+)?)\s*mg/dL")
# "any oxygen support, P/F ≤ 300 mmHg or SpO₂ < 90%" (plasma_exchange._criteria).
_HYPOXEMIA_THRESHOLD = re.compile(r"P/F\s*≤\s*(?P<pf>\d+(?:\.\d+)?)\s*mmHg\s*or\s*SpO₂\s*<\s*(?P<spo2>\d+(?:\.\d+)?)%")
# Places an observed value is shown with, per unit, when converted from the unit it was entered in.
_PLACES = {"mg/dL": 2, "umol/L": 0, "mmol/L": 3}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _nice_threshold(exact: Decimal, unit: str) -> Decimal:
    """A converted threshold as guidelines print it: µmol/L to the nearest 10 (300.56 → 300)."""
    if unit == "umol/L":
        return units.round_half_up(exact / 10, 0) * 10 if exact >= 100 else units.round_half_up(exact, 0)
    if unit == "mmol/L":
        return units.round_half_up(exact, 2)
    return units.round_half_up(exact, 1)


def _fmt(value: Decimal, unit: str) -> str:
    return f"{units.format_decimal(value)} {units.CREATININE_UNIT_LABELS[unit]}"


def creatinine_threshold_mg_dl(threshold: str) -> Decimal | None:
    match = _CREATININE_THRESHOLD.match(threshold or "")
    return Decimal(match.group("value")) if match else None


def creatinine_criterion(threshold: str, inputs: dict[str, Any]) -> tuple[str, str]:
    """(observed, threshold) for the creatinine criterion, both led by the unit entered.

    ``threshold`` is the engine's string; when it cannot be read the engine's text is returned as is.
    """
    limit_mg_dl = creatinine_threshold_mg_dl(threshold)
    value = _decimal(inputs.get("creatinine_value"))
    unit = inputs.get("creatinine_unit") or "mg/dL"
    if unit not in _PLACES:
        unit = "mg/dL"
    if limit_mg_dl is None:
        return (_observed(value, unit, None) if value is not None else ""), threshold
    others = [u for u in ("mg/dL", "umol/L") if u != unit]
    # Exact thresholds per unit; compared with the observed value as shown in that unit.
    exact = {u: units.convert_creatinine(limit_mg_dl, "mg/dL", u) for u in (unit, *others)}
    shown_threshold = {u: _consistent_threshold(exact[u], u, value, unit) for u in exact}
    observed = _observed(value, unit, shown_threshold) if value is not None else ""
    lead = shown_threshold[unit]
    rest = ", ".join(_fmt(shown_threshold[u], u) for u in others)
    return observed, f"more than {_fmt(lead, unit)} ({rest})"


def _consistent_threshold(exact: Decimal, unit: str, value: Decimal | None, entered: str) -> Decimal:
    """The nice threshold in ``unit`` unless the observed value, as shown in that unit, would sit on
    the other side of it than of the exact threshold; then the exact one."""
    nice = exact if unit == "mg/dL" and exact == units.round_half_up(exact, 2) else _nice_threshold(exact, unit)
    if value is None:
        return nice
    # "more than" is what the reader checks: the shown value must be above the shown threshold
    # exactly when the value is above the exact one.
    if (_shown_value(value, entered, unit) > nice) != (units.convert_creatinine(value, entered, unit) > exact):
        return units.round_half_up(exact, 2) if unit != "mmol/L" else units.round_half_up(exact, 5)
    return nice


def _shown_value(value: Decimal, entered: str, unit: str) -> Decimal:
    if unit == entered:
        return value
    return units.round_half_up(units.convert_creatinine(value, entered, unit), _PLACES[unit])


def _observed(value: Decimal, unit: str, thresholds: dict[str, Decimal] | None) -> str:
    """The value as entered, then the other common unit, rounded without crossing its threshold."""
    other = "umol/L" if unit != "umol/L" else "mg/dL"
    converted = units.convert_creatinine(value, unit, other)
    shown = units.round_half_up(converted, _PLACES[other])
    if thresholds is not None and other in thresholds:
        limit = thresholds[other]
        # A converted value rounded onto or across its shown threshold gets more places.
        places = _PLACES[other]
        while places < 4 and (shown > limit) != (converted > limit):
            places += 1
            shown = units.round_half_up(converted, places)
    return f"{_fmt(value, unit)} ({_fmt(shown, other)})"


# "(REFERENCE §4.4)" and the like: the engine's pointers into its own design documents.
_INTERNAL_REFERENCE = re.compile(r"\s*\((?:see )?REFERENCE §[^)]*\)")


def without_internal_references(text: str) -> str:
    """An engine string (a warning's detail, a reason) without pointers to the project's documents."""
    return _INTERNAL_REFERENCE.sub("", text or "")


def hypoxemia_threshold(threshold: str) -> str:
    match = _HYPOXEMIA_THRESHOLD.search(threshold or "")
    if not match:
        return threshold
    return f"any oxygen support, P/F at or below {match['pf']} mmHg, or SpO₂ below {match['spo2']}%"


def dialysis_observed(inputs: dict[str, Any], engine_text: str) -> str:
    """ "not on dialysis for this episode; rising rapidly: not recorded" from the inputs."""
    if "on_dialysis" not in inputs and "creatinine_rising_rapidly" not in inputs:
        return engine_text
    dialysis = {
        True: "on dialysis for this episode",
        False: "not on dialysis for this episode",
        None: "dialysis not recorded",
    }[inputs.get("on_dialysis")]
    rising = {
        True: "creatinine rising rapidly",
        False: "creatinine not rising rapidly",
        None: "creatinine trend not recorded",
    }[inputs.get("creatinine_rising_rapidly")]
    return f"{dialysis}; {rising}"
