"""dahguide.markup: the same HTML as Django's escaping and widget templates, built in Python."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.html import conditional_escape
from django.utils.html import format_html as django_format_html
from django.utils.safestring import mark_safe

from dahguide import markup
from dahguide.cases.forms import AmendCaseForm, SaveCaseForm

TEXTS = ["plain", 'a "quoted" <b>tag</b> & ampersand', "it's", "", 42, mark_safe("<em>kept</em>")]


@pytest.mark.parametrize("value", TEXTS)
def test_escaping_is_djangos(value):
    assert markup.esc(value) == conditional_escape(value)
    assert markup.format_html("<p>{}</p>{x}", value, x=value) == django_format_html("<p>{}</p>{x}", value, x=value)


def _as_django_renders(bound: forms.BoundField) -> str:
    """The same field through Django's own widget class and templates."""
    widget = bound.field.widget
    django_widget = next(c for c in type(widget).__mro__ if c.__module__ == "django.forms.widgets")
    twin = django_widget(attrs=widget.attrs)
    twin.is_required = widget.is_required
    return str(bound.as_widget(widget=twin))


@pytest.mark.parametrize("form_class", [SaveCaseForm, AmendCaseForm])
@pytest.mark.parametrize("typed", [None, "Case <1> & 'two' \"three\"", ""])
def test_the_save_forms_inputs_are_djangos_html(form_class, typed):
    text_field = "label" if form_class is SaveCaseForm else "reason"
    if typed is None:
        form = form_class(initial={"content_hash": "abc"})
    else:
        form = form_class(data={text_field: typed, "content_hash": "abc"})
        form.is_valid()  # with errors: aria-invalid and the error id in aria-describedby
    for name in (text_field, "content_hash"):
        ours = str(form[name])
        assert ours == _as_django_renders(form[name]), name
