"""Where a page's time goes: cProfile and the SQL of each page, in process, production settings.

    python -m bench.profile                  # a throw-away SQLite database; every page, top 15 functions
    python -m bench.profile --page "plan GET" --top 40 --requests 300

The pages are those of the bench's physician (bench.scenario): the home page, each wizard step
(GET, POST), the review and the plan page. Each is sent ``--requests`` times straight to the WSGI
handler that gunicorn runs (no HTTP, no test client), with the same headers the bench's client
sends, so the profile holds the middleware, the view and the template and nothing else. Call
counts and query counts are deterministic; the times are only as quiet as the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]


def _environ(method: str, path: str, cookie: str, body: bytes = b"", headers: dict[str, str] | None = None) -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8711",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ACCEPT_ENCODING": "gzip, br",
        "HTTP_USER_AGENT": "dahguide-bench",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if method == "POST":
        environ.update(
            {
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_ORIGIN": "https://localhost",
            }
        )
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _caller(app, cookie: str, csrf: str) -> Callable[[str, str, list | None, dict | None], int]:
    def call(method: str, path: str, form: list | None = None, headers: dict | None = None) -> int:
        body = urlencode(form or [], doseq=True).encode()
        sent = {**(headers or {}), **({"X-CSRFToken": csrf} if method == "POST" else {})}
        status: list[str] = []
        result = app(_environ(method, path, cookie, body, sent), lambda s, h, *a: status.append(s))
        b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return int(status[0].split()[0])

    return call


def pages(pk: str, answers: dict) -> list[tuple[str, str, str, list | None, dict | None]]:
    from bench import scenario
    from bench.paths import BASELINE_PATH

    out: list[tuple[str, str, str, list | None, dict | None]] = [
        ("floor GET", "GET", BASELINE_PATH, None, None),
        ("home GET", "GET", "/", None, None),
    ]
    for number, code in enumerate(scenario.step_codes(), 1):
        url = scenario.step_url(pk, code)
        out.append((f"{number} {code} GET", "GET", url, None, None))
        out.append((f"{number} {code} POST", "POST", url, scenario.step_form(code, answers), None))
    out += [
        ("review GET", "GET", f"/assessments/{pk}/review/", None, None),
        ("plan GET", "GET", f"/assessments/{pk}/plan/", None, None),
    ]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    p.add_argument("--page", action="append", help="only this page label (repeatable), e.g. 'plan GET'")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    p.add_argument("--database-url", default="", help="default: a throw-away SQLite file")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update(
            {
                "DAHGUIDE_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "DATABASE_URL": args.database_url or f"sqlite:///{Path(folder) / 'profile.sqlite3'}",
                "LOG_LEVEL": "WARNING",
                "REQUEST_LOG_LEVEL": os.environ.get("REQUEST_LOG_LEVEL", "INFO"),
            }
        )
        sys.path.insert(0, str(ROOT))
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    import logging

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from bench import scenario
    from bench.measure import django_client, query_counter
    from dahguide.accounts.roles import PHYSICIAN

    app = get_wsgi_application()  # (sets logging up again)
    # The request log writes one JSON line per request, as in production: to a null stream here.
    null = open(os.devnull, "w")  # noqa: SIM115
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(null)
    quiet = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    call_command("load_guideline", stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    user, _ = get_user_model().objects.get_or_create(username="bench_profile")
    user.groups.add(Group.objects.get(name=PHYSICIAN))
    client = django_client(user)
    answers = max(scenario.answer_sets(), key=lambda s: s.size).answers
    send, _counts = query_counter(client)
    pk = scenario.wizard_flow(send, answers)
    client.get("/")  # a CSRF cookie
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    call = _caller(app, cookie, client.cookies[settings.CSRF_COOKIE_NAME].value)
    chosen = [row for row in pages(pk, answers) if not args.page or row[0] in args.page]
    print(
        f"{'page':<26} {'status':>6} {'queries':>7} {'calls/request':>13} {'p50 ms':>9} {'p95 ms':>9}  (not profiled)"
    )
    profiles: list[tuple[str, pstats.Stats]] = []
    for label, method, path, form, headers in chosen:
        for _ in range(5):  # warm: snapshot cache, markdown cache, template loader
            call(method, path, form, headers)
        captured: list[str] = []

        def record(execute, sql, *rest, captured=captured):
            captured.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(record):
            status = call(method, path, form, headers)
        times = []
        for _ in range(args.requests):
            started = time.perf_counter()
            call(method, path, form, headers)
            times.append((time.perf_counter() - started) * 1000)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call(method, path, form, headers)
        profiler.disable()
        stats = pstats.Stats(profiler, stream=io.StringIO())
        calls = stats.total_calls / args.requests  # type: ignore[attr-defined]
        print(
            f"{label:<26} {status:>6} {len(captured):>7} {calls:>13,.0f} {statistics.median(times):>9.2f}"
            f" {statistics.quantiles(times, n=20)[-1]:>9.2f}"
        )
        profiles.append((label, stats))
        if len(chosen) <= 3:
            for sql in captured:
                print("    SQL:", sql[:160])
    if args.top:
        for label, stats in profiles:
            out = io.StringIO()
            stats.stream = out  # type: ignore[attr-defined]
            stats.sort_stats(args.sort).print_stats(args.top)
            print(f"\n===== {label} (sorted by {args.sort}, {args.requests} requests) =====")
            print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
