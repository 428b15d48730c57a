"""Every wizard request runs a small, constant number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dahguide.wizard import services

from .conftest import HTMX, VALID, complete_steps, post_step, step_url

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10


@pytest.mark.parametrize("code", ["patient", "respiratory", "kidney", "haematology", "course"])
def test_step_get_query_count(physician_client, draft, published_guideline, django_assert_max_num_queries, code):
    complete_steps(physician_client, draft, upto=code)
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.get(step_url(draft, code))


@pytest.mark.parametrize("code", ["patient", "respiratory", "kidney", "haematology", "course"])
def test_step_post_query_count(physician_client, draft, published_guideline, django_assert_max_num_queries, code):
    complete_steps(physician_client, draft, upto=code)
    with django_assert_max_num_queries(MAX_QUERIES):
        post_step(physician_client, draft, code)


def test_htmx_step_post_query_count(physician_client, draft, published_guideline, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        post_step(physician_client, draft, "patient", headers=HTMX)


def test_plan_query_count(physician_client, completed_draft, django_assert_max_num_queries):
    physician_client.get(reverse("wizard:plan", args=[completed_draft.pk]))  # warm the snapshot cache
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.get(reverse("wizard:plan", args=[completed_draft.pk]))


def test_a_warm_plan_page_reads_session_user_draft_version_and_case_link(
    physician_client, completed_draft, django_assert_num_queries
):
    """The published version's change notes are read once per process, the draft's case link once per page."""
    physician_client.get(reverse("wizard:plan", args=[completed_draft.pk]))
    with django_assert_num_queries(5):
        physician_client.get(reverse("wizard:plan", args=[completed_draft.pk]))


def test_plan_query_count_with_a_cold_snapshot_cache(physician_client, completed_draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.get(reverse("wizard:plan", args=[completed_draft.pk]))


def test_review_preview_and_convert_query_counts(physician_client, completed_draft, django_assert_max_num_queries):
    for url in (
        reverse("wizard:review", args=[completed_draft.pk]),
        reverse("wizard:preview", args=[completed_draft.pk]),
        reverse("wizard:convert", args=[completed_draft.pk]) + "?for=creatinine_value&creatinine_value=1",
    ):
        with django_assert_max_num_queries(MAX_QUERIES):
            physician_client.get(url, headers=HTMX)


def test_home_query_count_does_not_grow_with_drafts(physician_client, physician):
    services.draft_create(owner=physician, first_step="patient")
    physician_client.get(reverse("home"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        physician_client.get(reverse("home"))
    for _ in range(10):
        services.draft_create(owner=physician, first_step="patient")
    with CaptureQueriesContext(connection) as many:
        physician_client.get(reverse("home"))
    assert len(many) == len(few) <= MAX_QUERIES


def test_plan_query_count_is_the_same_for_more_answers(physician_client, physician, published_guideline):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for extra in ({}, {"weight_kg": "70", "height_cm": "170", "fertility_preservation_desired": "true"}):
        draft = services.draft_create(owner=physician, first_step="patient")
        complete_steps(physician_client, draft, upto="patient")
        post_step(physician_client, draft, "patient", {**VALID["patient"], **extra})
        complete_steps(physician_client, draft)
        physician_client.get(reverse("wizard:plan", args=[draft.pk]))
        with CaptureQueriesContext(connection) as ctx:
            physician_client.get(reverse("wizard:plan", args=[draft.pk]))
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_new_assessment_query_count(physician_client, published_guideline, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.post(reverse("wizard:new"))


def test_invalid_post_full_page_query_count(
    physician_client, draft, published_guideline, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_QUERIES):
        post_step(physician_client, draft, "patient", {"age_years": "fifty"})


def test_back_and_helper_query_counts(physician_client, draft, published_guideline, django_assert_max_num_queries):
    complete_steps(physician_client, draft, upto="respiratory")
    data = {"pao2": "60", "pao2_unit": "mmHg", "fio2": "0.4", "fio2_unit": "fraction"}
    with django_assert_max_num_queries(MAX_QUERIES):
        post_step(physician_client, draft, "respiratory", data, action="calculate_pf")
    with django_assert_max_num_queries(MAX_QUERIES):
        post_step(physician_client, draft, "respiratory", data, action="back")


def test_see_the_plan_post_query_count(physician_client, completed_draft, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.post(reverse("wizard:review", args=[completed_draft.pk]))
