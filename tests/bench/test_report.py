"""The benchmark's own logic: percentiles, target checks, the report and the exit status.

Fast and free of HTTP and the database: the bench itself (bench/run) is too slow for CI.
"""

from __future__ import annotations

import math

import pytest

from bench import report as rpt
from bench.client import Browser, Response
from bench.stats import Summary, percentile, ratio


def test_percentile_interpolates_between_ranks_like_numpy():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert percentile(values, 50) == pytest.approx(5.5)
    assert percentile(values, 95) == pytest.approx(9.55)
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 10
    assert percentile([7.0], 95) == 7.0
    assert percentile([3, 1, 2], 50) == 2  # order does not matter


@pytest.mark.parametrize("bad", [[], None])
def test_percentile_of_nothing_is_an_error(bad):
    with pytest.raises((ValueError, TypeError)):
        percentile(bad, 50)


def test_percentile_rejects_q_outside_0_100():
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_summary_and_ratio():
    s = Summary.of([10.0, 20.0, 30.0, 40.0])
    assert (s.count, s.p50, s.max) == (4, 25.0, 40.0)
    assert ratio(6.0, 2.0) == 3.0
    assert ratio(1.0, 0.0) == math.inf


def _page(label, p95, *, gated=True, queries=3, size=1000):
    return rpt.PageResult(label, Summary(100, p95 / 2, p95, p95), queries, size, gated)


FLOOR = Summary(100, 2.0, 4.0, 5.0)


def test_latency_check_meets_at_exactly_three_times_the_floor():
    check = rpt.latency_check([_page("1 patient GET", 12.0), _page("plan GET", 8.0)], FLOOR)
    assert check.status == rpt.MET
    assert "3.00×" in check.measured and "1 patient GET" in check.measured


def test_latency_check_misses_and_names_the_slow_pages_only_among_gated_ones():
    pages = [_page("plan GET", 12.1), _page("login GET", 100.0, gated=False), _page("2 respiratory GET", 5.0)]
    check = rpt.latency_check(pages, FLOOR)
    assert check.status == rpt.MISSED
    assert "over: plan GET" in check.measured
    assert "login" not in check.measured


def test_latency_check_without_pages_is_not_measured():
    assert rpt.latency_check([], FLOOR).status == rpt.NOT_MEASURED


def test_queries_check_needs_at_most_ten_and_never_more_with_more_data():
    pages = [_page("plan GET", 1, queries=7), _page("home GET", 1, queries=10)]
    same = {"few": {"plan GET": 7}, "many": {"plan GET": 7}}
    assert rpt.queries_check(pages, same).status == rpt.MET
    grows = {"few": {"plan GET": 7}, "many": {"plan GET": 8}}
    check = rpt.queries_check(pages, grows)
    assert check.status == rpt.MISSED and "plan GET" in check.measured
    more_with_more_cases = {"10 cases": {"search": 8}, "all cases": {"search": 9}}
    assert rpt.queries_check(pages, more_with_more_cases).status == rpt.MISSED
    fewer_with_more = {"10 cases": {"search": 9}, "all cases": {"search": 8}}
    assert rpt.queries_check(pages, fewer_with_more).status == rpt.MET
    over = [_page("case list GET", 1, queries=11)]
    assert rpt.queries_check(over, {}).status == rpt.MISSED


def test_bytes_minimum_and_maximum_checks():
    assert rpt.bytes_check("htmx", 15 * 1024, rpt.MAX_HTMX_STEP_BYTES).status == rpt.MET
    assert rpt.bytes_check("htmx", 15 * 1024 + 1, rpt.MAX_HTMX_STEP_BYTES).status == rpt.MISSED
    assert rpt.bytes_check("first load", None, rpt.MAX_FIRST_LOAD_BYTES).status == rpt.NOT_MEASURED
    assert rpt.minimum_check("engine", 2000, rpt.MIN_PLANS_PER_SECOND, "plans/s").status == rpt.MET
    assert rpt.minimum_check("engine", 1999.9, rpt.MIN_PLANS_PER_SECOND, "plans/s").status == rpt.MISSED
    assert rpt.maximum_check("case list", 100.0, 100, "ms").status == rpt.MET
    missing = rpt.maximum_check("case list", None, 100, "ms", "no cases app")
    assert missing.status == rpt.NOT_MEASURED and "no cases app" in missing.measured


def test_exit_code_missed_beats_not_measured():
    met = rpt.Check("a", "", "", rpt.MET)
    missed = rpt.Check("b", "", "", rpt.MISSED)
    unmeasured = rpt.Check("c", "", "", rpt.NOT_MEASURED)
    assert rpt.exit_code([met]) == 0
    assert rpt.exit_code([met, unmeasured]) == 2
    assert rpt.exit_code([met, unmeasured, missed]) == 1


def test_markdown_report_has_the_page_table_with_ratio_queries_and_bytes(tmp_path):
    pages = [_page("plan GET", 8.0, queries=7, size=20480), rpt.PageResult("engine only")]
    checks = [rpt.latency_check(pages, FLOOR)]
    text = rpt.render_markdown(rpt.Report("Bench", "bench/run", FLOOR, pages, checks, [("Extra", "body")]))
    assert (
        "| page | p50 ms | p95 ms | p95 ÷ bare p95 | target | p95 ÷ floor p95 | (p50 ÷ floor p50) | queries | bytes |"
    ) in text
    assert "| plan GET | 4.0 | 8.0 | – | – | 2.00× | (2.00×) | 7 | 20.0 KB |" in text
    assert "| engine only | – | – | – | – | – | – | – | – |" in text
    assert "every target met" in text and "## Extra" in text
    rpt.plot_latency(pages, FLOOR, tmp_path / "latency.png")
    assert (tmp_path / "latency.png").read_bytes()[:4] == b"\x89PNG"


BARE = Summary(100, 0.4, 1.0, 2.0)


def _grouped(label, p95):
    return rpt.PageResult(label, Summary(100, p95 / 2, p95, p95), 3, 1000, group=rpt.target_group(label))


@pytest.mark.parametrize(
    ("label", "group"),
    [
        ("home GET", "home"),
        ("plan GET", "plan page"),
        ("3 kidney POST htmx", "wizard step"),
        ("new assessment POST", "wizard step"),
        ("review GET", "wizard step"),
        ("plan-so-far GET htmx", "wizard step"),
        ("case list GET", ""),
        ("login GET", ""),
    ],
)
def test_each_page_falls_under_its_ratio_to_bare_target(label, group):
    assert rpt.target_group(label) == group


def test_bare_checks_judge_home_steps_and_plan_against_their_own_ratio():
    pages = [
        _grouped("home GET", 4.0),
        _grouped("1 patient GET", 6.0),
        _grouped("plan GET", 10.0),
        _grouped("case list GET", 50.0),
    ]
    checks = rpt.bare_checks(pages, BARE)
    assert [c.status for c in checks] == [rpt.MET, rpt.MET, rpt.MET]
    assert "10.00× (plan GET" in checks[2].measured


def test_bare_checks_name_the_pages_over_their_ratio():
    pages = [_grouped("home GET", 4.1), _grouped("1 patient GET", 5.0), _grouped("2 respiratory POST", 6.5)]
    home, steps, plan = rpt.bare_checks(pages, BARE)
    assert home.status == rpt.MISSED
    assert steps.status == rpt.MISSED and "over: 2 respiratory POST" in steps.measured
    assert "1 patient" not in steps.measured.split("over:")[1]
    assert plan.status == rpt.NOT_MEASURED


def test_page_table_gives_the_ratio_to_bare_django_and_the_target():
    text = rpt.page_table([_grouped("plan GET", 12.0)], FLOOR, BARE)
    assert "| plan GET | 6.0 | 12.0 | 12.00× | ≤ 10× | 3.00× | (3.00×) | 3 | 1.0 KB | over 10× bare |" in text


def test_a_smoke_run_judges_the_flows_and_not_the_targets():
    slow = rpt.Check("plan page: p95 ≤ 10× bare Django p95", "", "", rpt.MISSED)
    flows = rpt.Check("50 concurrent physicians on 2 instances", "", "", rpt.MET, smoke=True)
    broken = rpt.Check("no database write on a read", "", "", rpt.MISSED, smoke=True)
    assert rpt.exit_code([slow, flows], full=False) == 0
    assert rpt.exit_code([slow, flows], full=True) == 1
    assert rpt.exit_code([slow, flows, broken], full=False) == 1


def test_a_smoke_report_says_targets_are_judged_on_full_runs_only():
    slow = rpt.Check("home: p95 ≤ 4× bare Django p95", "", "", rpt.MISSED)
    text = rpt.render_markdown(rpt.Report("Bench", "bench/run --quick", FLOOR, [], [slow], full=False))
    assert "smoke run: the flows passed" in text and "judged on full runs only" in text and "(exit 0)" in text


def test_response_counts_wire_bytes_and_reads_redirects():
    response = Response(
        302, "Found", [("Location", "https://localhost/assessments/x/plan/"), ("Content-Length", "0")], b"", 1.0, 8711
    )
    assert response.location_path == "/assessments/x/plan/"
    assert (
        response.wire_bytes
        == len("HTTP/1.1 302 Found\r\n")
        + 2
        + len("Location")
        + 4
        + len("https://localhost/assessments/x/plan/")
        + len("Content-Length")
        + 4
        + 1
    )
    htmx = Response(200, "OK", [("HX-Redirect", "/assessments/x/review/")], b"abc", 1.0, 8711)
    assert htmx.location_path == "/assessments/x/review/"


def test_browser_keeps_secure_cookies_and_forgets_deleted_ones():
    browser = Browser([1])
    browser._remember(
        [
            ("Set-Cookie", "sessionid=abc; HttpOnly; Path=/; SameSite=Lax; Secure"),
            ("Set-Cookie", "csrftoken=tok; Path=/; SameSite=Lax; Secure"),
        ]
    )
    assert browser.cookies == {"sessionid": "abc", "csrftoken": "tok"}
    browser._remember([("Set-Cookie", 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/')])
    assert browser.cookies == {"csrftoken": "tok"}


def test_browser_alternates_between_instances():
    browser = Browser([8711, 8712])
    assert [next(browser._cycle) for _ in range(4)] == [8711, 8712, 8711, 8712]
