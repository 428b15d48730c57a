"""No patient data in the logs: a whole bedside assessment with distinctive answers, every log
record of every logger captured at LOG_LEVEL=DEBUG and formatted as production formats it (JSON),
and none of the answers found. Security events (logins, logouts) are logged, without passwords."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

from dahguide.wizard.answers import STEP_CODES
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

# Answers no log line has any business carrying; numbers chosen not to occur by chance.
DISTINCTIVE = {
    "patient": {
        "age_years": "87",
        "weight_kg": "68.37",
        "height_cm": "171.9",
        "etiology": "gpa",
        "anca_type": "pr3",
        "anti_gbm_positive": "false",
        "active_dah": "true",
        "pregnancy_status": "not_applicable",
    },
    "respiratory": {
        "oxygen_support": "high_flow",
        "spo2_percent": "83",
        "pao2": "61.3",
        "pao2_unit": "mmHg",
        "fio2": "0.55",
        "fio2_unit": "fraction",
    },
    "kidney": {"creatinine_value": "777", "creatinine_unit": "umol/L", "on_dialysis": "false", "egfr": "23.7"},
    "haematology": {"platelets_10e9_per_l": "143.9", "inr": "1.87", "infection_status": "excluded"},
    "course": {"refractory_to_initial_therapy": "false", "months_in_complete_remission": "0"},
}
# Values (as words) and field names that would only be in a log line if patient data leaked; the
# whole numbers are above 59, so no time of day matches them. Fields that measure the request itself
# (its time, duration, ids) are masked first.
LEAK_PATTERNS = [
    r"\b777\b",
    r"\b83\b",
    r"68\.37",
    r"171\.9",
    r"61\.3",
    r"23\.7",
    r"143\.9",
    r"1\.87",
    r"\b87\b",
    r"creatinine",
    r"spo2",
    r"platelets",
    r"etiology",
    r"\bgpa\b",
    r"high_flow",
    r"pr3",
    r"umol",
]
MASKED_FIELDS = ("time", "duration_ms", "user_id", "process", "thread")


@pytest.fixture
def all_logs() -> Iterator[list[str]]:
    """Every record at the most verbose setting (LOG_LEVEL=DEBUG), formatted by the production
    JSON formatter. Loggers the settings pin to a level keep it."""
    formatter = JsonFormatter(**{k: v for k, v in settings.LOGGING["formatters"]["json"].items() if k != "()"})
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(formatter.format(record))

    handler = Capture(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    request_log = logging.getLogger("dahguide.request")
    old_request_level = request_log.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    request_log.setLevel(logging.DEBUG)  # REQUEST_LOG_LEVEL=DEBUG too
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)
    request_log.setLevel(old_request_level)


def _leaks(lines: list[str]) -> list[tuple[str, str]]:
    found = []
    for line in lines:
        record = json.loads(line)
        for name in MASKED_FIELDS:
            record.pop(name, None)
        text = json.dumps(record, ensure_ascii=False)
        found += [(pattern, line) for pattern in LEAK_PATTERNS if re.search(pattern, text, flags=re.I)]
    return found


def test_a_whole_assessment_leaves_no_patient_data_in_the_logs(client, physician, published_guideline, all_logs):
    physician.set_password(TEST_PASSWORD)
    physician.save()
    client.post(reverse("login"), {"username": physician.username, "password": TEST_PASSWORD})
    response = client.post(reverse("wizard:new"))
    draft_url = response.url
    pk = draft_url.split("/")[2]
    for code in STEP_CODES:
        step_url = reverse("wizard:step", args=[pk, code])
        answers = DISTINCTIVE[code]
        client.get(reverse("wizard:preview", args=[pk]), answers, headers={"HX-Request": "true"})
        client.get(reverse("wizard:convert", args=[pk]), {**answers, "for": "creatinine_value"})
        if code == "respiratory":
            client.post(step_url, {**answers, "action": "calculate_pf"}, headers={"HX-Request": "true"})
        client.post(step_url, {**answers, "spo2_percent": "8.3e1x", "action": "next"})  # refused, echoed
        response = client.post(step_url, {**answers, "action": "next"})
        assert response.status_code == 302, response.content.decode()[:500]
    client.post(reverse("wizard:review", args=[pk]))
    plan = client.get(reverse("wizard:plan", args=[pk]))
    assert plan.status_code == 200 and b"777" in plan.content  # the answers did reach the pages
    client.post(reverse("logout"))

    assert len(all_logs) > 20  # the run was logged
    assert _leaks(all_logs) == []


def test_the_leak_check_finds_a_leak(all_logs):
    logging.getLogger("dahguide.request").info("request", extra={"query": "creatinine_value=777"})
    assert _leaks(all_logs)


def test_logins_and_logouts_are_security_events_without_passwords(client, physician, all_logs):
    physician.set_password(TEST_PASSWORD)
    physician.save()
    client.post(reverse("login"), {"username": physician.username, "password": "wrong-password-xyz"})
    client.post(reverse("login"), {"username": physician.username, "password": TEST_PASSWORD})
    client.post(reverse("logout"))
    events = [json.loads(line).get("event") for line in all_logs]
    assert {"login_failed", "login_succeeded", "logout"} <= set(events)
    assert not [line for line in all_logs if "wrong-password-xyz" in line or TEST_PASSWORD in line]


def test_request_lines_are_json_with_route_status_and_duration(client, physician, all_logs):
    client.force_login(physician)
    client.get(reverse("home") + "?creatinine_value=777")
    record = next(json.loads(line) for line in all_logs if '"event": "request"' in line)
    assert record["route"] == "" and record["status"] == 200 and "duration_ms" in record
    assert "777" not in json.dumps(record)
