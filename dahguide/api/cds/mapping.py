"""FHIR prefetch data -> intake data, with units, dates and what could not be used.

Rules (docs/api.md, "CDS Hooks mapping"):

- Per quantity the newest dated Observation of its LOINC codes is taken. If it is older than its
  window (``STALE_AFTER``) it is reported as stale and *not* used: unknown is safer than a value
  the patient no longer has. An older value is never used in place of an unusable newer one.
- Units travel with numbers (UCUM codes, or the unit text when no UCUM code is given) and are
  converted explicitly; an unrecognised unit makes the value unusable, never guessed.
- Conditions map to an etiology only through the SNOMED CT codes of ``ETIOLOGY_BY_SNOMED`` and the
  ICD-10 codes of ``ETIOLOGY_BY_ICD10``; two different etiologies leave it unknown.
- Current (active or on-hold) medication orders map to the anticoagulant only through the RxNorm ingredient codes of
  ``ANTICOAGULANT_BY_RXNORM``. No recognised drug leaves it unknown, never ``none``: an order coded
  another way may still be an anticoagulant.
- Nothing here raises on malformed FHIR: whatever cannot be read is reported in ``problems``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from dahguide.engine import units
from dahguide.engine.intake import FIELDS, IntakeResult, parse_intake
from dahguide.engine.vocabulary import SEXES

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm")
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

CREATININE_LOINC = ("2160-0", "14682-9")  # serum/plasma creatinine, mass (mg/dL) and moles (µmol/L) per volume
PLATELETS_LOINC = ("777-3",)  # platelets in blood, automated count
SPO2_LOINC = ("59408-5", "2708-6")  # SpO₂ by pulse oximetry; O₂ saturation in arterial blood
O2_FLOW_LOINC = "3151-8"  # inhaled oxygen flow rate (a component of the SpO₂ Observation)
O2_CONCENTRATION_LOINC = "3150-0"  # inhaled oxygen concentration (idem)
INR_LOINC = ("6301-6", "34714-6")  # INR in platelet-poor plasma; INR in blood (point of care), by coagulation assay
FIBRINOGEN_LOINC = ("3255-7",)  # fibrinogen [mass/volume] in platelet-poor plasma by coagulation assay
# eGFR by CKD-EPI 2021, CKD-EPI, MDRD (with and without the race term), as laboratories report it.
EGFR_LOINC = ("98979-8", "62238-1", "33914-3", "48642-3", "48643-1", "88293-6", "88294-4", "77147-7")
WEIGHT_LOINC = ("29463-7", "3141-9")  # body weight; body weight measured
HEIGHT_LOINC = ("8302-2", "3137-7", "8306-3")  # body height; measured; lying (a child's length)
PF_LOINC = ("50984-4",)  # Horowitz index (PaO₂/FiO₂) in arterial blood, mm[Hg]
PAO2_LOINC = ("2703-7",)  # oxygen partial pressure in arterial blood
FIO2_LOINC = (O2_CONCENTRATION_LOINC,)  # inhaled oxygen concentration, as an Observation of its own
# Each quantity read from the observations, with its LOINC codes (the first match wins).
QUANTITIES = (
    ("creatinine", CREATININE_LOINC),
    ("platelets", PLATELETS_LOINC),
    ("spo2", SPO2_LOINC),
    ("inr", INR_LOINC),
    ("fibrinogen", FIBRINOGEN_LOINC),
    ("egfr", EGFR_LOINC),
    ("weight", WEIGHT_LOINC),
    ("height", HEIGHT_LOINC),
    ("pf", PF_LOINC),
    ("pao2", PAO2_LOINC),
    ("fio2", FIO2_LOINC),
)
# PaO₂ and FiO₂ read separately make a P/F only when taken together: a gas drawn on another
# oxygen setting gives a ratio the patient never had [U].
PF_PAIR_WITHIN = timedelta(hours=1)
OBSERVATION_CODES = tuple(code for _, codes in QUANTITIES for code in codes)

# How old a value may be and still count as the patient's current one.
STALE_AFTER = {
    # KDIGO 2012 AKI: creatinine can rise ≥ 0.3 mg/dL within 48 h, so an older value may miss the rise.
    "creatinine": timedelta(hours=48),
    # Oxygenation in active DAH changes within hours; a day-old reading is not the current one.
    "spo2": timedelta(hours=24),
    # Platelets gate the transfusion advice; three days is the longest we take as current.
    "platelets": timedelta(hours=72),
    # INR and fibrinogen decide reversal and replacement (REFERENCE §8.3); both change within hours of
    # vitamin K, PCC, plasma or an exchange, so a day-old value is not the current one [U].
    "inr": timedelta(hours=24),
    "fibrinogen": timedelta(hours=24),
    # P/F, PaO₂ and FiO₂: oxygenation, like SpO₂ above.
    "pf": timedelta(hours=24),
    "pao2": timedelta(hours=24),
    "fio2": timedelta(hours=24),
    # eGFR is computed from the creatinine: it is current exactly as long as the creatinine (KDIGO 2012 AKI).
    "egfr": timedelta(hours=48),
    # Doses per kg are display only and confirmed before prescribing; a week-old weight is close enough [U].
    "weight": timedelta(days=7),
    # An adult's height does not change within a year; a child's does, and the wizard asks to confirm it [U].
    "height": timedelta(days=365),
}
FUTURE_TOLERANCE = timedelta(minutes=5)  # clock skew between the EHR and this server

# SNOMED CT concepts (code: fully specified name) whose meaning is one etiology of the intake.
ETIOLOGY_BY_SNOMED: dict[str, tuple[str, str]] = {
    "195353004": ("gpa", "Wegener's granulomatosis (disorder)"),
    "239928004": ("mpa", "Microscopic polyarteritis nodosa (disorder)"),
    "82275008": ("egpa", "Allergic granulomatosis angiitis (disorder)"),
    "50581000": ("anti_gbm", "Goodpasture's syndrome (disorder)"),
    "236506009": ("anti_gbm", "Goodpasture's disease (disorder)"),
    "55464009": ("sle", "Systemic lupus erythematosus (disorder)"),
    "68815009": ("sle", "Systemic lupus erythematosus glomerulonephritis syndrome (disorder)"),
}
# ICD-10 (WHO) and ICD-10-CM codes, without the dot, whose meaning is one etiology. M31.0 (hypersensitivity
# angiitis, Goodpasture's syndrome included) is not listed: it is broader than anti-GBM disease.
ETIOLOGY_BY_ICD10: dict[str, tuple[str, str]] = {
    "M313": ("gpa", "Wegener granulomatosis"),
    "M3130": ("gpa", "Wegener's granulomatosis without renal involvement"),
    "M3131": ("gpa", "Wegener's granulomatosis with renal involvement"),
    "M317": ("mpa", "Microscopic polyangiitis"),
    "M301": ("egpa", "Polyarteritis with lung involvement [Churg-Strauss]"),
    "M321": ("sle", "Systemic lupus erythematosus with organ or system involvement"),
    "M3214": ("sle", "Glomerular disease in systemic lupus erythematosus"),
    "M3219": ("sle", "Other organ or system involvement in systemic lupus erythematosus"),
    "M329": ("sle", "Systemic lupus erythematosus, unspecified"),
}
# RxNorm ingredient (IN) concepts -> (anticoagulant answer, ingredient name). Clinical-drug codes
# (SCD/SBD, e.g. "warfarin sodium 5 MG Oral Tablet") are not listed: without a terminology server
# their ingredient cannot be looked up, so such an order leaves the anticoagulant unknown.
ANTICOAGULANT_BY_RXNORM: dict[str, tuple[str, str]] = {
    "11289": ("vitamin_k_antagonist", "warfarin"),
    "154": ("vitamin_k_antagonist", "acenocoumarol"),
    "8150": ("vitamin_k_antagonist", "phenprocoumon"),
    "1037042": ("dabigatran", "dabigatran"),
    "1364430": ("factor_xa_inhibitor", "apixaban"),
    "1114195": ("factor_xa_inhibitor", "rivaroxaban"),
    "1599538": ("factor_xa_inhibitor", "edoxaban"),
    "5224": ("unfractionated_heparin", "heparin"),
    "67108": ("lmwh", "enoxaparin"),
    "67109": ("lmwh", "dalteparin"),
    "69528": ("lmwh", "tinzaparin"),
    "1191": ("antiplatelet", "aspirin"),
    "32968": ("antiplatelet", "clopidogrel"),
    "613391": ("antiplatelet", "prasugrel"),
    "1116632": ("antiplatelet", "ticagrelor"),
}
# With several classes active, the one reported is the first here: an anticoagulant before an
# antiplatelet drug, and among anticoagulants the longest-acting first, whose effect outlasts the
# others' and whose reversal takes longest (REFERENCE §8.3) [U]. The others are named beside it.
ANTICOAGULANT_PRIORITY = (
    "vitamin_k_antagonist",
    "dabigatran",
    "factor_xa_inhibitor",
    "lmwh",
    "unfractionated_heparin",
    "antiplatelet",
)
# A held anticoagulant still acts for hours to days (warfarin held for the bleeding): it counts.
_CURRENT_ORDER_STATUS = frozenset({"active", "on-hold"})
_ORDER_INTENTS = frozenset({"order", "original-order", "reflex-order", "filler-order", "instance-order"})
_ACTIVE_CLINICAL = frozenset({"active", "recurrence", "relapse"})
_REFUTED = frozenset({"refuted", "entered-in-error"})
_USABLE_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})

# Platelet units (normalised spelling) -> factor to ×10⁹/L. 1 µL = 1 mm³, so 10³/µL = 10⁹/L.
_PLATELET_FACTORS = {
    "10*9/l": Decimal(1),
    "10*3/ul": Decimal(1),
    "10*3/mm3": Decimal(1),
    "k/ul": Decimal(1),
    "/ul": Decimal("0.001"),
    "/mm3": Decimal("0.001"),
}
# Fibrinogen units (normalised spelling) -> factor to g/L.
_FIBRINOGEN_FACTORS = {"g/l": Decimal(1), "mg/dl": Decimal("0.01")}
_INR_UNITS = frozenset({"", "1", "{inr}", "inr", "{ratio}", "ratio"})  # INR is a ratio without a unit
_EGFR_UNITS = frozenset({"ml/min/{1.73_m2}", "ml/min/1.73_m2", "ml/min/1.73m2", "ml/min/1.73m^2"})
_POUND = Decimal("0.45359237")  # kg, by definition
_WEIGHT_FACTORS = {"kg": Decimal(1), "g": Decimal("0.001"), "[lb_av]": _POUND, "lb": _POUND}
_HEIGHT_FACTORS = {"cm": Decimal(1), "m": Decimal(100), "[in_i]": Decimal("2.54"), "in": Decimal("2.54")}
_LABELS = {
    "creatinine": "Serum creatinine",
    "platelets": "Platelets",
    "spo2": "SpO₂",
    "inr": "INR",
    "fibrinogen": "Fibrinogen",
    "egfr": "eGFR",
    "weight": "Weight",
    "height": "Height",
    "pf": "PaO₂/FiO₂",
    "pao2": "PaO₂",
    "fio2": "FiO₂",
}
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_SAFE_TEXT = re.compile(r"[^A-Za-z0-9 %/.^{}µμ-]")


@dataclass
class MappingResult:
    """What the EHR sent, as intake data, and in words for the clinician."""

    data: dict[str, Any] = field(default_factory=dict)  # intake JSON for parse_intake
    used: list[str] = field(default_factory=list)  # "Serum creatinine 2.1 mg/dL (185.64 µmol/L), 10 Mar 06:00"
    stale: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # prefetch keys the EHR did not send
    sources: dict[str, str] = field(default_factory=dict)  # input name -> the line of ``used`` that filled it

    def use(self, data: Mapping[str, Any], line: str) -> None:
        """Fill in ``data`` and say where it came from."""
        self.data.update(data)
        self.used.append(line)
        self.sources.update(dict.fromkeys(data, line))


@dataclass(frozen=True)
class _Reading:
    code: str
    value: Decimal
    unit: str
    effective: datetime
    reference: str


def safe_text(text: Any, limit: int = 30) -> str:
    """EHR text shown back in a card (markdown) or page: harmless characters only, short."""
    shown = _SAFE_TEXT.sub("?", str(text))[:limit]
    return shown or "?"


def map_prefetch(prefetch: Any, *, now: datetime) -> MappingResult:
    """Map the ``patient``, ``observations``, ``conditions`` and ``medications`` prefetch (CDS Hooks 2.0).

    A key that is absent means the EHR could not prefetch it (it is reported as missing); a key
    whose value is null means the EHR has no such data.
    """
    out = MappingResult()
    prefetch = prefetch if isinstance(prefetch, Mapping) else {}
    for key, reader in PREFETCH_READERS:
        if key not in prefetch:
            out.missing.append(key)
            continue
        value = prefetch[key]
        if value is None:
            continue  # the EHR has no data for this template
        if not isinstance(value, Mapping) or not isinstance(value.get("resourceType"), str):
            out.problems.append(f"The prefetched {key} is not a FHIR resource and was ignored.")
            continue
        if value["resourceType"] == "OperationOutcome":
            out.problems.append(f"The EHR could not prefetch the {key}.")
            continue
        reader(value, now, out)
    return out


def to_intake(mapped: MappingResult) -> IntakeResult:
    """Parse the mapped data as the API does (implausible values become unknown with a warning).

    A value the engine refuses outright (outside its hard range) is dropped with its message.
    """
    result = parse_intake(mapped.data, implausible="unknown")
    if result.errors:
        refused: set[str] = set()
        for spec in FIELDS.values():
            if set(spec.input_names) & set(result.errors):
                refused.update(spec.input_names)
        for messages in result.errors.values():
            mapped.problems.extend(f"{m} The EHR value was not used." for m in messages)
        mapped.data = {k: v for k, v in mapped.data.items() if k not in refused}
        mapped.sources = {k: v for k, v in mapped.sources.items() if k not in refused}
        result = parse_intake(mapped.data, implausible="unknown")
    return result


def answers(mapped: MappingResult) -> dict[str, str]:
    """The mapped data as the wizard stores raw answers (text per input name)."""
    out: dict[str, str] = {}
    for name, value in mapped.data.items():
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, Decimal):
            out[name] = units.format_decimal(value)
        elif value is not None:
            out[name] = str(value)
    return out


# -- Patient ------------------------------------------------------------------------------------


def _patient(resource: Mapping[str, Any], now: datetime, out: MappingResult) -> None:
    if resource.get("resourceType") != "Patient":
        out.problems.append("The prefetched patient is not a Patient resource and was ignored.")
        return
    _sex(resource, out)
    _age(resource, now, out)


def _sex(resource: Mapping[str, Any], out: MappingResult) -> None:
    """Patient.gender (administrative) as the sex for predicted body weight; other or unknown stay unknown."""
    sex = resource.get("gender")
    if not isinstance(sex, str) or sex not in SEXES:
        return
    out.use({"sex": sex}, f"Sex {sex} (from the administrative gender: confirm for predicted body weight)")


def _age(resource: Mapping[str, Any], now: datetime, out: MappingResult) -> None:
    birth = resource.get("birthDate")
    if not isinstance(birth, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", birth):
        out.problems.append("The birth date is missing or incomplete: age not filled in.")
        return
    try:
        born = date.fromisoformat(birth)
    except ValueError:
        out.problems.append("The birth date is not a valid date: age not filled in.")
        return
    today = now.date()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < 0:
        out.problems.append("The birth date is in the future: age not filled in.")
        return
    out.use({"age_years": age}, f"Age {age} years (from the birth date)")


# -- Observations -------------------------------------------------------------------------------


def _entries(bundle: Mapping[str, Any], resource_type: str, what: str, out: MappingResult) -> list[Mapping[str, Any]]:
    if bundle.get("resourceType") == resource_type:
        return [bundle]
    if bundle.get("resourceType") != "Bundle":
        out.problems.append(f"The prefetched {what} are not a Bundle and were ignored.")
        return []
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        return []
    return [
        e["resource"]
        for e in entries
        if isinstance(e, Mapping)
        and isinstance(e.get("resource"), Mapping)
        and e["resource"].get("resourceType") == resource_type
    ]


def _codes(concept: Any, system: str) -> set[str]:
    if not isinstance(concept, Mapping) or not isinstance(concept.get("coding"), list):
        return set()
    return {
        c["code"]
        for c in concept["coding"]
        if isinstance(c, Mapping) and c.get("system") == system and isinstance(c.get("code"), str)
    }


def parse_datetime(text: Any) -> datetime | None:
    """A FHIR dateTime/instant precise to the day or better, as an aware datetime (UTC if no zone)."""
    if not isinstance(text, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", text) or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _effective(obs: Mapping[str, Any]) -> datetime | None:
    for key in ("effectiveDateTime", "effectiveInstant"):
        if key in obs:
            return parse_datetime(obs[key])
    period = obs.get("effectivePeriod")
    if isinstance(period, Mapping):
        return parse_datetime(period.get("end")) or parse_datetime(period.get("start"))
    return parse_datetime(obs.get("issued"))


def _quantity(quantity: Any) -> tuple[Decimal, str] | None:
    if not isinstance(quantity, Mapping):
        return None
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    ucum = quantity.get("code") if quantity.get("system") == UCUM else None
    unit = ucum or quantity.get("unit") or quantity.get("code") or ""
    return number, unit if isinstance(unit, str) else ""


def _reference(resource: Mapping[str, Any]) -> str:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if isinstance(rid, str) and _FHIR_ID.match(rid) else ""


def _when(moment: datetime, now: datetime) -> str:
    local = moment.astimezone(now.tzinfo)
    return local.strftime("%d %b %Y %H:%M") + (f" {local.tzname()}" if local.tzname() else "")


def _observations(bundle: Mapping[str, Any], now: datetime, out: MappingResult) -> None:
    groups: dict[str, list[tuple[Mapping[str, Any], datetime]]] = {what: [] for what, _ in QUANTITIES}
    undated = 0
    for obs in _entries(bundle, "Observation", "observations", out):
        if obs.get("status") not in _USABLE_STATUS:
            continue  # registered, cancelled, entered-in-error: not a result
        codes = _codes(obs.get("code"), LOINC)
        what = next((w for w, c in QUANTITIES if codes.intersection(c)), None)
        if what is None:
            continue
        effective = _effective(obs)
        if effective is None:
            undated += 1
            continue
        if effective > now + FUTURE_TOLERANCE:
            out.problems.append(f"A {_LABELS[what]} result is dated in the future ({_when(effective, now)}): not used.")
            continue
        groups[what].append((obs, effective))
    if undated:
        out.problems.append(f"{undated} observation(s) without a date were not used.")
    newest = {what: max(found, key=lambda pair: pair[1]) for what, found in groups.items() if found}
    for what, (obs, effective) in newest.items():
        if what not in {"pao2", "fio2"}:
            _map_newest(what, obs, effective, now, out)
    if "pao2_fio2_ratio" not in out.data and "pao2" in newest and "fio2" in newest:
        _map_pf_pair(newest["pao2"], newest["fio2"], now, out)


def _map_newest(what: str, obs: Mapping[str, Any], effective: datetime, now: datetime, out: MappingResult) -> None:
    label, ref = _LABELS[what], _reference(obs)
    source = f", {_when(effective, now)}" + (f" ({ref})" if ref else "")
    quantity = _quantity(obs.get("valueQuantity"))
    if quantity is None:
        out.problems.append(f"The newest {label} result{source} has no numeric value: not used.")
        return
    value, unit = quantity
    converted = _convert(what, value, unit)
    if converted is None:
        out.problems.append(
            f"The newest {label} result{source} has a unit DAH Guide does not recognise "
            f"('{safe_text(unit)}'): not used."
        )
        return
    data, shown = converted
    age = now - effective
    if age > STALE_AFTER[what]:
        hours = int(STALE_AFTER[what].total_seconds() // 3600)
        out.stale.append(f"{label} {shown}{source} is older than {hours} h: not used as the current value.")
        return
    out.use(data, f"{label} {shown}{source}")
    if what == "spo2":
        _map_oxygen(obs, source, out)


_PAO2_UNITS = {"mm[hg]": "mmHg", "mmhg": "mmHg", "kpa": "kPa"}
_FIO2_UNITS = {"%": "percent", "1": "fraction", "{fraction}": "fraction", "": "fraction"}


def _map_pf_pair(
    pao2: tuple[Mapping[str, Any], datetime],
    fio2: tuple[Mapping[str, Any], datetime],
    now: datetime,
    out: MappingResult,
) -> None:
    """P/F from the newest PaO₂ and FiO₂ Observations, when both are current and taken together."""
    readings = []
    for what, (obs, effective) in (("pao2", pao2), ("fio2", fio2)):
        ref = _reference(obs)
        source = f"{_when(effective, now)}" + (f" ({ref})" if ref else "")
        quantity = _quantity(obs.get("valueQuantity"))
        code = (
            None
            if quantity is None
            else (_PAO2_UNITS if what == "pao2" else _FIO2_UNITS).get(quantity[1].strip().lower())
        )
        if quantity is None or code is None:
            out.problems.append(
                f"The newest {_LABELS[what]} result, {source}, has no usable value or unit: P/F not calculated."
            )
            return
        if now - effective > STALE_AFTER[what]:
            hours = int(STALE_AFTER[what].total_seconds() // 3600)
            out.stale.append(
                f"{_LABELS[what]} {units.format_decimal(quantity[0])} {safe_text(quantity[1])}, "
                f"{source} is older than {hours} h: P/F not calculated."
            )
            return
        readings.append((quantity[0], code, source, effective))
    (pao2_value, pao2_unit, pao2_source, pao2_at), (fio2_value, fio2_unit, fio2_source, fio2_at) = readings
    if abs(pao2_at - fio2_at) > PF_PAIR_WITHIN:
        out.problems.append(
            f"PaO₂ ({pao2_source}) and FiO₂ ({fio2_source}) were not taken within an hour "
            "of each other: P/F not calculated."
        )
        return
    result = units.pao2_fio2_ratio(pao2_value, pao2_unit, fio2_value, fio2_unit)
    if result.ratio_mmhg is None:
        out.problems.append(f"P/F not calculated from the EHR's PaO₂ and FiO₂: {' '.join(result.problems)}")
        return
    ratio = result.ratio_mmhg.quantize(Decimal(1))
    fio2_shown = f"{units.format_decimal(fio2_value)}{'%' if fio2_unit == 'percent' else ''}"
    out.use(
        {"pao2_fio2_ratio": ratio},
        f"PaO₂/FiO₂ {units.format_decimal(ratio)} mmHg, calculated from PaO₂ "
        f"{units.format_decimal(pao2_value)} {pao2_unit} ({pao2_source}) and FiO₂ {fio2_shown} ({fio2_source})",
    )


def _convert(what: str, value: Decimal, unit: str) -> tuple[dict[str, Any], str] | None:
    """(intake data, value as shown) or None when the unit is not one we convert."""
    if what == "pf":
        if unit.strip().lower() not in {"mm[hg]", "mmhg"}:
            return None
        return {"pao2_fio2_ratio": value}, f"{units.format_decimal(value)} mmHg"
    if what == "creatinine":
        code = units.normalise_creatinine_unit(unit) if len(unit) <= 20 else None
        if code is None:
            return None
        shown = units.format_creatinine(value, code) if value > 0 else f"{units.format_decimal(value)} {unit}"
        return {"creatinine_value": value, "creatinine_unit": code}, shown
    if what == "platelets":
        key = unit.strip().lower().replace(" ", "").replace("µ", "u").replace("μ", "u").replace("^", "*")
        key = key.removeprefix("x").removeprefix("×")
        factor = _PLATELET_FACTORS.get(key)
        if factor is None:
            return None
        count = value * factor
        return {"platelets_10e9_per_l": count}, f"{units.format_decimal(count)} ×10⁹/L"
    if what == "inr":
        if unit.strip().lower() not in _INR_UNITS:
            return None
        return {"inr": value}, units.format_decimal(value)
    if what == "fibrinogen":
        key = unit.strip().lower().replace(" ", "")
        factor = _FIBRINOGEN_FACTORS.get(key)
        if factor is None:
            return None
        grams = value * factor
        shown = f"{units.format_decimal(grams)} g/L"
        if key != "g/l":
            shown = f"{units.format_decimal(value)} mg/dL ({shown})"
        return {"fibrinogen_g_per_l": grams}, shown
    if what == "egfr":
        if unit.strip().lower().replace(" ", "") not in _EGFR_UNITS:
            return None
        return {"egfr": value}, f"{units.format_decimal(value)} mL/min/1.73 m²"
    if what in ("weight", "height"):
        key = unit.strip().lower().replace(" ", "")
        factor = (_WEIGHT_FACTORS if what == "weight" else _HEIGHT_FACTORS).get(key)
        if factor is None:
            return None
        amount = (value * factor).quantize(Decimal("0.1"))
        name, shown_unit = ("weight_kg", "kg") if what == "weight" else ("height_cm", "cm")
        shown = f"{units.format_decimal(amount)} {shown_unit}"
        if key != shown_unit:
            shown = f"{units.format_decimal(value)} {safe_text(unit)} ({shown})"
        return {name: amount}, shown
    if unit.strip() != "%":
        return None
    return {"spo2_percent": value}, f"{units.format_decimal(value)}%"


def _map_oxygen(obs: Mapping[str, Any], source: str, out: MappingResult) -> None:
    """Room air or supplemental oxygen from the SpO₂ Observation's inhaled-oxygen components.

    Only the lowest level is certain: a flow above zero is at least supplemental oxygen; the EHR
    does not say whether it is high-flow or ventilation, so the clinician confirms it.
    """
    verdicts: set[str] = set()
    shown: list[str] = []
    for component in _list(obs.get("component")):
        if not isinstance(component, Mapping):
            continue
        codes = _codes(component.get("code"), LOINC)
        quantity = _quantity(component.get("valueQuantity"))
        if quantity is None:
            continue
        value, unit = quantity
        if O2_FLOW_LOINC in codes and unit.strip() in {"L/min", "l/min"}:
            verdicts.add("room_air" if value == 0 else "supplemental_oxygen")
            shown.append(f"inhaled oxygen {units.format_decimal(value)} L/min")
        elif O2_CONCENTRATION_LOINC in codes and unit.strip() == "%":
            verdicts.add("room_air" if value <= 21 else "supplemental_oxygen")
            shown.append(f"inhaled oxygen {units.format_decimal(value)}%")
    if len(verdicts) == 1:
        support = verdicts.pop()
        detail = "" if support == "room_air" else " (at least; confirm high-flow or ventilation)"
        out.use(
            {"oxygen_support": support},
            f"Oxygen support: {FIELDS['oxygen_support'].choice_label(support)}"
            f"{detail}, from {' and '.join(shown)}{source}",
        )
    elif len(verdicts) > 1:
        out.problems.append(
            f"The inhaled-oxygen values of the SpO₂ result disagree ({', '.join(shown)}): oxygen support not filled in."
        )


# -- Conditions ---------------------------------------------------------------------------------


def _conditions(bundle: Mapping[str, Any], now: datetime, out: MappingResult) -> None:
    found: dict[str, list[str]] = {}
    for condition in _entries(bundle, "Condition", "conditions", out):
        clinical = _codes(condition.get("clinicalStatus"), "http://terminology.hl7.org/CodeSystem/condition-clinical")
        verification = _codes(
            condition.get("verificationStatus"), "http://terminology.hl7.org/CodeSystem/condition-ver-status"
        )
        if (clinical and not clinical & _ACTIVE_CLINICAL) or verification & _REFUTED:
            continue
        ref = _reference(condition)
        for code in sorted(_codes(condition.get("code"), SNOMED)):
            if code in ETIOLOGY_BY_SNOMED:
                etiology, name = ETIOLOGY_BY_SNOMED[code]
                found.setdefault(etiology, []).append(f"{name}, SNOMED CT {code}" + (f" ({ref})" if ref else ""))
        for code in sorted(set().union(*(_codes(condition.get("code"), system) for system in ICD10_SYSTEMS))):
            key = code.replace(".", "").strip().upper()
            if key in ETIOLOGY_BY_ICD10:
                etiology, name = ETIOLOGY_BY_ICD10[key]
                shown = f"{name}, ICD-10 {safe_text(code, 10)}" + (f" ({ref})" if ref else "")
                found.setdefault(etiology, []).append(shown)
    if len(found) == 1:
        etiology, sources = next(iter(found.items()))
        label = FIELDS["etiology"].choice_label(etiology)
        out.use({"etiology": etiology}, f"Cause of the DAH: {label}, from {'; '.join(sources)}")
    elif len(found) > 1:
        labels = ", ".join(FIELDS["etiology"].choice_label(e) for e in found)
        out.problems.append(f"The EHR's conditions point to more than one cause ({labels}): cause not filled in.")


# -- Medication orders --------------------------------------------------------------------------


def _medications(bundle: Mapping[str, Any], now: datetime, out: MappingResult) -> None:
    """The anticoagulant or antiplatelet drug of the active orders, the one most relevant to reversal.

    A drug named by a ``Medication`` is read when the Medication is contained in the order or
    included in the Bundle; the service never fetches it.
    """
    requests = _entries(bundle, "MedicationRequest", "medication orders", out)
    included: dict[str, Mapping[str, Any]] = {}
    if bundle.get("resourceType") == "Bundle":
        included = {ref: m for m in _entries(bundle, "Medication", "medications", out) if (ref := _reference(m))}
    found: dict[str, list[str]] = {}
    unread = 0
    for request in requests:
        if request.get("status") not in _CURRENT_ORDER_STATUS or request.get("intent") not in _ORDER_INTENTS:
            continue  # stopped, completed or draft; a proposal or plan is not an order
        if request.get("doNotPerform") is True:
            continue  # an order *not* to give the drug
        codes = _medication_codes(request, included)
        if codes is None:
            unread += 1
            continue
        ref = _reference(request)
        for code in sorted(codes & ANTICOAGULANT_BY_RXNORM.keys()):
            kind, name = ANTICOAGULANT_BY_RXNORM[code]
            found.setdefault(kind, []).append(f"{name}, RxNorm {code}" + (f" ({ref})" if ref else ""))
    if unread:
        out.problems.append(
            f"The drug of {unread} active medication order(s) could not be read (a Medication that was not "
            "sent): an anticoagulant among them would not be seen."
        )
    if not found:
        return  # unknown, not "none": an order coded otherwise may still be an anticoagulant
    chosen = min(found, key=ANTICOAGULANT_PRIORITY.index)
    spec = FIELDS["anticoagulant"]
    line = f"{spec.label}: {spec.choice_label(chosen)}, from active orders: {'; '.join(found[chosen])}"
    others = [k for k in ANTICOAGULANT_PRIORITY if k in found and k != chosen]
    if others:
        names = "; ".join(n for k in others for n in found[k])
        line += f". Also active, not filled in: {names}; confirm in the wizard"
    out.use({"anticoagulant": chosen}, line)


def _medication_codes(request: Mapping[str, Any], included: Mapping[str, Mapping[str, Any]]) -> set[str] | None:
    """The RxNorm codes of an order's drug and its ingredients, or None when the drug cannot be read."""
    if "medicationCodeableConcept" in request:
        return _codes(request["medicationCodeableConcept"], RXNORM)
    reference = request.get("medicationReference")
    target = reference.get("reference") if isinstance(reference, Mapping) else None
    if not isinstance(target, str):
        return None
    medication: Any = None
    if target.startswith("#"):
        medication = next(
            (
                c
                for c in _list(request.get("contained"))
                if isinstance(c, Mapping) and c.get("resourceType") == "Medication" and c.get("id") == target[1:]
            ),
            None,
        )
    else:
        medication = included.get("/".join(target.split("/")[-2:]))  # relative or absolute reference
    if not isinstance(medication, Mapping):
        return None
    codes = _codes(medication.get("code"), RXNORM)
    for ingredient in _list(medication.get("ingredient")):
        if isinstance(ingredient, Mapping):
            codes |= _codes(ingredient.get("itemCodeableConcept"), RXNORM)
    return codes


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


PREFETCH_READERS = (
    ("patient", _patient),
    ("observations", _observations),
    ("conditions", _conditions),
    ("medications", _medications),
)
