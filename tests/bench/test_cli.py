"""Where a bench run writes its report, what it judges, and the bare Django it measures against."""

from __future__ import annotations

from django.test import RequestFactory

from bench import bare, cli


def test_a_quick_run_writes_its_report_outside_the_committed_files():
    args = cli.parse_args(["--sqlite", "--quick"])
    assert args.out == cli.DATA_DIR / "report"
    assert not args.full


def test_a_full_run_writes_the_committed_report_only_when_asked():
    assert cli.parse_args([]).out == cli.DATA_DIR / "report"
    asked = cli.parse_args(["--write-report"])
    assert asked.out == cli.BENCH_DIR and asked.full


def test_bench_data_is_ignored_by_git():
    ignored = (cli.ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "bench/.data/" in ignored


def test_bare_django_has_no_app_no_middleware_and_no_database():
    assert (bare.INSTALLED_APPS, bare.MIDDLEWARE, bare.DATABASES) == ([], [], {})


def test_bare_django_view_returns_ok_and_the_worker():
    response = bare.ok(RequestFactory().get("/bench/bare/"))
    assert response.content.startswith(b"ok ")
