"""Saved-case test helpers: plans from intakes, saved cases, and drafts finished through the wizard.

``published_guideline`` and the role users come from tests/conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from dahguide.accounts.roles import PHYSICIAN
from dahguide.cases import services
from dahguide.engine.intake import parse_intake
from dahguide.engine.plan import evaluate
from dahguide.guidance.selectors import clear_snapshot_cache, get_published_snapshot
from dahguide.wizard import services as wizard_services
from dahguide.wizard.answers import STEP_CODES

HTMX = {"HX-Request": "true"}
# GPA on high-flow oxygen with creatinine 1.8 mg/dL (plasma exchange: consider).
INTAKE = {
    "age_years": 54,
    "etiology": "gpa",
    "anca_type": "pr3",
    "anti_gbm_positive": False,
    "active_dah": True,
    "pregnancy_status": "not_applicable",
    "oxygen_support": "high_flow",
    "spo2_percent": 92,
    "creatinine_value": 1.8,
    "creatinine_unit": "mg/dL",
    "on_dialysis": False,
    "platelets_10e9_per_l": 180,
    "infection_status": "excluded",
    "refractory_to_initial_therapy": False,
}
# The same patient as the wizard's step answers (raw strings, as posted).
ANSWERS = {
    "age_years": "54",
    "etiology": "gpa",
    "anca_type": "pr3",
    "anti_gbm_positive": "false",
    "active_dah": "true",
    "pregnancy_status": "not_applicable",
    "oxygen_support": "high_flow",
    "spo2_percent": "92",
    "creatinine_value": "1.8",
    "creatinine_unit": "mg/dL",
    "on_dialysis": "false",
    "platelets_10e9_per_l": "180",
    "infection_status": "excluded",
    "refractory_to_initial_therapy": "false",
}


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    # Test databases roll back: never let a cached snapshot outlive its version.
    clear_snapshot_cache()
    yield
    clear_snapshot_cache()


def saved_plan(intake: dict[str, Any] | None = None) -> services.SavedPlan:
    snapshot = get_published_snapshot()
    assert snapshot is not None
    result = parse_intake(INTAKE if intake is None else intake, implausible="unknown")
    assert not result.errors, result.errors
    return services.SavedPlan(evaluate(result, snapshot).to_dict(), snapshot.title)


def save_case(author, *, label: str = "GPA on high flow, day 1", intake: dict[str, Any] | None = None):
    return services.case_create(author=author, label=label, plan=saved_plan(intake))


@pytest.fixture
def case(physician, published_guideline):
    return save_case(physician)


@pytest.fixture
def physician_client(client, physician):
    client.force_login(physician)
    return client


@pytest.fixture
def resident_client(client, resident):
    client.force_login(resident)
    return client


@pytest.fixture
def other_physician(django_user_model):
    user = django_user_model.objects.create_user(username="other-physician", password="x-x-x-x-x-x-x-x")
    user.groups.add(Group.objects.get(name=PHYSICIAN))
    return user


def finished_draft(owner, answers: dict[str, Any] | None = None):
    """A draft with every step answered and complete, as after going through the wizard."""
    draft = wizard_services.draft_create(owner=owner, first_step=STEP_CODES[0])
    return wizard_services.draft_save_answers(
        draft=draft, answers=ANSWERS if answers is None else answers, current_step="review", complete=STEP_CODES
    )


def save_url(draft) -> str:
    return reverse("cases:save", args=[draft.pk])


def content_hash() -> str:
    snapshot = get_published_snapshot()
    assert snapshot is not None
    return snapshot.content_hash
