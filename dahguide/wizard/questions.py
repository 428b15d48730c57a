"""The wizard's questions for the templates: each step's questions with their answers, and its helpers' inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.utils.text import capfirst

from dahguide.engine import units
from dahguide.engine.intake import FIELDS, FieldSpec, Step
from dahguide.wizard.answers import NONE_OF_THESE, STEP_CODES, asked_fields, raw_text
from dahguide.wizard.helpers import lab_conversion, pf_helper, rising_helper, rising_text

STEP_TEMPLATES: Mapping[str, str] = {code: f"wizard/steps/_{code}.html" for code in STEP_CODES}

# A choice with at most this many answers (its "unknown" included) is a row of buttons: one click
# (or one arrow key) each, where a select takes two. The cause of the DAH, the longest list asked,
# has 13; a longer list would stay a select.
MAX_BUTTON_CHOICES = 13

# The helper shown after a question (templates/wizard/helpers/).
HELPER_TEMPLATES: Mapping[str, str] = {
    "pao2_fio2_ratio": "wizard/helpers/_pf_calculator.html",
    "creatinine_rising_rapidly": "wizard/helpers/_aki.html",
}
PAO2_UNITS = (("mmHg", "mmHg"), ("kPa", "kPa"))
FIO2_UNITS = (("fraction", "fraction (0.21–1.0)"), ("percent", "% (21–100)"))


# -- The questions of a step ----------------------------------------------------------------------


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
            value = raw_text(answers, spec.name).strip().lower()
            value = {"yes": "true", "no": "false"}.get(value, value)
            value = value if value in {"true", "false"} else ""
            q.options = [
                Option(f"id_{spec.name}_{v or 'unknown'}", v, label, value == v)
                for v, label in (("true", "Yes"), ("false", "No"), ("", "Unknown"))
            ]
        elif spec.kind == "choice":
            value = raw_text(answers, spec.name).strip().lower()
            own_unknown = dict(spec.choices).get("unknown", "unknown")  # etiology: "unknown (work-up pending)"
            known = value in dict(spec.choices) and value != "unknown"
            q.options = [Option(f"id_{spec.name}_unknown", "", capfirst(own_unknown), not known)] + [
                Option(f"id_{spec.name}_{v}", v, capfirst(label), value == v)
                for v, label in spec.choices
                if v != "unknown"
            ]
            q.buttons = len(q.options) <= MAX_BUTTON_CHOICES
        else:
            q.value = raw_text(answers, spec.name)
        if spec.kind == "lab":
            unit = raw_text(answers, spec.unit_field)
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


# -- The helpers' inputs (templates/wizard/helpers/) -------------------------------------------


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
            "pao2": raw_text(answers, "pao2"),
            "fio2": raw_text(answers, "fio2"),
            "pao2_unit_options": _unit_options("pao2_unit", PAO2_UNITS, answers),
            "fio2_unit_options": _unit_options("fio2_unit", FIO2_UNITS, answers),
            "pf_text": pf.text,
        }
    if step.code == "kidney":
        rising, reason = rising_helper(answers)
        spec = FIELDS["creatinine_value"]
        return {
            "baseline_creatinine_value": raw_text(answers, "baseline_creatinine_value"),
            "hours_since_baseline": raw_text(answers, "hours_since_baseline"),
            "baseline_unit_options": _unit_options("baseline_creatinine_unit", spec.choices, answers, lab_units),
            "rising_text": rising_text(rising, reason),
        }
    return {}


def _unit_options(
    name: str,
    choices: tuple[tuple[str, str], ...],
    answers: Mapping[str, Any],
    lab_units: Mapping[str, str] | None = None,
) -> list[Option]:
    chosen = raw_text(answers, name) or (lab_units or {}).get(name, "")
    return [Option("", "", "Choose unit", chosen not in dict(choices))] + [
        Option("", v, label, chosen == v) for v, label in choices
    ]
