"""Hostile input at the Django boundary: the wizard's step forms, its two GET endpoints and
``manage.py evaluate``. (The engine's own parser is fuzzed in tests/engine/test_properties.py.)

Never a 500 or a traceback; an invalid answer always gets a message beside its field, and the
answers that were valid are kept and shown again.
"""

from __future__ import annotations

import html
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dahguide.engine import units
from dahguide.engine.intake import FIELDS, INPUT_NAMES, STEPS, FieldSpec
from dahguide.wizard import services
from dahguide.wizard.answers import HELPER_INPUTS, NONE_OF_THESE, SESSION_UNITS, STEP_CODES, is_asked
from tests.wizard.conftest import VALID

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text no number field may accept, whatever its range.
NOT_A_NUMBER = [
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e309",
    "-1e309",
    "1e999999999",
    "abc",
    "1,5",
    "5..5",
    "--5",
    "0x1A",
    "1_000",
    "12\u200f",
    "\u202e12",
    "\u200e",
    "12\x00",
    "\x00",
    "9" * 70,
    "1e",
    "½",
    "💉",
    "[]",
    "{}",
    "null",
    "true",
    "<script>alert(1)</script>",
]
NOT_A_CHOICE = ["bogus", "gpa\x00", "x" * 61, "<svg onload=alert(1)>", "’", "none of these", "0", "\u202egpa"]
NOT_A_BOOLEAN = ["maybe", "1", "0", "on", "ja", "truee", "\x00", "y"]
# Strings that exercise encodings and lengths; valid or not, none may break a page.
ANY_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(NOT_A_NUMBER + NOT_A_CHOICE + ["١٢", "１２", " 42 ", "-0", "+5", "5.", ".5", "a" * 5000]),
).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))  # a browser cannot send lone surrogates


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _valid_range(spec: FieldSpec) -> tuple[Decimal, Decimal]:
    low, high = spec.hard_range  # type: ignore[misc]
    if "" in spec.plausible:
        low, high = max(low, spec.plausible[""][0]), min(high, spec.plausible[""][1])
    return low, high


def valid_answer(spec: FieldSpec) -> st.SearchStrategy[dict[str, Any]]:
    """Raw form data a browser sends for a valid answer to ``spec``."""
    if spec.kind == "lab":

        def lab(unit: str) -> st.SearchStrategy[dict[str, Any]]:
            low, high = units.CREATININE_PLAUSIBLE[unit]
            return st.decimals(min_value=low, max_value=high, places=2).map(
                lambda d: {spec.name: _plain(d), spec.unit_field: unit}
            )

        return st.sampled_from(sorted(units.CREATININE_PLAUSIBLE)).flatmap(lab)
    if spec.kind in {"integer", "number"}:
        low, high = _valid_range(spec)
        places = 0 if spec.kind == "integer" else 2
        numbers = st.decimals(min_value=low, max_value=high, places=places).map(_plain)
        return numbers.map(lambda v: {spec.name: v})
    if spec.kind == "boolean":
        return st.sampled_from(["true", "false", ""]).map(lambda v: {spec.name: v})
    if spec.kind == "choice":
        return st.sampled_from(["", *(v for v, _ in spec.choices)]).map(lambda v: {spec.name: v})
    choices = [v for v, _ in spec.choices]
    return st.one_of(st.just([NONE_OF_THESE]), st.lists(st.sampled_from(choices), unique=True)).map(
        lambda v: {spec.name: v}
    )


def invalid_answer(spec: FieldSpec) -> st.SearchStrategy[dict[str, Any]]:
    """Raw form data the engine must refuse for ``spec``."""
    if spec.kind == "lab":
        bad_number = st.sampled_from(NOT_A_NUMBER).map(lambda v: {spec.name: v, spec.unit_field: "mg/dL"})
        bad_unit = st.sampled_from(["mg%", "g/L", "<b>mg</b>", "\x00"]).map(
            lambda u: {spec.name: "1.8", spec.unit_field: u}
        )
        implausible = st.just({spec.name: "300", spec.unit_field: "mg/dL"})
        # A number with no unit is read in the site's default unit (DAHGUIDE_DEFAULT_CREATININE_UNIT):
        # "300" with none is implausible in mg/dL. Without a default it is refused (tests/wizard/test_helpers.py).
        no_unit = st.just({spec.name: "300", spec.unit_field: ""})
        return st.one_of(bad_number, bad_unit, implausible, no_unit)
    if spec.kind in {"integer", "number"}:
        low, high = spec.hard_range  # type: ignore[misc]
        outside = [_plain(high + 1), _plain(low - 1)]
        if spec.kind == "integer":
            outside.append("2.5")
        return st.sampled_from(NOT_A_NUMBER + outside).map(lambda v: {spec.name: v})
    if spec.kind == "boolean":
        return st.sampled_from(NOT_A_BOOLEAN).map(lambda v: {spec.name: v})
    if spec.kind == "choice":
        return st.sampled_from(NOT_A_CHOICE).map(lambda v: {spec.name: v})
    first = spec.choices[0][0]
    return st.sampled_from([["bogus"], [NONE_OF_THESE, first], [first, "<script>"]]).map(lambda v: {spec.name: v})


@st.composite
def step_post(draw: st.DrawFn, step_code: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(POST data, how each asked question was answered: missing, valid or invalid)."""
    step = next(s for s in STEPS if s.code == step_code)
    data: dict[str, Any] = {}
    how: dict[str, str] = {}
    for name in step.fields:
        spec = FIELDS[name]
        kind = draw(st.sampled_from(["missing", "valid", "valid", "invalid"]))
        if kind == "valid":
            data.update(draw(valid_answer(spec)))
        elif kind == "invalid":
            data.update(draw(invalid_answer(spec)))
        how[name] = kind
    for name in HELPER_INPUTS.get(step_code, ()):  # helper inputs are free text; any may come
        if draw(st.booleans()):
            data[name] = draw(ANY_TEXT)
    extras = draw(
        st.dictionaries(
            st.sampled_from(["evil", "owner", "finished", "id", "__all__", "completed_steps"]), ANY_TEXT, max_size=2
        )
    )
    return {**extras, **data}, how


def _draft_at(physician, code: str):
    """A draft whose earlier steps are complete, so ``code`` can be opened."""
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    before = STEP_CODES[: STEP_CODES.index(code)]
    answers = {k: v for c in before for k, v in VALID[c].items()}
    return services.draft_save_answers(draft=draft, answers=answers, current_step=code, complete=before)


def _shown_again(page: str, name: str, value: Any) -> bool:
    """Whether the re-rendered step shows ``value`` as the answer to input ``name``."""
    if isinstance(value, list):
        return all(f'name="{name}" id="id_{name}_{v}" value="{v}" checked' in page for v in value)
    if FIELDS.get(name) is not None and FIELDS[name].kind == "choice" and value.strip().lower() == "unknown":
        value = ""  # "unknown" is the question's unknown option, whose value is empty
    escaped = html.escape(value, quote=True)
    return (
        f'name="{name}" id="id_{name}" value="{escaped}"' in page  # text input
        or f'<option value="{escaped}" selected>' in page  # select (choice, unit)
        or f'value="{escaped}" checked' in page  # radio (boolean)
    )


@pytest.fixture
def physician_client(physician) -> Client:
    client = Client()
    client.force_login(physician)
    return client


@pytest.mark.parametrize("code", STEP_CODES)
def test_hostile_step_posts_get_a_message_per_invalid_field_and_keep_valid_answers(
    physician_client, physician, published_guideline, code
):
    @EXAMPLES
    @given(post=step_post(code), htmx=st.booleans())
    def check(post: tuple[dict[str, Any], dict[str, str]], htmx: bool) -> None:
        data, how = post
        draft = _draft_at(physician, code)
        # Each example starts from the site's default units: a unit chosen in an earlier example is
        # remembered for the session and would change how a number typed alone is read.
        session = physician_client.session
        session.pop(SESSION_UNITS, None)
        session.save()
        headers = {"HX-Request": "true"} if htmx else {}
        response = physician_client.post(
            reverse("wizard:step", args=[draft.pk, code]), {**data, "action": "next"}, headers=headers
        )
        draft.refresh_from_db()
        invalid = [name for name, kind in how.items() if kind == "invalid" and is_asked(name, draft.answers)]
        assert not {"evil", "owner", "finished", "id", "__all__", "completed_steps"} & set(draft.answers)
        if not invalid:
            assert response.status_code in {200, 302}  # the next step (htmx partial) or a redirect
            assert code in draft.completed_steps
            return
        assert response.status_code == 200
        assert code not in draft.completed_steps
        page = response.content.decode()
        assert 'id="error-summary"' in page
        for name in invalid:
            assert f'id="{name}-error"' in page, f"no message beside {name} for {data.get(name)!r}"
        for name, kind in how.items():
            if kind != "valid" or not is_asked(name, draft.answers):
                continue
            for input_name in FIELDS[name].input_names:
                if input_name in data and data[input_name] not in ("", []):
                    assert _shown_again(page, input_name, data[input_name]), f"{input_name} lost"
                    assert draft.answers[input_name] == data[input_name]

    check()


@pytest.mark.parametrize("code", STEP_CODES)
def test_any_text_in_any_input_with_any_action_never_breaks_a_step(
    physician_client, physician, published_guideline, code
):
    step = next(s for s in STEPS if s.code == code)
    names = [*step.input_names, *HELPER_INPUTS.get(code, ()), "return_to"]

    @EXAMPLES
    @given(
        data=st.dictionaries(st.sampled_from(names), st.one_of(ANY_TEXT, st.lists(ANY_TEXT, max_size=3)), max_size=8),
        action=st.sampled_from(["next", "back", "calculate_pf", "suggest_rising", "bogus", ""]),
        htmx=st.booleans(),
    )
    def check(data: dict[str, Any], action: str, htmx: bool) -> None:
        draft = _draft_at(physician, code)
        headers = {"HX-Request": "true"} if htmx else {}
        response = physician_client.post(
            reverse("wizard:step", args=[draft.pk, code]), {**data, "action": action}, headers=headers
        )
        assert response.status_code in {200, 302}
        draft.refresh_from_db()
        # Whatever came in, what is stored stays within the draft's limits.
        assert all(len(v) <= 200 for v in draft.answers.values() if isinstance(v, str))

    check()


@EXAMPLES
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                *INPUT_NAMES,
                "for",
                "pao2",
                "fio2",
                "pao2_unit",
                "fio2_unit",
                "baseline_creatinine_value",
                "hours_since_baseline",
            ]
        ),
        ANY_TEXT,
        max_size=6,
    ),
    htmx=st.booleans(),
)
def test_hostile_preview_and_convert_queries_never_break(physician_client, physician, published_guideline, query, htmx):
    draft = _draft_at(physician, "kidney")
    headers = {"HX-Request": "true"} if htmx else {}
    preview = physician_client.get(reverse("wizard:preview", args=[draft.pk]), query, headers=headers)
    assert preview.status_code == 200
    convert = physician_client.get(reverse("wizard:convert", args=[draft.pk]), query, headers=headers)
    assert convert.status_code in {200, 400}
    if htmx and convert.status_code == 200:
        # htmx puts this text into the page as HTML: it must never carry markup.
        assert "<" not in convert.content.decode()


# -- manage.py evaluate -------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    ANY_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=6,
)
INTAKE_DOCUMENTS = st.one_of(
    st.dictionaries(st.sampled_from(INPUT_NAMES) | st.text(max_size=12), JSON_VALUES, max_size=8),
    JSON_VALUES,
)


@pytest.fixture
def published_snapshot(monkeypatch, guideline_document):
    """The command reads the published guideline through this selector; the boundary under test
    is the file and its JSON, so the snapshot comes straight from fixtures/guideline.json."""
    from dahguide.engine.content import Snapshot

    snapshot = Snapshot.from_dict(guideline_document)
    monkeypatch.setattr("dahguide.guidance.management.commands.evaluate.get_published_snapshot", lambda: snapshot)
    return snapshot


def _evaluate(path: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("evaluate", path, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _assert_plan_or_field_errors(code: int, out: str, err: str) -> None:
    if code == 0:
        plan = json.loads(out)
        assert {"plasma_exchange", "guideline"} <= set(plan)
    else:
        assert code == 1
        errors = json.loads(err)["errors"]
        assert errors and all(isinstance(m, list) and m for m in errors.values())


@EXAMPLES
@given(document=INTAKE_DOCUMENTS)
def test_evaluate_answers_any_json_with_a_plan_or_field_errors(published_snapshot, tmp_path, document):
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # NaN and Infinity as JSON extensions
    _assert_plan_or_field_errors(*_evaluate(str(path)))


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00{",  # not UTF-8
        b'\xef\xbb\xbf{"age_years": 50}',  # a UTF-8 byte-order mark
        b"[" * 100_000 + b"]" * 100_000,  # nested past the recursion limit
        b'{"age_years": ' + b"9" * 5000 + b"}",  # more digits than Python converts
        b'{"age_years": 1e309}',
        b'{"spo2_percent": NaN}',
        b'{"age_years": 50, "age_years": "fifty"}',
        b'"just a string"',
        b'{"creatinine_value": "1.8\\u0000", "creatinine_unit": "mg/dL"}',
    ],
    ids=[
        "empty",
        "not-utf8",
        "bom",
        "deep-nesting",
        "huge-integer",
        "overflow",
        "nan",
        "duplicate-key",
        "string",
        "nul",
    ],
)
def test_evaluate_refuses_hostile_files_with_a_message_not_a_traceback(published_snapshot, tmp_path, raw):
    path = tmp_path / "intake.json"
    path.write_bytes(raw)
    _assert_plan_or_field_errors(*_evaluate(str(path)))


@pytest.mark.parametrize(
    "username",
    ["\x00", "doc\x00", "a" * 5000, "<script>alert(1)</script>", "' OR 1=1 --", "\u202eadmin", "💉"],
    ids=["nul", "nul-inside", "huge", "script", "sql", "rtl", "emoji"],
)
def test_hostile_log_in_attempts_get_the_login_form_back(client, username):
    response = client.post(reverse("login"), {"username": username, "password": username})
    assert response.status_code == 200
    assert b'name="username"' in response.content
