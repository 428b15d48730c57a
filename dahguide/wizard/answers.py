"""The wizard's raw answers: read from a request, turned into the engine's input and errors, asked or not.

The questions come from the engine's single field definition (``intake.FIELDS``/``STEPS``). Nothing
here knows a range, a unit or a choice list of its own: the engine's ``FieldSpec`` gives them, and
``parse_intake`` decides what is valid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from dahguide.engine.intake import FIELDS, INPUT_NAMES, STEPS, FieldSpec, IntakeResult, Step, parse_intake

STEP_CODES: tuple[str, ...] = tuple(s.code for s in STEPS)
STEPS_BY_CODE: Mapping[str, Step] = {s.code: s for s in STEPS}
# The steps that hold the cause and the inputs of the four plasma-exchange criteria (REFERENCE §5):
# once they are saved the plan can be seen; the later steps refine it, their questions listed as missing.
REQUIRED_STEP_CODES: tuple[str, ...] = ("patient", "respiratory", "kidney")

MAX_RAW_LENGTH = 200  # longer text is cut when stored; the engine refuses anything over 60 anyway
MAX_LIST_LENGTH = 20
NONE_OF_THESE = "none"  # multi-choice: "none of these" ticked (an empty list); nothing ticked = unknown

# Wizard-only inputs of the helpers (REFERENCE §3, §4.2): stored with the draft so Back and a
# refresh keep them, never sent to the engine.
HELPER_INPUTS: Mapping[str, tuple[str, ...]] = {
    "respiratory": ("pao2", "pao2_unit", "fio2", "fio2_unit"),
    "kidney": ("baseline_creatinine_value", "baseline_creatinine_unit", "hours_since_baseline"),
}


# -- Questions that cannot apply ---------------------------------------------------------------


@dataclass(frozen=True)
class AskedWhen:
    """A follow-up question asked only when an earlier step's answers make it relevant."""

    test: Callable[[Mapping[str, Any]], bool]
    not_asked: str  # shown on the review page instead of an answer


def _anti_gbm_possible(answers: Mapping[str, Any]) -> bool:
    return raw_text(answers, "etiology").lower() in {"anti_gbm", "aav_anti_gbm_double_positive"} or (
        raw_text(answers, "anti_gbm_positive").lower() in {"true", "yes"}
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


def raw_text(answers: Mapping[str, Any], name: str) -> str:
    """One input's raw answer as text: "" when unanswered or a list (multi-choice)."""
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
