"""The bench's simulated physician still fits the wizard, and its bench-only views behave.

Run in process with Django's test client (a second or two): if the wizard's URLs or responses
change, this fails here rather than half-way through a ten-minute bench run.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from bench import scenario
from bench.measure import django_client, query_counter, written_table
from bench.paths import BASELINE_PATH, SNAPSHOT_PATH
from dahguide.guidance.selectors import clear_snapshot_cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_snapshot_cache():
    clear_snapshot_cache()
    yield
    clear_snapshot_cache()


def test_answer_sets_are_the_golden_cases_the_wizard_accepts_plus_all_unknown():
    sets = scenario.answer_sets()
    assert sets[0].name == "all_unknown" and sets[0].size == 0
    assert len(sets) > 10
    assert max(s.size for s in sets) > 5


def test_step_form_posts_every_input_of_the_step_blank_when_unknown():
    form = dict(scenario.step_form("kidney", {"creatinine_value": "1.8", "creatinine_unit": "mg/dL"}))
    assert form["creatinine_value"] == "1.8" and form["creatinine_unit"] == "mg/dL"
    assert form["on_dialysis"] == "" and form["action"] == "next"


@pytest.mark.parametrize("htmx", [False, True])
def test_the_flow_completes_the_wizard_within_ten_queries_a_page(physician, published_guideline, htmx):
    send, counts = query_counter(django_client(physician))
    answers = max(scenario.answer_sets(), key=lambda s: s.size).answers
    scenario.wizard_flow(send, answers, htmx=htmx, preview=True)
    scenario.wizard_flow(send, answers, htmx=htmx, preview=True)  # the first warmed the snapshot cache
    assert "plan GET" in counts and "5 course POST" + (" htmx" if htmx else "") in counts
    assert max(counts.values()) <= 10, counts


def test_the_flow_reports_a_redirect_to_login_as_an_error(client, published_guideline):
    send, _counts = query_counter(client)  # not logged in
    with pytest.raises(scenario.FlowError, match="login"):
        scenario.wizard_flow(send, {})


@override_settings(ROOT_URLCONF="bench.urls")
def test_bench_views_name_the_worker_and_its_snapshot_version(client, published_guideline):
    assert client.get(BASELINE_PATH).content.startswith(b"ok ")
    _pid, version = client.get(SNAPSHOT_PATH).content.decode().split()
    assert version == str(published_guideline.number)


def test_bench_views_do_not_exist_in_the_app():
    from django.urls import Resolver404, resolve

    for path in (BASELINE_PATH, SNAPSHOT_PATH):
        with pytest.raises(Resolver404):
            resolve(path)


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('UPDATE "django_session" SET "session_data" = %s WHERE "session_key" = %s', "django_session"),
        ('INSERT INTO "wizard_draftassessment" ("id") VALUES (%s)', "wizard_draftassessment"),
        ('DELETE FROM "axes_accessattempt" WHERE 1', "axes_accessattempt"),
        ('SELECT "django_session"."session_data" FROM "django_session"', None),
        ("SAVEPOINT s1", None),
    ],
)
def test_written_table_names_the_table_a_statement_writes(sql, table):
    assert written_table(sql) == table


def test_a_get_of_the_wizard_writes_nothing_once_activity_is_recorded(physician, published_guideline):
    client = django_client(physician)
    warm, _ = query_counter(client)
    scenario.wizard_flow(warm, {})  # records the session's activity (once a minute)
    writes: dict[str, set[str]] = {}
    send, counts = query_counter(client, writes)
    scenario.wizard_flow(send, {}, preview=True)
    assert "plan GET" in counts
    assert writes == {}
