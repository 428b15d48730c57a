"""What a simulated physician does: the wizard from "new assessment" to the plan, step by step.

The answers come from the golden cases (fixtures/golden_cases.json) that the wizard accepts, so
the plans vary as on a ward. One flow drives both the HTTP clients (latency, load test) and
Django's test client (query counts) through a ``send`` function; every response is checked, so
an error page is never timed as if it were the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_CASES = ROOT / "fixtures" / "golden_cases.json"
LOGIN_PATH = "/accounts/login/"
NEW_PATH = "/assessments/new/"
HTMX = {"HX-Request": "true"}
_STEP_URL = re.compile(r"^/assessments/(?P<pk>[0-9a-f-]{36})/step/(?P<code>[a-z_]+)/$")


class FlowError(Exception):
    """A response that a physician's browser would not get on a good day."""


class Reply(Protocol):
    status: int

    def header(self, name: str) -> str | None: ...

    @property
    def location_path(self) -> str: ...

    @property
    def text(self) -> str: ...


# send(label, method, path, form, headers) -> reply
Send = Callable[[str, str, str, Sequence[tuple[str, str]] | None, Mapping[str, str] | None], Reply]


@dataclass(frozen=True)
class AnswerSet:
    name: str
    answers: dict[str, Any]  # raw answers as the steps hold them

    @property
    def size(self) -> int:
        return sum(1 for v in self.answers.values() if v not in ("", [], None))


def step_codes() -> tuple[str, ...]:
    from dahguide.wizard.answers import STEP_CODES

    return STEP_CODES


def answer_sets() -> list[AnswerSet]:
    """Every golden case the wizard accepts as typed (4 are implausible-on-purpose and refused),
    plus "all unknown": each step saved with nothing answered."""
    from dahguide.engine.intake import STEPS
    from dahguide.wizard.answers import answers_from_inputs, step_errors

    sets = [AnswerSet("all_unknown", {})]
    for case in json.loads(GOLDEN_CASES.read_text(encoding="utf-8")):
        answers = answers_from_inputs(case["intake"])
        if any(step_errors(step, answers) for step in STEPS):
            continue
        sets.append(AnswerSet(case["name"], answers))
    return sets


def step_form(code: str, answers: Mapping[str, Any], action: str = "next") -> list[tuple[str, str]]:
    """The fields a browser posts for one step: every input on it, blank when unanswered."""
    from dahguide.wizard.answers import STEPS_BY_CODE, asked_fields

    items: list[tuple[str, str]] = []
    for spec in asked_fields(STEPS_BY_CODE[code], answers):
        if spec.kind == "multi_choice":
            chosen = answers.get(spec.name) or []
            items += [(spec.name, str(v)) for v in chosen]
        else:
            items += [(name, str(answers.get(name, ""))) for name in spec.input_names]
    items.append(("action", action))
    return items


def _expect(reply: Reply, label: str, status: int) -> None:
    if reply.status != status:
        where = reply.location_path
        if where.startswith(LOGIN_PATH):
            raise FlowError(f"{label}: sent to the login page mid-flow ({reply.status} → {where})")
        raise FlowError(f"{label}: HTTP {reply.status} (expected {status}){f' → {where}' if where else ''}")


def _expect_redirect(reply: Reply, label: str, pattern: str, *, htmx_header: bool = False) -> str:
    if htmx_header:
        _expect(reply, label, 200)
        where = reply.location_path
    else:
        _expect(reply, label, 302)
        where = reply.location_path
    if where.startswith(LOGIN_PATH):
        raise FlowError(f"{label}: sent to the login page mid-flow")
    if not re.fullmatch(pattern, where):
        raise FlowError(f"{label}: redirected to {where!r}, expected {pattern!r}")
    return where


def step_url(pk: str, code: str) -> str:
    return f"/assessments/{pk}/step/{code}/"


def wizard_flow(send: Send, answers: Mapping[str, Any], *, htmx: bool = False, preview: bool = False) -> str:
    """New assessment → five steps (GET, then POST) → review → "see the plan" → plan page.

    ``htmx``: the steps are posted as htmx does (partial of the next step back; the last step
    answers with HX-Redirect to the review); the first step page is still a full page load.
    Returns the draft's id.
    """
    codes = step_codes()
    reply = send("new assessment POST", "POST", NEW_PATH, [], None)
    first = _expect_redirect(reply, "new assessment POST", rf"/assessments/[0-9a-f-]{{36}}/step/{codes[0]}/")
    pk = _STEP_URL.match(first).group("pk")
    for number, code in enumerate(codes, 1):
        url = step_url(pk, code)
        last = number == len(codes)
        following = rf"/assessments/{pk}/review/" if last else re.escape(step_url(pk, codes[number]))
        if htmx:
            if number == 1:
                _expect(send(f"{number} {code} GET", "GET", url, None, None), f"{number} {code} GET", 200)
            label = f"{number} {code} POST htmx"
            reply = send(label, "POST", url, step_form(code, answers), HTMX)
            if last:
                _expect_redirect(reply, label, following, htmx_header=True)
            else:
                _expect(reply, label, 200)
                pushed = reply.header("HX-Push-Url") or ""
                if not re.fullmatch(following, pushed):
                    raise FlowError(f"{label}: pushed {pushed!r}, expected the next step")
        else:
            _expect(send(f"{number} {code} GET", "GET", url, None, None), f"{number} {code} GET", 200)
            label = f"{number} {code} POST"
            _expect_redirect(send(label, "POST", url, step_form(code, answers), None), label, following)
    review = f"/assessments/{pk}/review/"
    _expect(send("review GET", "GET", review, None, None), "review GET", 200)
    _expect_redirect(send("review POST", "POST", review, [], None), "review POST", rf"/assessments/{pk}/plan/")
    reply = send("plan GET", "GET", f"/assessments/{pk}/plan/", None, None)
    _expect(reply, "plan GET", 200)
    if "Guideline version" not in reply.text:
        raise FlowError("plan GET: the page does not name its guideline version")
    if preview:
        _expect(
            send("plan-so-far GET htmx", "GET", f"/assessments/{pk}/preview/", None, HTMX), "plan-so-far GET htmx", 200
        )
    return pk


def login(send: Send, username: str, password: str) -> None:
    """GET the login page (CSRF cookie), POST the credentials, expect the redirect home."""
    _expect(send("login GET", "GET", LOGIN_PATH, None, None), "login GET", 200)
    reply = send("login POST", "POST", LOGIN_PATH, [("username", username), ("password", password)], None)
    _expect_redirect(reply, "login POST", r"/")


def plan_version(text: str) -> int | None:
    match = re.search(r"Guideline version (\d+)", text)
    return int(match.group(1)) if match else None
