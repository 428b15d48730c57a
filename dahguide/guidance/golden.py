"""Golden cases as content: check them against a guideline snapshot, and load the seed file.

A golden case is a reference patient with the plan the engine must produce for it. The reviewer's
screen runs every active case against a draft, and ``workflow.version_approve`` refuses a draft
while any case fails, so an edit cannot silently change what a known patient is advised.

The seed file (``fixtures/golden_cases.json``) is also the list the engine's own tests read
(``tests/engine/golden_cases.py``): one list, two readers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from dahguide.engine import vocabulary
from dahguide.engine.content import Snapshot
from dahguide.engine.evaluation import evaluate_intake
from dahguide.engine.intake import FIELDS
from dahguide.guidance.models import GoldenCase, dose_amount_parts

GOLDEN_CASES_FILE = Path(settings.BASE_DIR) / "fixtures" / "golden_cases.json"
# The keys of one case in the seed file: the model's fields, so the file and the rows cannot drift.
SEED_KEYS = (
    "name",
    "description",
    "intake",
    "expected_decision",
    "expected_criteria",
    "expected_derived",
    "expected_warnings",
    "expected_present",
    "expected_absent",
    "expected_withheld",
    "expected_doses",
    "active",
)


@dataclass(frozen=True)
class GoldenCheck:
    expectation: str  # what was checked, e.g. "criterion dah_with_hypoxemia"
    passed: bool
    message: str  # the check in the content's codes, whether it passed or not
    clinical: str = ""  # a failure as a clinician reads it: "plasma exchange would change from consider to …"


@dataclass(frozen=True)
class GoldenResult:
    name: str
    description: str
    checks: tuple[GoldenCheck, ...]
    case_id: int | None = None
    patient: str = ""  # "MPA, creatinine 3.41 mg/dL": who the case is, in a clinician's words

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(check.message for check in self.checks if not check.passed)

    @property
    def changes(self) -> tuple[str, ...]:
        """What would change for this patient, one sentence per failing expectation."""
        return tuple(check.clinical or check.message for check in self.checks if not check.passed)

    @property
    def clinical_failures(self) -> tuple[str, ...]:
        """Each failure as a reviewer reads it: "MPA, creatinine 3.41 mg/dL: plasma exchange would change
        from consider to not indicated"."""
        return tuple(f"{self.patient}: {change}" if self.patient else change for change in self.changes)


def golden_case_check(case: GoldenCase, snapshot: Snapshot) -> GoldenResult:
    """Every expectation of one case against one snapshot, each with its own message."""

    def result(*checks: GoldenCheck) -> GoldenResult:
        return GoldenResult(case.name, case.description, tuple(checks), case.pk, patient_summary(case.intake))

    try:
        evaluation = evaluate_intake(case.intake, snapshot)
    except ValueError as exc:  # content lacks something the engine needs
        return result(GoldenCheck("plan", False, f"No plan could be made with this content: {exc}."))
    if evaluation.errors:
        fields = ", ".join(sorted(evaluation.errors))
        return result(GoldenCheck("intake", False, f"The intake is not valid ({fields}); correct the case."))
    plan = evaluation.document

    decision = plan["plasma_exchange"]["decision"]
    checks = [
        _equal(
            "decision",
            "Plasma-exchange decision",
            case.expected_decision,
            decision,
            f"plasma exchange would change from {_words(case.expected_decision)} to {_words(decision)}",
        )
    ]
    criteria = {c["code"]: c for c in plan["plasma_exchange"]["criteria"]}
    for code, expected in case.expected_criteria.items():
        actual = criteria.get(code, {}).get("status")
        label = criteria.get(code, {}).get("label") or snapshot.texts.get(f"criterion_{code}", code)
        checks.append(
            _equal(
                f"criterion {code}",
                f"Criterion {code}",
                expected,
                actual,
                f"the criterion “{label}” would be {_words(actual)} instead of {_words(expected)}",
            )
        )
    for name, expected in case.expected_derived.items():
        actual = plan["derived"].get(name)
        spec = vocabulary.FACTS.get(name)
        label = spec.label if spec else name.replace("_", " ")
        checks.append(
            _equal(
                f"derived {name}",
                f"Derived fact {name}",
                expected,
                actual,
                f"{label} would be {_words(actual)} instead of {_words(expected)}",
            )
        )
    titles = {r.code: r.title for r in snapshot.recommendations}
    warning_titles = {w.code: w.text for w in snapshot.warnings}
    warnings = {w["code"] for w in plan["warnings"]}
    checks += [
        _presence("warning", code, code in warnings, expected=True, title=_short(warning_titles.get(code, code)))
        for code in case.expected_warnings
    ]
    recommendations = {r["code"] for r in plan["recommendations"]}
    checks += [
        _presence("recommendation", code, code in recommendations, expected=True, title=titles.get(code, code))
        for code in case.expected_present
    ]
    checks += [
        _presence("recommendation", code, code in recommendations, expected=False, title=titles.get(code, code))
        for code in case.expected_absent
    ]
    withheld = {w["code"] for w in plan.get("withheld", [])}
    checks += [
        _withheld(code, code in withheld, code in recommendations, titles.get(code, code))
        for code in case.expected_withheld
    ]
    doses = {d["code"]: d for r in plan["recommendations"] for d in r.get("doses", [])}
    checks += [_dose(code, expected, doses.get(code)) for code, expected in case.expected_doses.items()]
    return result(*checks)


def patient_summary(intake: Mapping[str, Any]) -> str:
    """Who a golden case is, as a clinician would say it: the cause and what decides plasma exchange.

    "MPA, creatinine 3.41 mg/dL, SpO₂ 88% on high-flow oxygen"; the intake's own numbers and units.
    """
    if not isinstance(intake, Mapping):
        return ""
    parts = []
    if etiology := intake.get("etiology"):
        parts.append(dict(FIELDS["etiology"].choices).get(etiology, str(etiology)))
    if intake.get("anti_gbm_positive") is True and intake.get("etiology") != "anti_gbm":
        parts.append("anti-GBM antibody positive")
    if (value := intake.get("creatinine_value")) is not None:
        unit = {"umol/L": "µmol/L"}.get(str(intake.get("creatinine_unit") or ""), intake.get("creatinine_unit") or "")
        parts.append(f"creatinine {value} {unit}".rstrip())
    if intake.get("on_dialysis") is True:
        parts.append("on dialysis")
    if intake.get("creatinine_rising_rapidly") is True:
        parts.append("creatinine rising rapidly")
    oxygen = dict(FIELDS["oxygen_support"].choices).get(intake.get("oxygen_support") or "", "")
    if (spo2 := intake.get("spo2_percent")) is not None:
        parts.append(f"SpO₂ {spo2}%" + (f" on {oxygen}" if oxygen else ""))
    elif oxygen:
        parts.append(f"on {oxygen}")
    if (platelets := intake.get("platelets_10e9_per_l")) is not None:
        parts.append(f"platelets {platelets} ×10⁹/L")
    if (age := intake.get("age_years")) is not None:
        parts.append(f"age {age}")
    return ", ".join(str(p) for p in parts)


def _words(value: Any) -> str:
    """A code or value as a reader says it: not_indicated -> "not indicated", True -> "yes"."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def golden_cases_run(*, snapshot: Snapshot) -> list[GoldenResult]:
    """Every active golden case against ``snapshot`` (one query), failing cases first."""
    results = [golden_case_check(case, snapshot) for case in GoldenCase.objects.filter(active=True)]
    return sorted(results, key=lambda r: (r.passed, r.name))


def _equal(expectation: str, label: str, expected: Any, actual: Any, clinical: str = "") -> GoldenCheck:
    if expected == actual:
        return GoldenCheck(expectation, True, f"{label} is {_shown(actual)}, as expected.")
    return GoldenCheck(expectation, False, f"{label}: expected {_shown(expected)}, got {_shown(actual)}.", clinical)


def _presence(kind: str, code: str, present: bool, *, expected: bool, title: str = "") -> GoldenCheck:
    where = "in the plan" if present else "not in the plan"
    if present == expected:
        return GoldenCheck(f"{kind} {code}", True, f"The {kind} {code} is {where}, as expected.")
    wanted = "expected" if expected else "not expected"
    named = f"“{title or code}”"
    if kind == "warning":
        clinical = f"the warning {named} would no longer be shown"
    else:
        clinical = f"{named} would {'no longer' if expected else 'now'} be in the plan"
    return GoldenCheck(f"{kind} {code}", False, f"The {kind} {code} is {where} but was {wanted}.", clinical)


def _withheld(code: str, withheld: bool, present: bool, title: str = "") -> GoldenCheck:
    if withheld:
        return GoldenCheck(f"withheld {code}", True, f"The action {code} is withheld for this patient, as expected.")
    where = "is in the plan as advice" if present else "is neither in the plan nor withheld"
    clinical = f"“{title or code}” would {'be advised' if present else 'be neither advised nor'} " + (
        "instead of withheld" if present else "withheld"
    )
    return GoldenCheck(
        f"withheld {code}", False, f"The action {code} {where} but should be withheld for this patient.", clinical
    )


def _dose(code: str, expected: str | None, dose: Mapping[str, Any] | None) -> GoldenCheck:
    """A dose's amount compared as a number ("12.50" is "12.5"); null means "cannot be computed"."""
    if dose is None:
        return GoldenCheck(
            f"dose {code}", False, f"The dose {code} is not in the plan; expected {_amount(expected, None)}."
        )
    actual, unit, missing = dose.get("amount"), str(dose.get("unit", "")), tuple(dose.get("missing") or ())
    if _same_amount(expected, actual):
        return GoldenCheck(f"dose {code}", True, f"The dose {code} is {_amount(actual, unit, missing)}, as expected.")
    drug = str(dose.get("drug") or code)
    return GoldenCheck(
        f"dose {code}",
        False,
        f"The dose {code}: expected {_amount(expected, unit)}, got {_amount(actual, unit, missing)}.",
        f"the {drug} dose would be {_amount(actual, unit, missing)} instead of {_amount(expected, unit)}",
    )


def _same_amount(expected: str | None, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    parts = dose_amount_parts(actual)
    return parts is not None and parts == dose_amount_parts(expected)  # "12.50" is "12.5"


def _amount(amount: Any, unit: str | None, missing: tuple[str, ...] = ()) -> str:
    if amount is None and missing:
        return f"no amount ({', '.join(missing)} missing)"
    if amount is None:
        return "no amount (it cannot be computed from this intake)"
    return f"{amount} {unit}".rstrip() if unit else str(amount)


def _shown(value: Any) -> str:
    return "unknown" if value is None else json.dumps(value) if isinstance(value, bool) else str(value)


# --- seed ------------------------------------------------------------------------------------


def golden_cases_read(path: Path = GOLDEN_CASES_FILE) -> list[dict[str, Any]]:
    """The cases of a seed file (a JSON list of objects with ``SEED_KEYS``)."""
    cases = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(cases, list):
        raise ValidationError(f"{path.name} must hold a JSON list of golden cases.")
    return cases


@transaction.atomic
def golden_cases_load(*, cases: Iterable[Mapping[str, Any]]) -> int:
    """Create the cases whose name is not in the database yet; returns how many were created.

    Existing cases are never overwritten (editors may have corrected them), so loading twice
    changes nothing. Every problem of every case is reported at once, and nothing is saved then.
    """
    existing = set(GoldenCase.objects.values_list("name", flat=True))
    errors: list[str] = []
    created = 0
    for index, entry in enumerate(cases, start=1):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        where = f"Golden case {index}" + (f" '{name}'" if isinstance(name, str) else "")
        if not isinstance(entry, Mapping):
            errors.append(f"{where}: must be an object.")
            continue
        unknown = sorted(set(entry) - set(SEED_KEYS))
        if unknown:
            errors.append(f"{where}: unknown key(s) {', '.join(unknown)}.")
            continue
        if name in existing:
            continue
        case = GoldenCase(**entry)
        try:
            case.full_clean()
        except ValidationError as exc:
            errors.extend(f"{where}: {field}: {m}" for field, messages in exc.message_dict.items() for m in messages)
            continue
        case.save()
        existing.add(name)
        created += 1
    if errors:
        raise ValidationError(errors)
    return created
