"""The questions' HTML, built in Python (wizard_fields): every typed value and message is escaped,
the markup is balanced, and each kind carries its inputs, its label and its "unknown"."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.utils.safestring import SafeString

from dahguide.engine.intake import STEPS
from dahguide.wizard.questions import build_form
from dahguide.wizard.templatetags.wizard_fields import question

HOSTILE = '"><script>alert(1)</script>&'
VOID = {"input", "br", "meta", "link", "img", "hr"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open)
        self.open.pop()


def _questions(step, answers=None, errors=None):
    return build_form(step, answers or {}, errors).questions


def _rendered(q) -> str:
    html = question(q, "/convert/")
    assert isinstance(html, SafeString)
    return str(html)


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.code)
def test_typed_text_and_error_messages_are_escaped_for_every_question(step):
    names = [n for q in _questions(step) for n in q.spec.input_names]
    answers = dict.fromkeys(names, HOSTILE)
    errors = {n: [HOSTILE] for n in names}
    for q in _questions(step, answers, errors):
        html = _rendered(q)
        parser = _Balance()
        parser.feed(html)
        assert parser.scripts == 0, q.name
        assert parser.open == [], q.name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&amp;" in html, q.name  # the message, shown as typed


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.code)
def test_each_question_has_its_inputs_label_and_a_way_to_say_unknown(step):
    for q in _questions(step):
        html = _rendered(q)
        assert f'id="q-{q.name}"' in html
        assert q.label.replace("&", "&amp;") in html or q.label in html
        for name in q.spec.input_names:
            assert f'name="{name}"' in html, (q.name, name)
        if q.kind == "boolean" or q.buttons:
            assert 'type="radio"' in html and ">Unknown" in html.replace("Unknown (", "Unknown")
        elif q.kind == "choice":
            assert '<option value="" selected>' in html
        elif q.kind == "multi_choice":
            assert 'type="checkbox"' in html and " checked" not in html
        else:
            assert 'value=""' in html and "Leave empty if unknown." in html


def test_an_answered_question_shows_its_answer_and_an_invalid_one_is_marked():
    patient = STEPS[0]
    (age,) = [q for q in _questions(patient, {"age_years": "54"}) if q.name == "age_years"]
    assert 'value="54"' in _rendered(age)
    errors = {"age_years": ["Enter a number."]}
    (bad,) = [q for q in _questions(patient, {"age_years": "x"}, errors) if q.name == "age_years"]
    html = _rendered(bad)
    assert 'aria-invalid="true"' in html and "is-invalid" in html and "has-error" in html
    assert 'id="age_years-error">Enter a number.</div>' in html
    assert "age_years-error" in html.split('aria-describedby="')[1].split('"')[0]


def test_the_step_indicator_says_each_state_in_words_and_links_the_steps_that_can_open():
    from dahguide.wizard.templatetags.wizard_fields import indicator_items

    html = str(
        indicator_items(
            [
                {"label": "1. Patient", "complete": True, "current": False, "optional": False, "url": "/s/1/"},
                {"label": "2. <Lungs>", "complete": False, "current": True, "optional": False, "url": "/s/2/"},
                {"label": "5. Course", "complete": False, "current": False, "optional": True, "url": ""},
                {"label": "Review", "complete": False, "current": False, "url": ""},
            ]
        )
    )
    assert '<li class="complete">' in html and '<a href="/s/1/">1. Patient</a>' in html and "(complete)" in html
    assert '<li class=" current" aria-current="step">' in html and "<span>2. &lt;Lungs&gt;</span>" in html
    assert '<span>5. Course</span><span class="visually-hidden"> (optional)' in html
    assert '<span>Review</span><span class="visually-hidden"> (to do)' in html
    assert html.count("✓") == 1
