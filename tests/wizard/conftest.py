"""Wizard test helpers: a logged-in physician, drafts, and one valid and one invalid answer set per step.

``published_guideline`` and the role users come from tests/conftest.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.guidance.selectors import clear_snapshot_cache
from dahguide.wizard import services
from dahguide.wizard.answers import STEP_CODES

# GPA on high-flow oxygen with creatinine 1.8 mg/dL: the "done when" patient.
VALID = {
    "patient": {
        "age_years": "54",
        "etiology": "gpa",
        "anca_type": "pr3",
        "anti_gbm_positive": "false",
        "active_dah": "true",
        "pregnancy_status": "not_applicable",
    },
    "respiratory": {"oxygen_support": "high_flow", "spo2_percent": "92"},
    "kidney": {"creatinine_value": "1.8", "creatinine_unit": "mg/dL", "on_dialysis": "false"},
    "haematology": {"platelets_10e9_per_l": "180", "infection_status": "excluded"},
    "course": {"refractory_to_initial_therapy": "false"},
}
# Per step: the posted answers, the field that is refused, and another answer that must survive.
INVALID = {
    "patient": ({"age_years": "fifty", "etiology": "mpa"}, "age_years", "mpa"),
    "respiratory": ({"spo2_percent": "150", "oxygen_support": "ecmo"}, "spo2_percent", "ecmo"),
    "kidney": ({"creatinine_value": "300", "creatinine_unit": "mg/dL", "egfr": "12"}, "creatinine_value", "12"),
    "haematology": ({"platelets_10e9_per_l": "50000", "inr": "1.4"}, "platelets_10e9_per_l", "1.4"),
    "course": (
        {"months_in_complete_remission": "700", "prior_induction_agent": "rituximab"},
        "months_in_complete_remission",
        "rituximab",
    ),
}
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    # Test databases roll back: never let a cached snapshot outlive its version.
    clear_snapshot_cache()
    yield
    clear_snapshot_cache()


@pytest.fixture
def physician_client(client, physician):
    client.force_login(physician)
    return client


@pytest.fixture
def draft(physician):
    return services.draft_create(owner=physician, first_step=STEP_CODES[0], guideline_version=1)


def step_url(draft, code: str) -> str:
    return reverse("wizard:step", args=[draft.pk, code])


def post_step(client, draft, code: str, data: dict | None = None, *, action: str = "next", **kwargs):
    return client.post(step_url(draft, code), {**(VALID[code] if data is None else data), "action": action}, **kwargs)


def complete_steps(client, draft, upto: str | None = None) -> None:
    """Answer every step before ``upto`` (all steps when None) through the views."""
    for code in STEP_CODES:
        if code == upto:
            return
        response = post_step(client, draft, code)
        assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def completed_draft(physician_client, draft, published_guideline):
    complete_steps(physician_client, draft)
    draft.refresh_from_db()
    return draft
