"""Deep pages of the case list: the page's ids are picked first, then only those rows are read.

Every page must hold exactly the cases that slicing the whole sorted list would give, in the same
order, with ties on the date broken by id at both ends of the list, and past the count's cap the
pages must stop where the list says they stop.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dahguide.cases.models import Case
from dahguide.cases.selectors import SORTS, CaseFilters, CaseListPaginator

pytestmark = pytest.mark.django_db

PER_PAGE = 7
FILTERS = {
    "no filter": {},
    "etiology": {"etiology": "gpa"},
    "decision": {"plex_decision": "consider"},
}


@pytest.fixture
def cases(physician, published_guideline) -> list[Case]:
    """60 generated cases; 12 of them saved at the same instant, so the date alone cannot order them."""
    call_command("generate_demo_cases", count=60, author=physician.username, seed=5, batch_size=60, stdout=None)
    tied = list(Case.objects.order_by("id").values_list("id", flat=True)[20:32])
    same_instant = Case.objects.order_by("created_at").first().created_at + timedelta(days=1)
    Case.objects.filter(id__in=tied).update(created_at=same_instant)
    return list(Case.objects.all())


def _pages(filters: CaseFilters) -> list[list[int]]:
    paginator = CaseListPaginator(filters, PER_PAGE)
    return [[c.pk for c in paginator.page(n).object_list] for n in paginator.page_range]


def _whole_list(sort: str, **conditions) -> list[int]:
    """The oracle: every match in the sort's order, read without paging."""
    return list(Case.objects.filter(**conditions).order_by(*SORTS[sort][1]).values_list("pk", flat=True))


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("conditions", list(FILTERS.values()), ids=list(FILTERS))
def test_pages_are_the_sorted_matches_sliced(cases, sort, conditions):
    expected = _whole_list(sort, **conditions)
    pages = _pages(CaseFilters(sort=sort, **conditions))
    assert [pk for page in pages for pk in page] == expected
    assert all(len(page) == PER_PAGE for page in pages[:-1])


def test_newest_first_is_oldest_first_reversed_through_a_tie(cases):
    newest = [pk for page in _pages(CaseFilters(sort="newest")) for pk in page]
    oldest = [pk for page in _pages(CaseFilters(sort="oldest")) for pk in page]
    assert newest == oldest[::-1]
    assert newest == [c.pk for c in sorted(cases, key=lambda c: (c.created_at, c.pk), reverse=True)]


def test_last_page_holds_the_remainder(cases):
    paginator = CaseListPaginator(CaseFilters(), PER_PAGE)
    last = paginator.page(paginator.num_pages)
    assert paginator.num_pages == 9
    assert len(last.object_list) == 60 - 8 * PER_PAGE
    assert not last.has_next()


def test_a_page_rows_carry_the_list_columns(cases):
    row = CaseListPaginator(CaseFilters(), PER_PAGE).page(5).object_list[0]
    assert row.author.username
    assert row.open_due_count >= 0
    assert row.signed_off is False


def test_no_match_gives_one_empty_page(cases):
    paginator = CaseListPaginator(CaseFilters(q="no such label"), PER_PAGE)
    assert paginator.count == 0
    assert paginator.num_pages == 1
    assert list(paginator.page(1).object_list) == []


def test_past_the_cap_the_pages_cover_the_first_matches_only(cases, monkeypatch):
    monkeypatch.setattr("dahguide.cases.selectors.MAX_COUNTED", 4 * PER_PAGE)
    paginator = CaseListPaginator(CaseFilters(sort="oldest"), PER_PAGE)
    pages = [[c.pk for c in paginator.page(n).object_list] for n in paginator.page_range]
    assert paginator.capped
    assert paginator.num_pages == 4
    assert [pk for page in pages for pk in page] == _whole_list("oldest")[: 4 * PER_PAGE]
    assert not paginator.page(4).has_next()


def test_a_page_past_the_cap_is_the_last_page(cases, monkeypatch):
    monkeypatch.setattr("dahguide.cases.selectors.MAX_COUNTED", 4 * PER_PAGE)
    paginator = CaseListPaginator(CaseFilters(), PER_PAGE)
    assert paginator.get_page(9).number == 4


# -- Through the view (25 a page) -----------------------------------------------------------------


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_the_deepest_page_of_a_filtered_list_shows_the_last_matches(
    resident_client, physician, published_guideline, sort
):
    call_command("generate_demo_cases", count=120, author=physician.username, seed=9, stdout=None)
    expected = _whole_list(sort, plex_decision="consider")
    last = -(-len(expected) // 25)
    response = resident_client.get(reverse("cases:list"), {"plex_decision": "consider", "sort": sort, "page": last})
    assert [c.pk for c in response.context["page_obj"].object_list] == expected[(last - 1) * 25 :]


def test_capped_list_says_its_pages_cover_the_first_matches(resident_client, cases, monkeypatch):
    monkeypatch.setattr("dahguide.cases.selectors.MAX_COUNTED", 50)
    html = resident_client.get(reverse("cases:list"), {"page": 2}).content.decode()
    assert "More than 50 cases match" in html
    assert "The pages show the first 50 in this order" in html
    assert "Page 2 of the first 2" in html


def test_an_exact_count_is_shown_when_not_capped(resident_client, cases):
    html = resident_client.get(reverse("cases:list"), {"page": 2}).content.decode()
    assert "60 cases" in html
    assert "Page 2 of 3" in html
    assert "The pages show the first" not in html


def _queries(client, **params) -> int:
    client.get(reverse("cases:list"), params)  # warm the caches (session, snapshot)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("cases:list"), params).status_code == 200
    return len(ctx)


def test_the_deepest_page_runs_as_many_queries_as_the_first(resident_client, cases):
    first = _queries(resident_client, etiology="gpa", sort="label")
    deepest = _queries(resident_client, sort="oldest", page=3)
    searched = _queries(resident_client, q="Demo", sort="version", page=2)
    assert first == deepest == searched <= 10
