"""HTML built in Python: Django's escaping rules without the cost of its lazy-string wrappers.

``format_html`` and ``conditional_escape`` check every argument for a lazy translation string
before escaping it; the plan and the wizard's questions escape some 700 values a page, and those
checks were most of their cost. These do the same for the values the product passes (text, numbers
and safe HTML): text marked safe is kept as it is, anything else is escaped by ``html.escape``
(which is what Django's ``escape`` calls), so the HTML is the same byte for byte.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.utils.safestring import SafeString, mark_safe


def esc(value: Any) -> str:
    """Escaped as a template variable is: text already marked safe is kept as it is."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(format_string: str, *args: Any, **kwargs: Any) -> SafeString:
    """django.utils.html.format_html: the arguments escaped, the format string trusted."""
    return mark_safe(  # noqa: S308 - every argument escaped, the format string is the caller's constant
        format_string.format(*map(esc, args), **{k: esc(v) for k, v in kwargs.items()})
    )


# -- Form inputs without the widget templates ------------------------------------------------------
# Django renders a widget through its template engine (input.html including attrs.html: a loop,
# filters and an include per input). The plan page's save form is rendered on every plan page, and
# those templates were about a tenth of it. These widgets give the same HTML from Python, from the
# same context Django builds (tests/test_markup.py compares them with Django's templates).


def _attrs(attrs: dict[str, Any]) -> str:
    # attrs.html: True is a bare attribute, False is left out, anything else is text (stringformat:'s').
    return "".join(
        f" {esc(name)}" if value is True else f' {esc(name)}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class _InputHTML:
    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> SafeString:
        w = context["widget"]
        value = "" if w["value"] is None else f' value="{html.escape(str(w["value"]))}"'
        return mark_safe(f'<input type="{esc(w["type"])}" name="{esc(w["name"])}"{value}{_attrs(w["attrs"])}>')  # noqa: S308


class TextInput(_InputHTML, forms.TextInput):
    pass


class HiddenInput(_InputHTML, forms.HiddenInput):
    pass


class Textarea(forms.Textarea):
    def _render(self, template_name: str, context: dict[str, Any], renderer: Any = None) -> SafeString:
        w = context["widget"]
        value = esc(w["value"]) if w["value"] else ""
        return mark_safe(f'<textarea name="{esc(w["name"])}"{_attrs(w["attrs"])}>\n{value}</textarea>')  # noqa: S308
