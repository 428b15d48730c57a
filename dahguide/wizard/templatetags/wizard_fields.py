"""One intake question (a dahguide.wizard.questions.Question) as HTML, built in Python.

A step page renders 5 to 12 questions with some 30 option rows. As templates (a file per kind,
included per question, with their help and errors) they were the largest part of a step page's
time, and format_html's escaping most of what remained; these functions give the same HTML, byte
for byte, at a fraction of the cost. Every value that reaches the HTML passes through ``esc``
(dahguide.markup): the one rule of this module.

Input names are the contract's field names. Every kind has an explicit way to say "unknown":
boolean: the "Unknown" radio; choice: the "Unknown" option; number/lab: leave the value empty;
multi-choice: leave every box unticked.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from dahguide.markup import esc
from dahguide.wizard.questions import Option, Question

register = template.Library()


@register.simple_tag
def question(q: Question, convert_url: str) -> SafeString:
    """The question's block by its kind, between newlines (the helper partial, if any, follows it).
    The newlines are those the field templates this replaced gave, so the page is unchanged."""
    if q.kind == "boolean":
        block = "\n" + _fieldset(q, _choice_buttons(q)) + "\n"
    elif q.kind == "choice" and q.buttons:
        block = "\n\n" + _fieldset(q, _choice_buttons(q)) + "\n\n"
    elif q.kind == "choice":
        block = "\n\n" + _select(q) + "\n\n"
    elif q.kind == "multi_choice":
        block = _fieldset(q, _checkbox_options(q)) + "\n"
    elif q.kind == "lab":
        block = "\n" + _lab(q, convert_url) + "\n"
    else:
        block = _number(q)
    return mark_safe(f"\n{block}\n")  # noqa: S308 (every value in it went through esc)


def _has_error(q: Question) -> str:
    return " has-error" if q.errors else ""


def _describedby(q: Question) -> str:
    return f' aria-describedby="{esc(q.describedby)}"' if q.describedby else ""


def _invalid(q: Question) -> tuple[str, str]:
    """The input's class suffix and its aria-invalid attribute."""
    return (" is-invalid", ' aria-invalid="true"') if q.errors else ("", "")


def _autofocus(q: Question) -> str:
    return " autofocus" if q.focus_id == q.input_id else ""


def _help_and_errors(q: Question) -> str:
    help_html = f'<div class="form-text" id="{esc(q.help_id)}">{esc(q.help_text)}</div>' if q.help_text else ""
    errors = (
        f'<div class="invalid-feedback d-block" id="{esc(q.error_id)}">{" ".join(esc(e) for e in q.errors)}</div>'
        if q.errors
        else ""
    )
    return f"{help_html}\n{errors}\n"


def _fieldset(q: Question, body: str) -> str:
    """A group with a legend (radio buttons, checkboxes); ``body`` is HTML built here."""
    return (
        f'<fieldset class="mb-3 question{_has_error(q)}" id="q-{esc(q.name)}"{_describedby(q)}>\n'
        f'  <legend class="form-label fs-6 fw-semibold mb-1">{esc(q.label)}</legend>\n'
        f"  {body}\n"
        f"  {_help_and_errors(q)}\n"
        "</fieldset>\n"
    )


def _choice_buttons(q: Question) -> str:
    """Yes/No/Unknown and short choices: radio inputs styled as a row of buttons (one Tab stop, arrows choose)."""
    return f'<div class="choice-buttons">{_radio_options(q)}\n  </div>'


def _labelled(q: Question) -> str:
    """The opening of a question with one input (a select, a number): its block and its label."""
    return (
        f'<div class="mb-3 question{_has_error(q)}" id="q-{esc(q.name)}">\n'
        f'  <label class="form-label fw-semibold" for="{esc(q.input_id)}">{esc(q.label)}</label>\n'
    )


def _select(q: Question) -> str:
    invalid_class, aria_invalid = _invalid(q)
    name, input_id = esc(q.name), esc(q.input_id)
    return (
        f"{_labelled(q)}"
        f'  <select class="form-select input-choice{invalid_class}" name="{name}" id="{input_id}"'
        f"{_describedby(q)}{aria_invalid}{_autofocus(q)}>\n"
        f"    {select_options(q.options)}\n"
        "  </select>\n"
        f"  {_help_and_errors(q)}\n"
        "</div>\n"
    )


def _number(q: Question) -> str:
    # type=text keeps whatever was typed (a number input would drop invalid text); inputmode brings up
    # the number pad. (The blank line is where the replaced template had its comment.)
    invalid_class, aria_invalid = _invalid(q)
    name, input_id = esc(q.name), esc(q.input_id)
    return (
        f"{_labelled(q)}"
        "  \n"
        f'  <input type="text" inputmode="decimal" autocomplete="off" class="form-control input-number{invalid_class}"'
        f' name="{name}" id="{input_id}" value="{esc(q.value)}"{_describedby(q)}{aria_invalid}{_autofocus(q)}>\n'
        f"  {_help_and_errors(q)}\n"
        "</div>\n"
    )


def _lab(q: Question, convert_url: str) -> str:
    """A lab value: the value and its unit, with the converted value shown live (htmx) and after saving (no JS)."""
    invalid_class, aria_invalid = _invalid(q)
    name, input_id, unit_id, url = esc(q.name), esc(q.input_id), esc(q.unit_id), esc(convert_url)
    converted_id = esc(q.converted_id)
    live = f'hx-include="#q-{name}" hx-vals=\'{{"for": "{name}"}}\' hx-target="#{converted_id}"'
    warning = " converted-warning" if q.converted_warning else ""
    return (
        f'<fieldset class="mb-3 question{_has_error(q)}" id="q-{name}"{_describedby(q)}>\n'
        f'  <legend class="form-label fs-6 fw-semibold mb-1">{esc(q.label)}</legend>\n'
        '  <div class="row g-2 align-items-end">\n'
        '    <div class="col-auto">\n'
        f'      <label class="form-label" for="{input_id}">Value</label>\n'
        '      <input type="text" inputmode="decimal" autocomplete="off"'
        f' class="form-control input-number{invalid_class}"'
        f' name="{name}" id="{input_id}" value="{esc(q.value)}"{aria_invalid}{_autofocus(q)}\n'
        f'             hx-get="{url}" hx-trigger="input changed delay:300ms" {live}>\n'
        "    </div>\n"
        '    <div class="col-auto">\n'
        f'      <label class="form-label" for="{unit_id}">Unit</label>\n'
        f'      <select class="form-select{invalid_class}" name="{esc(q.unit_name)}" id="{unit_id}"\n'
        f'              hx-get="{url}" hx-trigger="change" {live}>\n'
        f"        {select_options(q.unit_options)}\n"
        "      </select>\n"
        "    </div>\n"
        "  </div>\n"
        f'  <p class="converted mt-1 mb-1{warning}" id="{converted_id}" aria-live="polite">{esc(q.converted)}</p>\n'
        f"  {_help_and_errors(q)}\n"
        "</fieldset>\n"
    )


def _option_input(q: Question, o: Option, kind: str, css: str) -> str:
    """A radio or checkbox input of an option (invalid with the question; autofocus where the step opens)."""
    checked = " checked" if o.selected else ""
    autofocus = " autofocus" if o.id == q.focus_id else ""
    return (
        f'<input class="{css}{" is-invalid" if q.errors else ""}" type="{kind}" name="{esc(q.name)}" id="{esc(o.id)}"'
        f' value="{esc(o.value)}"{checked}{autofocus}>'
    )


def _radio_options(q: Question) -> str:
    return "".join(
        f"\n    {_option_input(q, o, 'radio', 'btn-check')}"
        f'\n    <label class="btn btn-choice" for="{esc(o.id)}">{esc(o.label)}</label>'
        for o in q.options
    )


def _checkbox_options(q: Question) -> str:
    return "".join(
        '\n  <div class="form-check">'
        f"\n    {_option_input(q, o, 'checkbox', 'form-check-input')}"
        f'\n    <label class="form-check-label" for="{esc(o.id)}">{esc(o.label)}</label>'
        "\n  </div>\n  "
        for o in q.options
    )


def select_options(options: Iterable[Option]) -> str:
    return "".join(
        f'<option value="{esc(o.value)}"{" selected" if o.selected else ""}>{esc(o.label)}</option>' for o in options
    )


_STATES = (
    (" (complete)", lambda item: item["complete"]),
    (" (current)", lambda item: item["current"]),
    (" (optional)", lambda item: item.get("optional")),
    (" (to do)", lambda item: True),
)


@register.simple_tag
def indicator_items(indicator: Iterable[dict]) -> SafeString:
    """The step indicator's items (views._indicator): done, current, optional or to do, in words as
    well as style; a step that can be opened is a link."""
    out = []
    for item in indicator:
        complete, current = item["complete"], item["current"]
        css = ("complete" if complete else "") + (" current" if current else "")
        aria = ' aria-current="step"' if current else ""
        tick = '<span class="step-state" aria-hidden="true">✓</span>' if complete else ""
        label = esc(item["label"])
        link = item.get("url") and not current
        name = f'<a href="{esc(item["url"])}">{label}</a>' if link else f"<span>{label}</span>"
        state = next(s for s, on in _STATES if on(item))
        out.append(
            f'\n    <li class="{css}"{aria}>\n      {tick}{name}'
            f'<span class="visually-hidden">{state}</span>\n    </li>\n    '
        )
    return mark_safe("".join(out))  # noqa: S308 (every value in it went through esc)
