"""Saved cases in the reviewers' impact preview, and the demo-case generator."""

from __future__ import annotations

import random

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from dahguide.cases import demo, services
from dahguide.cases.apps import IMPACT_SOURCE
from dahguide.cases.models import Case
from dahguide.cases.selectors import recent_case_intakes
from dahguide.engine.intake import parse_intake
from dahguide.guidance.impact import registered_impact_sources

from .conftest import INTAKE, save_case, saved_plan

pytestmark = pytest.mark.django_db


def test_saved_cases_are_registered_as_an_impact_source():
    assert registered_impact_sources()[IMPACT_SOURCE] is recent_case_intakes


def test_impact_source_yields_the_latest_revision_of_each_case_without_its_label(physician, published_guideline):
    first = save_case(physician, label="Secret-ish label one")
    save_case(physician, label="Second")
    services.case_revision_add(
        case=first, user=physician, reason="Dialysis", plan=saved_plan({**INTAKE, "on_dialysis": True})
    )
    items = list(recent_case_intakes())
    assert [label for label, _url, _intake in items] == [
        f"Saved case {first.pk} (revision 2)",
        f"Saved case {first.pk + 1} (revision 1)",
    ]
    assert items[0][1] == reverse("cases:detail", args=[first.pk])
    assert items[0][2]["on_dialysis"] is True
    assert not parse_intake(items[0][2]).errors


@pytest.mark.parametrize("seed", range(20))
def test_random_demo_intakes_are_valid(seed):
    rng = random.Random(seed)
    for _ in range(25):
        assert not parse_intake(demo.random_intake(rng), implausible="error").errors


def test_demo_labels_wrap_before_six_digits():
    assert demo.demo_label(42) == "Demo case 00042"
    assert demo.demo_label(100_042) == "Demo case 00042"


def test_generate_demo_cases_creates_the_requested_number(physician, published_guideline):
    call_command("generate_demo_cases", count=12, author=physician.username, batch_size=5, stdout=None)
    assert Case.objects.filter(author=physician, label__startswith="Demo case").count() == 12


def test_generate_demo_cases_is_reproducible_by_seed(physician, published_guideline):
    call_command("generate_demo_cases", count=5, author=physician.username, seed=1, stdout=None)
    first = list(Case.objects.order_by("id").values_list("etiology", "plex_decision"))
    Case.objects.all().delete()
    call_command("generate_demo_cases", count=5, author=physician.username, seed=1, stdout=None)
    assert list(Case.objects.order_by("id").values_list("etiology", "plex_decision")) == first


def test_generate_demo_cases_needs_a_published_guideline(physician):
    with pytest.raises(CommandError, match="No guideline version is published"):
        call_command("generate_demo_cases", count=1, author=physician.username, stdout=None)


def test_generate_demo_cases_needs_a_known_author(published_guideline):
    with pytest.raises(CommandError, match="No user"):
        call_command("generate_demo_cases", count=1, author="nobody", stdout=None)
