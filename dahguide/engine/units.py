"""Units and unit pitfalls (REFERENCE §3, §4.2, §4.3).

Every conversion works on ``Decimal`` and never rounds an intermediate value: a threshold
comparison must give the same answer whichever unit the value was entered in. Rounding
happens only in the ``format_*`` helpers, which are for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

# REFERENCE §3: 1 mg/dL = 88.4 µmol/L; 1 mmol/L = 1000 µmol/L.
UMOL_L_PER_MG_DL = Decimal("88.4")
UMOL_L_PER_MMOL_L = Decimal("1000")
# REFERENCE §3: 1 kPa = 7.50062 mmHg.
MMHG_PER_KPA = Decimal("7.50062")

CreatinineUnit = Literal["mg/dL", "umol/L", "mmol/L"]
CREATININE_UNIT_LABELS: dict[str, str] = {"mg/dL": "mg/dL", "umol/L": "µmol/L", "mmol/L": "mmol/L"}
# CONTRACT "plausible" ranges per unit; outside them the value is not used silently.
CREATININE_PLAUSIBLE: dict[str, tuple[Decimal, Decimal]] = {
    "mg/dL": (Decimal("0.1"), Decimal("30")),
    "umol/L": (Decimal("9"), Decimal("2650")),
    "mmol/L": (Decimal("0.009"), Decimal("2.65")),
}
# Order in which an ambiguous value is attributed to a unit: µmol/L and mg/dL are the common
# laboratory units; mmol/L is rare (REFERENCE §3).
_LIKELY_ORDER = ("umol/L", "mg/dL", "mmol/L")

# CONTRACT: platelets above 2000 ×10⁹/L look like a count per µL (50,000/µL = 50 ×10⁹/L).
PLATELETS_PLAUSIBLE_MAX_10E9_PER_L = Decimal("2000")

# KDIGO 2012 AKI, Rec 2.1.1 (REFERENCE §4.2): rise ≥ 0.3 mg/dL (≥ 26.5 µmol/L) within 48 h,
# or ≥ 1.5 × baseline within 7 days.
AKI_ABSOLUTE_RISE_UMOL_L = Decimal("26.5")
AKI_ABSOLUTE_RISE_HOURS = Decimal("48")
AKI_RELATIVE_RISE = Decimal("1.5")
AKI_RELATIVE_RISE_HOURS = Decimal("168")


def normalise_creatinine_unit(unit: str) -> str | None:
    """The canonical unit code for a spelling people type ("µmol/l", "umol/L", "MG/DL"), or None."""
    key = unit.strip().replace("µ", "u").replace("μ", "u").lower()
    return {"mg/dl": "mg/dL", "umol/l": "umol/L", "mmol/l": "mmol/L"}.get(key)


def creatinine_to_umol_l(value: Decimal, unit: str) -> Decimal:
    if unit == "umol/L":
        return value
    if unit == "mg/dL":
        return value * UMOL_L_PER_MG_DL
    if unit == "mmol/L":
        return value * UMOL_L_PER_MMOL_L
    raise ValueError(f"unknown creatinine unit {unit!r}")


def creatinine_to_mg_dl(value: Decimal, unit: str) -> Decimal:
    if unit == "mg/dL":
        return value
    return creatinine_to_umol_l(value, unit) / UMOL_L_PER_MG_DL


def convert_creatinine(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    if from_unit == to_unit:
        return value
    umol = creatinine_to_umol_l(value, from_unit)
    if to_unit == "umol/L":
        return umol
    if to_unit == "mmol/L":
        return umol / UMOL_L_PER_MMOL_L
    if to_unit == "mg/dL":
        return creatinine_to_mg_dl(value, from_unit)
    raise ValueError(f"unknown creatinine unit {to_unit!r}")


def compare_creatinine_mg_dl(value: Decimal, unit: str, threshold_mg_dl: Decimal) -> int:
    """-1, 0 or 1 as the value is below, at or above a mg/dL threshold, compared exactly.

    Both sides are taken to µmol/L by multiplication only (exact in Decimal), so no division
    rounds the comparison (REFERENCE §4.3: 300 µmol/L is below 3.4 mg/dL, 301 µmol/L above).
    """
    left = creatinine_to_umol_l(value, unit)
    right = threshold_mg_dl * UMOL_L_PER_MG_DL
    return (left > right) - (left < right)


def creatinine_within_mg_dl(value: Decimal, unit: str, centre_mg_dl: Decimal, margin_mg_dl: Decimal) -> bool:
    """|SCr − centre| ≤ margin, all in mg/dL, compared exactly (REFERENCE §4.3 borderline flag)."""
    distance = abs(creatinine_to_umol_l(value, unit) - centre_mg_dl * UMOL_L_PER_MG_DL)
    return distance <= margin_mg_dl * UMOL_L_PER_MG_DL


def creatinine_is_plausible(value: Decimal, unit: str) -> bool:
    low, high = CREATININE_PLAUSIBLE[unit]
    return low <= value <= high


def plausible_creatinine_units(value: Decimal) -> tuple[str, ...]:
    """Every unit whose plausible range holds the value, most likely first."""
    return tuple(u for u in _LIKELY_ORDER if creatinine_is_plausible(value, u))


def likely_creatinine_unit(value: Decimal, entered_unit: str) -> str | None:
    """The unit the value looks like: the entered unit when plausible, else the likeliest other one.

    None means the value is implausible in every unit (for example 0 or 5000).
    """
    if entered_unit in CREATININE_PLAUSIBLE and creatinine_is_plausible(value, entered_unit):
        return entered_unit
    candidates = plausible_creatinine_units(value)
    return candidates[0] if candidates else None


def format_decimal(value: Decimal, places: int | None = None, avoid: tuple[Decimal, ...] = ()) -> str:
    """A number for display: no exponent, no trailing zeros.

    With ``places`` the value is rounded half-up; when rounding would make a value that differs
    from a threshold in ``avoid`` print as that threshold (301 µmol/L as "3.4 mg/dL", which is
    above 3.4), more places are shown so the reader sees on which side it lies.
    """
    if places is not None:
        rounded = round_half_up(value, places)
        while places < 6 and rounded in avoid and rounded != value:
            places += 1
            rounded = round_half_up(value, places)
        value = rounded
    text = f"{value.normalize():f}"
    return "0" if text in {"-0", ""} else text


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Rounding for display (never for a comparison)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_creatinine(value: Decimal, unit: str, avoid_mg_dl: tuple[Decimal, ...] = ()) -> str:
    """The entered value with its unit, then the other unit(s): "300 µmol/L (3.39 mg/dL)"."""
    entered = f"{format_decimal(value)} {CREATININE_UNIT_LABELS[unit]}"
    mg = format_decimal(creatinine_to_mg_dl(value, unit), 2, avoid_mg_dl)
    umol = format_decimal(creatinine_to_umol_l(value, unit), 2)
    if unit == "mg/dL":
        return f"{entered} ({umol} µmol/L)"
    if unit == "umol/L":
        return f"{entered} ({mg} mg/dL)"
    return f"{entered} ({umol} µmol/L, {mg} mg/dL)"


def format_creatinine_threshold(threshold_mg_dl: Decimal, comparator: str = ">") -> str:
    """A mg/dL threshold in both units: "> 3.4 mg/dL (> 300.56 µmol/L)"."""
    umol = format_decimal(threshold_mg_dl * UMOL_L_PER_MG_DL, 2)
    sign = f"{comparator} " if comparator else ""
    return f"{sign}{format_decimal(threshold_mg_dl)} mg/dL ({sign}{umol} µmol/L)"


def platelets_look_per_microlitre(value_10e9_per_l: Decimal) -> bool:
    """True when a platelet count in ×10⁹/L is so high it was probably typed per µL (REFERENCE §3)."""
    return value_10e9_per_l > PLATELETS_PLAUSIBLE_MAX_10E9_PER_L


# -- PaO2/FiO2 (REFERENCE §3, "Oxygenation") -------------------------------------------------------

PaO2Unit = Literal["mmHg", "kPa"]
FiO2Unit = Literal["fraction", "percent"]
# Plausible PaO2 per unit (REFERENCE §6, step 2): mmHg 20–700, kPa 2.7–93.
PAO2_PLAUSIBLE: dict[str, tuple[Decimal, Decimal]] = {
    "mmHg": (Decimal("20"), Decimal("700")),
    "kPa": (Decimal("2.7"), Decimal("93")),
}
FIO2_RANGE: dict[str, tuple[Decimal, Decimal]] = {
    "fraction": (Decimal("0.21"), Decimal("1")),
    "percent": (Decimal("21"), Decimal("100")),
}


@dataclass(frozen=True)
class PFRatio:
    """A PaO₂/FiO₂ ratio in mmHg, or None with the problems that stopped the calculation."""

    ratio_mmhg: Decimal | None
    problems: tuple[str, ...] = ()


def pao2_fio2_ratio(pao2: Decimal, pao2_unit: str, fio2: Decimal, fio2_unit: str) -> PFRatio:
    """P/F in mmHg from PaO₂ (mmHg or kPa) and FiO₂ (fraction or percent).

    The two classic errors (REFERENCE §3) are refused rather than guessed: FiO₂ as a percentage
    in a fraction field makes P/F 100× too small; PaO₂ in kPa read as mmHg about 7.5× too small.
    """
    problems: list[str] = []
    if pao2_unit not in PAO2_PLAUSIBLE:
        problems.append("Choose the PaO₂ unit: mmHg or kPa.")
    if fio2_unit not in FIO2_RANGE:
        problems.append("Say whether FiO₂ is a fraction (0.21–1.0) or a percentage (21–100).")
    if problems:
        return PFRatio(None, tuple(problems))

    low, high = PAO2_PLAUSIBLE[pao2_unit]
    if not low <= pao2 <= high:
        other = "kPa" if pao2_unit == "mmHg" else "mmHg"
        other_low, other_high = PAO2_PLAUSIBLE[other]
        hint = f" It looks like {other}." if other_low <= pao2 <= other_high else ""
        problems.append(
            f"PaO₂ {format_decimal(pao2)} {pao2_unit} is outside the plausible range "
            f"{format_decimal(low)}–{format_decimal(high)} {pao2_unit}.{hint}"
        )
    low, high = FIO2_RANGE[fio2_unit]
    if not low <= fio2 <= high:
        if fio2_unit == "fraction" and FIO2_RANGE["percent"][0] <= fio2 <= FIO2_RANGE["percent"][1]:
            hint = " It looks like a percentage: enter 0.4 for 40%."
        elif fio2_unit == "percent" and FIO2_RANGE["fraction"][0] <= fio2 <= FIO2_RANGE["fraction"][1]:
            hint = " It looks like a fraction: enter 40 for 0.4."
        else:
            hint = ""
        problems.append(
            f"FiO₂ {format_decimal(fio2)} is outside {format_decimal(low)}–{format_decimal(high)} "
            f"({'fraction' if fio2_unit == 'fraction' else 'percent'}).{hint}"
        )
    if problems:
        return PFRatio(None, tuple(problems))

    pao2_mmhg = pao2 * MMHG_PER_KPA if pao2_unit == "kPa" else pao2
    fio2_fraction = fio2 / 100 if fio2_unit == "percent" else fio2
    return PFRatio(pao2_mmhg / fio2_fraction)


# -- "Rapidly rising" creatinine helper (KDIGO 2012 AKI, REFERENCE §4.2) -------------------------


@dataclass(frozen=True)
class RisingCreatinine:
    rising: bool | None
    reason: str


def creatinine_rising_rapidly(
    current: Decimal | None,
    current_unit: str | None,
    baseline: Decimal | None,
    baseline_unit: str | None,
    hours_between: Decimal | None,
) -> RisingCreatinine:
    """Suggest an answer for ``creatinine_rising_rapidly`` from a baseline value; the clinician decides.

    KDIGO writes the absolute rise as "≥ 0.3 mg/dL (≥ 26.5 µmol/L)". 0.3 mg/dL is 26.52 µmol/L,
    so the rule uses 26.5 µmol/L, the lower of the two written forms: a rise that meets either
    form counts. Values more than 7 days apart are outside the KDIGO rule: the answer is unknown.
    """
    if current is None or baseline is None or current_unit is None or baseline_unit is None:
        return RisingCreatinine(None, "Current and baseline creatinine are both needed.")
    if current_unit not in CREATININE_PLAUSIBLE or baseline_unit not in CREATININE_PLAUSIBLE:
        return RisingCreatinine(None, "Choose a creatinine unit for both values.")
    if current <= 0 or baseline <= 0:
        return RisingCreatinine(None, "Creatinine values must be above zero.")
    for label, value, unit in (("current", current, current_unit), ("baseline", baseline, baseline_unit)):
        low, high = CREATININE_PLAUSIBLE[unit]
        if not low <= value <= high:
            # Implausible for its unit stays unknown, as in the intake (and is never calculated with).
            return RisingCreatinine(
                None,
                f"The {label} creatinine is outside the plausible range "
                f"{format_decimal(low)}–{format_decimal(high)} {CREATININE_UNIT_LABELS[unit]}: "
                "check the value and its unit.",
            )
    if hours_between is not None and hours_between < 0:
        return RisingCreatinine(None, "The baseline must be measured before the current value.")

    now = creatinine_to_umol_l(current, current_unit)
    before = creatinine_to_umol_l(baseline, baseline_unit)
    rise = now - before
    shown = (
        f"{format_creatinine(current, current_unit)} now vs {format_creatinine(baseline, baseline_unit)} at baseline"
    )
    if rise <= 0:
        return RisingCreatinine(False, f"Creatinine is not rising: {shown}.")
    if hours_between is None:
        return RisingCreatinine(None, f"Creatinine has risen ({shown}), but the time between the values is unknown.")
    if hours_between > AKI_RELATIVE_RISE_HOURS:
        return RisingCreatinine(
            None,
            f"The values are more than 7 days apart ({shown}): the KDIGO AKI rule does not apply; decide clinically.",
        )
    if hours_between <= AKI_ABSOLUTE_RISE_HOURS and rise >= AKI_ABSOLUTE_RISE_UMOL_L:
        return RisingCreatinine(
            True,
            f"Rise of {format_decimal(rise, 1)} µmol/L within {format_decimal(hours_between)} h "
            f"(KDIGO AKI: ≥ 0.3 mg/dL or ≥ 26.5 µmol/L within 48 h): {shown}.",
        )
    if now >= before * AKI_RELATIVE_RISE:
        return RisingCreatinine(
            True,
            f"{format_decimal(now / before, 2)} × baseline within {format_decimal(hours_between)} h "
            f"(KDIGO AKI: ≥ 1.5 × baseline within 7 days): {shown}.",
        )
    return RisingCreatinine(False, f"The rise does not meet the KDIGO AKI criteria: {shown}.")
