"""The wizard's questions, built from the engine's single field definition (``intake.FIELDS``/``STEPS``).

Nothing here knows a range, a unit or a choice list of its own: the engine's ``FieldSpec`` gives
them, and ``parse_intake`` decides what is valid. This module only

- turns a POST into raw answers (kept as typed, invalid text included),
- turns raw answers into the engine's input (``engine_data``) and the errors of one step,
- describes each question for the templates (``Question``), with an explicit "unknown" per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils.text import capfirst

from dahguide.engine import units
from dahguide.engine.intake import FIELDS, INPUT_NAMES, STEPS, FieldSpec, IntakeResult, Step, parse_intake

STEP_CODES: tuple[str, ...] = tuple(s.code for s in STEPS)
STEPS_BY_CODE: Mapping[str, Step] = {s.code: s for s in STEPS}
STEP_TEMPLATES: Mapping[str, str] = {code: f"wizard/steps/_{code}.html" for code in STEP_CODES}
# The steps that hold the cause and the inputs of the four plasma-exchange criteria (REFERENCE §5):
# once they are saved the plan can be seen; the later steps refine it, their questions listed as missing.
REQUIRED_STEP_CODES: tuple[str, ...] = ("patient", "respiratory", "kidney")
# A choice with at most this many answers (its "unknown" included) is a row of buttons: one click
# (or one arrow key) each, where a select takes two. The cause of the DAH, the longest list asked,
# has 13; a longer list would stay a select.
MAX_BUTTON_CHOICES = 13

MAX_RAW_LENGTH = 200  # longer text is cut when stored; the engine refuses anything over 60 anyway
MAX_LIST_LENGTH = 20
NONE_OF_THESE = "none"  # multi-choice: "none of these" ticked (an empty list); nothing ticked = unknown

# Wizard-only inputs of the helpers (REFERENCE §3, §4.2): stored with the draft so Back and a
# refresh keep them, never sent to the engine.
HELPER_INPUTS: Mapping[str, tuple[str, ...]] = {
    "respiratory": ("pao2", "pao2_unit", "fio2", "fio2_unit"),
    "kidney": ("baseline_creatinine_value", "baseline_creatinine_unit", "hours_since_baseline"),
}
# The helper shown after a question (templates/wizard/helpers/).
HELPER_TEMPLATES: Mapping[str, str] = {
    "pao2_fio2_ratio": "wizard/helpers/_pf_calculator.html",
    "creatinine_rising_rapidly": "wizard/helpers/_aki.html",
}
PAO2_UNITS = (("mmHg", "mmHg"), ("kPa", "kPa"))
FIO2_UNITS = (("fraction", "fraction (0.21–1.0)"), ("percent", "% (21–100)"))


# -- Questions that cannot apply ---------------------------------------------------------------


@dataclass(frozen=True)
class AskedWhen:
    """A follow-up question asked only when an earlier step's answers make it relevant."""

    test: Callable[[Mapping[str, Any]], bool]
    not_asked: str  # shown on the review page instead of an answer


def _anti_gbm_possible(answers: Mapping[str, Any]) -> bool:
    return _raw(answers, "etiology").lower() in {"anti_gbm", "aav_anti_gbm_double_positive"} or (
        _raw(answers, "anti_gbm_positive").lower() in {"true", "yes"}
    )


# Only follow-ups that depend on an *earlier* step are hidden, so a step never changes shape
# while it is being answered and the flow works the same without JavaScript. Pregnancy is
# always asked: "not applicable" is one of its answers.
ASKED_WHEN: Mapping[str, AskedWhen] = {
    # The anti-GBM biopsy exception rule (CONTRACT, kidney): only meaningful in anti-GBM disease.
    "biopsy_crescents_percent": AskedWhen(
        _anti_gbm_possible, "Not asked: only relevant in anti-GBM disease (step 1: cause or anti-GBM antibody)."
    ),
}


def is_asked(name: str, answers: Mapping[str, Any]) -> bool:
    rule = ASKED_WHEN.get(name)
    return rule is None or rule.test(answers)


def asked_fields(step: Step, answers: Mapping[str, Any]) -> tuple[FieldSpec, ...]:
    return tuple(FIELDS[name] for name in step.fields if is_asked(name, answers))


# -- Default units ------------------------------------------------------------------------------

SESSION_UNITS = "dahguide_lab_units"  # the units this user last chose, per lab (request.session)
# The site's default per lab unit input (settings: DAHGUIDE_DEFAULT_CREATININE_UNIT).
_DEFAULT_UNIT_SETTINGS = {"creatinine_unit": "DAHGUIDE_DEFAULT_CREATININE_UNIT"}
# Wizard-only unit inputs that follow a lab's unit (the AKI helper's baseline creatinine).
_FOLLOWS_UNIT = {"baseline_creatinine_unit": "creatinine_unit"}


def default_units(remembered: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The unit each lab takes when only a number is typed: the one this user last chose, else the site's."""
    out: dict[str, str] = {}
    for spec in FIELDS.values():
        if spec.kind != "lab":
            continue
        allowed = dict(spec.choices)
        mine = (remembered or {}).get(spec.unit_field)
        site = getattr(settings, _DEFAULT_UNIT_SETTINGS.get(spec.unit_field, ""), "")
        unit = mine if mine in allowed else site if site in allowed else ""
        if unit:
            out[spec.unit_field] = unit
    for follower, lab in _FOLLOWS_UNIT.items():
        if lab in out:
            out[follower] = out[lab]
    return out


def chosen_units(step: Step, raw: Mapping[str, Any]) -> dict[str, str]:
    """The lab units a step's post chose explicitly: remembered for this user's next assessment."""
    return {
        spec.unit_field: raw[spec.unit_field]
        for spec in asked_fields(step, raw)
        if spec.kind == "lab" and raw.get(spec.unit_field) in dict(spec.choices)
    }


# -- Raw answers in, engine data and errors out ------------------------------------------------


def _raw(answers: Mapping[str, Any], name: str) -> str:
    value = answers.get(name, "")
    return value if isinstance(value, str) else ""


def _typed(value: Any) -> str:
    """Text as typed, cut to a sane length. A NUL character (which PostgreSQL cannot store in JSON)
    becomes U+FFFD, so the answer is still refused and shown back instead of failing the save."""
    return str(value).replace("\x00", "\ufffd")[:MAX_RAW_LENGTH]


def raw_from_post(
    step: Step, post: Any, answers: Mapping[str, Any], lab_units: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The raw answers a step's form posted, exactly as typed (cut to a sane length).

    Only the inputs of questions asked on this step (and of its helpers) are read, so a saved
    answer elsewhere is never overwritten by an input that was not on the page. A lab value posted
    without its unit takes the default unit (``lab_units``, from ``default_units``): a number alone
    is accepted, and the page shows which unit it was read in.
    """
    raw: dict[str, Any] = {}
    for spec in asked_fields(step, answers):
        if spec.kind == "multi_choice":
            raw[spec.name] = [_typed(v) for v in post.getlist(spec.name)[:MAX_LIST_LENGTH]]
            continue
        for name in spec.input_names:
            raw[name] = _typed(post.get(name, ""))
        if spec.kind == "lab" and raw[spec.name].strip() and not raw[spec.unit_field].strip():
            raw[spec.unit_field] = (lab_units or {}).get(spec.unit_field, "")
    for name in HELPER_INPUTS.get(step.code, ()):
        raw[name] = _typed(post.get(name, ""))
    if raw.get("baseline_creatinine_value", "").strip() and not raw.get("baseline_creatinine_unit", "").strip():
        raw["baseline_creatinine_unit"] = (lab_units or {}).get("baseline_creatinine_unit", "")
    return raw


def raw_from_query(query: Any, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Unsaved answers sent with a GET (the "plan so far" panel): every field input present."""
    raw: dict[str, Any] = {}
    for name in INPUT_NAMES:
        if name not in query:
            continue
        spec = FIELDS.get(name)
        if spec is not None and spec.kind == "multi_choice":
            raw[name] = [_typed(v) for v in query.getlist(name)[:MAX_LIST_LENGTH]]
        else:
            raw[name] = _typed(query.get(name, ""))
    return raw


def engine_data(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's input from raw answers: only intake inputs, only questions asked, blanks omitted."""
    data: dict[str, Any] = {}
    for spec in FIELDS.values():
        if not is_asked(spec.name, answers):
            continue  # a stale answer to a question that no longer applies is not used
        if spec.kind == "multi_choice":
            items = answers.get(spec.name)
            if isinstance(items, list) and items:
                data[spec.name] = [v for v in items if v != NONE_OF_THESE]
            continue
        for name in spec.input_names:
            value = answers.get(name, "")
            if isinstance(value, str) and value.strip():
                data[name] = value
    return data


def answers_from_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Raw answers, as the steps hold them, for a normalised intake (a plan's ``inputs``).

    The inverse of ``engine_data``: seeds a draft from a saved case, and shows a saved case's
    answers with ``answer_rows``. Unknown values are left out, as an unanswered question.
    """
    answers: dict[str, Any] = {}
    for spec in FIELDS.values():
        for name in spec.input_names:
            value = inputs.get(name)
            if value is None:
                continue
            if spec.kind == "multi_choice":
                answers[name] = [str(v) for v in value] or [NONE_OF_THESE]
            elif isinstance(value, bool):
                answers[name] = "true" if value else "false"
            else:
                answers[name] = str(value)
    return answers


def parse_answers(answers: Mapping[str, Any]) -> IntakeResult:
    """The wizard's parse: an implausible-for-its-unit value is an error (CONTRACT)."""
    return parse_intake(engine_data(answers), implausible="error")


def parse_answers_leniently(answers: Mapping[str, Any]) -> IntakeResult:
    """A best-effort parse for the "plan so far" panel: answers the engine refuses count as unknown."""
    data = engine_data(answers)
    result = parse_intake(data, implausible="unknown")
    if result.errors:
        bad = set(result.errors)
        for spec in FIELDS.values():
            if bad.intersection(spec.input_names):
                bad.update(spec.input_names)
        result = parse_intake({k: v for k, v in data.items() if k not in bad}, implausible="unknown")
    return result


def step_errors(step: Step, answers: Mapping[str, Any]) -> dict[str, list[str]]:
    """The messages for one step's inputs; errors of other steps are not this step's business."""
    result = parse_answers(answers)
    names = set(step.input_names)
    errors = {name: list(msgs) for name, msgs in result.errors.items() if name in names}
    for spec in asked_fields(step, answers):
        items = answers.get(spec.name)
        if spec.kind == "multi_choice" and isinstance(items, list) and NONE_OF_THESE in items and len(items) > 1:
            errors.setdefault(spec.name, []).insert(
                0, f"{spec.label}: tick the factors present or “none of these”, not both."
            )
    return errors


def first_step_with_errors(answers: Mapping[str, Any]) -> str | None:
    errors = parse_answers(answers).errors
    for step in STEPS:
        if errors.keys() & set(step.input_names):
            return step.code
    return None


# -- Questions for the templates ----------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: str
    value: str
    label: str
    selected: bool


@dataclass
class Question:
    spec: FieldSpec
    value: str = ""
    options: list[Option] = field(default_factory=list)
    unit_options: list[Option] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    converted: str = ""
    converted_warning: bool = False  # the value does not fit its unit: shown as a warning
    helper: str = ""
    focus_id: str = ""  # the id of this question's element that takes the focus when the step opens
    buttons: bool = False  # a choice shown as a row of buttons (radio inputs) rather than a select

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    # Cached: read several times per render, and a question is complete (errors set) before it renders.
    @cached_property
    def label(self) -> str:
        unit = self.spec.unit_label
        return f"{self.spec.label} ({unit})" if unit and self.kind in {"integer", "number"} else self.spec.label

    @cached_property
    def help_text(self) -> str:
        parts = [self.spec.help_text] if self.spec.help_text else []
        if self.kind in {"integer", "number"} and self.spec.hard_range:
            low, high = self.spec.hard_range
            whole = "whole number " if self.kind == "integer" else ""
            parts.append(f"Allowed: {whole}{units.format_decimal(low)}–{units.format_decimal(high)}.")
        if self.kind in {"integer", "number", "lab"}:
            parts.append("Leave empty if unknown.")
        if self.kind == "multi_choice":
            parts.append("Leave every box unticked if unknown.")
        return " ".join(parts)

    @property
    def input_id(self) -> str:
        """The element an error link jumps to: the input, or the first radio/checkbox of a group."""
        return self.options[0].id if self.kind in {"boolean", "multi_choice"} or self.buttons else f"id_{self.name}"

    @property
    def first_focus_id(self) -> str:
        """Where the keyboard lands in this question: the checked radio of a group, else its first."""
        if self.kind == "boolean" or self.buttons:
            return next((o.id for o in self.options if o.selected), self.options[0].id)
        return self.input_id

    @property
    def unit_name(self) -> str:
        return self.spec.unit_field

    @property
    def unit_id(self) -> str:
        return f"id_{self.spec.unit_field}"

    @property
    def help_id(self) -> str:
        return f"{self.name}-help"

    @property
    def error_id(self) -> str:
        return f"{self.name}-error"

    @property
    def converted_id(self) -> str:
        return f"{self.name}-converted"

    @cached_property
    def describedby(self) -> str:
        ids = [self.help_id] if self.help_text else []
        if self.kind == "lab":
            ids.append(self.converted_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)


@dataclass
class StepForm:
    step: Step
    questions: list[Question]

    @property
    def errors(self) -> bool:
        return any(q.errors for q in self.questions)

    @property
    def questions_with_errors(self) -> list[Question]:
        return [q for q in self.questions if q.errors]

    @property
    def error_count(self) -> int:
        return len(self.questions_with_errors)


def build_form(
    step: Step,
    answers: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    *,
    lab_units: Mapping[str, str] | None = None,
    focus: str = "",
) -> StepForm:
    """The step's questions with their answers. ``lab_units``: the default unit of each lab, preselected
    when none was answered. ``focus``: the id of the element to focus when the step opens (a helper's
    answer); by default the first question's."""
    errors = errors or {}
    lab_units = lab_units or {}
    questions = []
    for spec in asked_fields(step, answers):
        q = Question(spec=spec, helper=HELPER_TEMPLATES.get(spec.name, ""))
        q.errors = [msg for name in spec.input_names for msg in errors.get(name, ())]
        if spec.kind == "multi_choice":
            chosen = answers.get(spec.name)
            chosen = chosen if isinstance(chosen, list) else []
            q.options = [
                Option(f"id_{spec.name}_{value}", value, capfirst(label), value in chosen)
                for value, label in (*spec.choices, (NONE_OF_THESE, "none of these"))
            ]
        elif spec.kind == "boolean":
            value = _raw(answers, spec.name).strip().lower()
            value = {"yes": "true", "no": "false"}.get(value, value)
            value = value if value in {"true", "false"} else ""
            q.options = [
                Option(f"id_{spec.name}_{v or 'unknown'}", v, label, value == v)
                for v, label in (("true", "Yes"), ("false", "No"), ("", "Unknown"))
            ]
        elif spec.kind == "choice":
            value = _raw(answers, spec.name).strip().lower()
            own_unknown = dict(spec.choices).get("unknown", "unknown")  # etiology: "unknown (work-up pending)"
            known = value in dict(spec.choices) and value != "unknown"
            q.options = [Option(f"id_{spec.name}_unknown", "", capfirst(own_unknown), not known)] + [
                Option(f"id_{spec.name}_{v}", v, capfirst(label), value == v)
                for v, label in spec.choices
                if v != "unknown"
            ]
            q.buttons = len(q.options) <= MAX_BUTTON_CHOICES
        else:
            q.value = _raw(answers, spec.name)
        if spec.kind == "lab":
            unit = _raw(answers, spec.unit_field)
            shown_unit = unit if unit.strip() else lab_units.get(spec.unit_field, "")
            q.unit_options = [Option("", "", "Choose unit", shown_unit not in dict(spec.choices))] + [
                Option("", v, label, shown_unit == v) for v, label in spec.choices
            ]
            q.converted, q.converted_warning = lab_conversion(spec, q.value, unit)
        questions.append(q)
    if questions and not errors:  # with errors the error summary takes the focus
        first = focus or questions[0].first_focus_id
        for q in questions:
            ids = {q.input_id, q.first_focus_id, *(o.id for o in q.options)}
            q.focus_id = first if first in ids else ""
    return StepForm(step=step, questions=questions)


def lab_conversion(spec: FieldSpec, raw_value: str, raw_unit: str) -> tuple[str, bool]:
    """("300 µmol/L = 3.39 mg/dL", False), or (the engine's message, True) when the value does not fit its unit."""
    if not raw_value.strip():
        return "", False
    result = parse_intake({spec.name: raw_value, spec.unit_field: raw_unit}, implausible="error")
    if result.errors:
        return " ".join(msg for msgs in result.errors.values() for msg in msgs), True
    value = getattr(result.intake, spec.name)
    unit = getattr(result.intake, spec.unit_field)
    return creatinine_equation(value, unit), False


def lab_conversion_text(spec: FieldSpec, raw_value: str, raw_unit: str) -> str:
    return lab_conversion(spec, raw_value, raw_unit)[0]


def creatinine_equation(value: Decimal, unit: str) -> str:
    entered = f"{units.format_decimal(value)} {units.CREATININE_UNIT_LABELS[unit]}"
    others = [u for u in ("mg/dL", "umol/L") if u != unit]
    shown = [
        f"{units.format_decimal(units.convert_creatinine(value, unit, u), 2)} {units.CREATININE_UNIT_LABELS[u]}"
        for u in others
    ]
    return " = ".join([entered, *shown])


# -- Helpers: P/F and "rapidly rising" (wizard-only inputs) -------------------------------------


@dataclass(frozen=True)
class HelperResult:
    value: str  # the answer to fill in ("" when none can be given)
    text: str  # what the physician reads


def _decimal(raw: str) -> Decimal | None:
    try:
        number = Decimal(raw.strip()) if raw.strip() and len(raw) <= 60 and "_" not in raw else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def pf_helper(answers: Mapping[str, Any], avoid: tuple[Decimal, ...] = ()) -> HelperResult:
    """P/F in mmHg from PaO₂ and FiO₂ with their units (engine: ``units.pao2_fio2_ratio``)."""
    raw_pao2, raw_fio2 = _raw(answers, "pao2"), _raw(answers, "fio2")
    if not raw_pao2.strip() and not raw_fio2.strip():
        return HelperResult("", "")
    pao2, fio2 = _decimal(raw_pao2), _decimal(raw_fio2)
    if pao2 is None or fio2 is None:
        problems = [f"{label}: enter a number." for label, number in (("PaO₂", pao2), ("FiO₂", fio2)) if number is None]
        return HelperResult("", " ".join(problems))
    result = units.pao2_fio2_ratio(pao2, _raw(answers, "pao2_unit"), fio2, _raw(answers, "fio2_unit"))
    if result.ratio_mmhg is None:
        return HelperResult("", " ".join(result.problems))
    value = units.format_decimal(result.ratio_mmhg, 0, avoid)
    return HelperResult(value, f"P/F = {value} mmHg")


def rising_helper(answers: Mapping[str, Any]) -> tuple[bool | None, str]:
    """A suggested answer to "creatinine rising rapidly" (engine: KDIGO 2012 AKI rule)."""
    raw_baseline = _raw(answers, "baseline_creatinine_value")
    if not raw_baseline.strip():
        return None, ""
    baseline = _decimal(raw_baseline)
    if baseline is None:
        return None, "Baseline creatinine: enter a number."
    raw_hours = _raw(answers, "hours_since_baseline")
    hours = _decimal(raw_hours)
    if raw_hours.strip() and hours is None:
        return None, "Hours since the baseline value: enter a number."
    current = _decimal(_raw(answers, "creatinine_value"))
    current_unit = units.normalise_creatinine_unit(_raw(answers, "creatinine_unit"))
    baseline_unit = units.normalise_creatinine_unit(_raw(answers, "baseline_creatinine_unit"))
    result = units.creatinine_rising_rapidly(current, current_unit, baseline, baseline_unit, hours)
    return result.rising, result.reason


def helper_context(
    step: Step,
    answers: Mapping[str, Any],
    avoid_pf: tuple[Decimal, ...] = (),
    lab_units: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What the helper partials of a step show: their raw inputs and the current result."""
    if step.code == "respiratory":
        pf = pf_helper(answers, avoid_pf)
        return {
            "pao2": _raw(answers, "pao2"),
            "fio2": _raw(answers, "fio2"),
            "pao2_unit_options": _unit_options("pao2_unit", PAO2_UNITS, answers),
            "fio2_unit_options": _unit_options("fio2_unit", FIO2_UNITS, answers),
            "pf_text": pf.text,
        }
    if step.code == "kidney":
        rising, reason = rising_helper(answers)
        spec = FIELDS["creatinine_value"]
        return {
            "baseline_creatinine_value": _raw(answers, "baseline_creatinine_value"),
            "hours_since_baseline": _raw(answers, "hours_since_baseline"),
            "baseline_unit_options": _unit_options("baseline_creatinine_unit", spec.choices, answers, lab_units),
            "rising_text": rising_text(rising, reason),
        }
    return {}


def rising_text(rising: bool | None, reason: str) -> str:
    if not reason:
        return ""
    suggestion = {True: "Suggests yes. ", False: "Suggests no. ", None: "No suggestion. "}[rising]
    return suggestion + reason


def _unit_options(
    name: str,
    choices: tuple[tuple[str, str], ...],
    answers: Mapping[str, Any],
    lab_units: Mapping[str, str] | None = None,
) -> list[Option]:
    chosen = _raw(answers, name) or (lab_units or {}).get(name, "")
    return [Option("", "", "Choose unit", chosen not in dict(choices))] + [
        Option("", v, label, chosen == v) for v, label in choices
    ]


# -- Answers as a clinician reads them (review page, printed plan) ------------------------------


@dataclass(frozen=True)
class AnswerRow:
    name: str
    label: str
    display: str
    asked: bool = True
    origin: str = ""  # FROM_EHR, ENTERED, or "" (a draft not prefilled from the EHR, or no answer)
    source: str = ""  # for FROM_EHR: what the chart said, and when


FROM_EHR = "ehr"
ENTERED = "entered"


def answer_rows(
    step: Step, answers: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]] | None = None
) -> list[AnswerRow]:
    rows = []
    for name in step.fields:
        spec = FIELDS[name]
        if not is_asked(name, answers):
            rows.append(AnswerRow(name, spec.label, ASKED_WHEN[name].not_asked, asked=False))
            continue
        origin, source = answer_origin(spec, answers, sources or {})
        rows.append(AnswerRow(name, spec.label, display_answer(spec, answers), origin=origin, source=source))
    return rows


def answer_origin(
    spec: FieldSpec, answers: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]
) -> tuple[str, str]:
    """Where an answer of a draft prefilled from the EHR came from: (FROM_EHR, its source) while every
    prefilled input still holds the chart's value, (ENTERED, "") once the physician typed or changed
    it, ("", "") for a draft not prefilled from the EHR or an answer left empty."""
    if not sources:
        return "", ""
    prefilled = [name for name in spec.input_names if name in sources]
    if prefilled and all(answers.get(name) == sources[name].get("value") for name in prefilled):
        said = dict.fromkeys(str(sources[name].get("source") or "") for name in prefilled)
        return FROM_EHR, "; ".join(text for text in said if text)
    value = answers.get(spec.name)
    answered = bool(value) if isinstance(value, list) else bool(str(value or "").strip())
    return (ENTERED, "") if answered else ("", "")


def display_answer(spec: FieldSpec, answers: Mapping[str, Any]) -> str:
    if spec.kind == "multi_choice":
        items = answers.get(spec.name)
        if not isinstance(items, list) or not items:
            return "Unknown"
        labels = dict((*spec.choices, (NONE_OF_THESE, "none of these")))
        return capfirst(", ".join(labels[v] if v in labels else v for v in items))
    value = _raw(answers, spec.name).strip()
    if not value or value.lower() == "unknown":
        if spec.kind == "choice" and "unknown" in dict(spec.choices):
            return capfirst(spec.choice_label("unknown"))
        return "Unknown" + (" (assumed yes)" if spec.default is True else "")
    if spec.kind == "boolean":
        return {"true": "Yes", "yes": "Yes", "false": "No", "no": "No"}.get(value.lower(), value)
    if spec.kind == "choice":
        return capfirst(spec.choice_label(value.lower()))
    if spec.kind == "lab":
        return lab_conversion_text(spec, value, _raw(answers, spec.unit_field)) or value
    return f"{value} {spec.unit_label}".strip()
