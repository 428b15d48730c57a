"""Every case page runs at most ten queries, the same number however much a case has gathered."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dahguide.cases import services

from .conftest import HTMX, saved_plan

pytestmark = pytest.mark.django_db

MAX_QUERIES = 10
PAGES = ("cases:detail", "cases:print", "cases:reevaluate")


def _grow(case, physician, resident, attending) -> None:
    """Comments, ticks, a revision and a sign-off: everything a case page lists."""
    for index in range(4):
        services.comment_add(case=case, author=resident, text=f"Comment {index}")
        services.checklist_item_set(case=case, code="monitor_oxygenation", user=physician, ticked=index % 2 == 0)
    revision = services.case_revision_add(case=case, user=physician, reason="Amended", plan=saved_plan())
    services.signoff_add(revision=revision, attending=attending, decision="agree")


def _count(client, url: str, **kwargs) -> int:
    client.get(url, **kwargs)  # warm the snapshot cache
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, **kwargs)
    return len(ctx)


@pytest.mark.parametrize("name", PAGES)
def test_case_page_query_count_is_bounded_and_constant(physician_client, physician, resident, attending, case, name):
    url = reverse(name, args=[case.pk])
    fresh = _count(physician_client, url)
    _grow(case, physician, resident, attending)
    grown = _count(physician_client, url)
    assert fresh == grown <= MAX_QUERIES


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cases:comment", {"text": "Question"}),
        ("cases:signoff", {"revision": "1", "decision": "agree"}),
        ("cases:amend", {}),
    ],
)
def test_case_action_query_count_is_bounded(physician_client, attending, case, name, data):
    if name == "cases:signoff":
        physician_client.force_login(attending)  # the author never signs off their own case
    with CaptureQueriesContext(connection) as ctx:
        physician_client.post(reverse(name, args=[case.pk]), data)
    # Savepoints left out: a test runs inside a transaction, so Django turns each atomic block into
    # one; a request in production is the outermost transaction and sends none.
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) <= MAX_QUERIES, statements


def test_checklist_toggle_query_count_is_bounded(physician_client, case, django_assert_max_num_queries):
    url = reverse("cases:checklist", args=[case.pk, "monitor_oxygenation"])
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.post(url, {"ticked": "true"}, headers=HTMX)
    with django_assert_max_num_queries(MAX_QUERIES):
        physician_client.post(url, {"ticked": "false"})
