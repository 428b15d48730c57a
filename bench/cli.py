"""``python -m bench``: prepare the database, start two gunicorn instances, measure, report.

Run it through ``bench/run`` (which starts PostgreSQL first); see README "## Performance".
Exit status: 0 every target met, 1 a target missed, 2 every measured target met but one could
not be measured (e.g. the case list before the cases app exists), 3 the bench itself failed.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import secrets
import shlex
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench import report as rpt
from bench import servers
from bench.paths import BARE_PATH
from bench.scenario import FlowError
from bench.stats import Summary

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "bench"
DATA_DIR = BENCH_DIR / ".data"
PASSWORD = "bench-physician-password-not-secret"  # noqa: S105 - loopback-only bench accounts
SOLO_USER = "bench_solo"
CASE_AUTHOR = "bench_case_author"
FEW_CASES_USER = "bench_few_cases"
LOAD_USER = "bench_load_{:02d}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__.splitlines()[0])
    p.add_argument(
        "--sqlite",
        action="store_true",
        help="quick run on a SQLite file instead of PostgreSQL (not valid for the targets)",
    )
    p.add_argument(
        "--quick", action="store_true", help="fewer samples, 10 users, 2,000 cases: a smoke run of the bench itself"
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="(handled by bench/run) drop the kept database and its generated cases first",
    )
    p.add_argument("--iterations", type=int, default=None, help="latency iterations (2 wizards each); default 100")
    p.add_argument("--users", type=int, default=None, help="load-test physicians; default 50")
    p.add_argument("--wizards", type=int, default=None, help="wizards each load-test physician completes; default 3")
    p.add_argument("--cases", type=int, default=None, help="cases for the case-list measurement; default 100000")
    p.add_argument("--jobs", type=int, default=2, help="processes generating cases; default 2 (one per core)")
    p.add_argument("--engine-seconds", type=float, default=5.0)
    p.add_argument("--load-time-limit", type=float, default=240.0, help="bound of the load test, seconds")
    p.add_argument("--ports", default="8711,8712", help="the two instances' loopback ports")
    p.add_argument("--bare-port", type=int, default=8713, help="bare Django's loopback port (the lower floor)")
    p.add_argument(
        "--write-report",
        action="store_true",
        help="write the committed bench/report.md and bench/latency.png (default: bench/.data/report/)",
    )
    p.add_argument("--out", type=Path, default=None, help="where report.md and latency.png go (overrides both)")
    args = p.parse_args(argv)
    quick = args.quick
    # Only a full run judges the targets; a quick or SQLite run is a smoke run of the flows.
    args.full = not (quick or args.sqlite)
    args.out = args.out or (BENCH_DIR if args.write_report else DATA_DIR / "report")
    args.iterations = args.iterations or (8 if quick else 100)
    args.users = args.users or (10 if quick else rpt.LOAD_USERS)
    args.wizards = args.wizards or (2 if quick else 3)
    args.cases = args.cases if args.cases is not None else (2000 if quick else 100_000)
    args.ports = [int(p) for p in args.ports.split(",")]
    return args


def app_environment(database_url: str) -> dict[str, str]:
    """Production mode as the README's deployment section sets it, for this run only."""
    return {
        "DAHGUIDE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        # The request log stays on (INFO, as in production); it goes to bench/.data/gunicorn-*.log.
    }


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- preparation --------------------------------------------------------------------------------


def prepare_database(user_count: int) -> None:
    from django.core.management import call_command

    out = io.StringIO()
    log("migrate")
    call_command("migrate", interactive=False, verbosity=0, stdout=out)
    if os.environ.get("BENCH_STAMP"):
        from bench.dbstamp import main as stamp

        stamp(["write", os.environ["BENCH_STAMP"]])
    log("load_guideline")
    call_command("load_guideline", stdout=out)
    log("collectstatic")
    call_command("collectstatic", interactive=False, verbosity=0, stdout=out)
    log("bench users")
    ensure_users([SOLO_USER, CASE_AUTHOR, FEW_CASES_USER, *(LOAD_USER.format(i) for i in range(user_count))])


def ensure_users(usernames: list[str]) -> None:
    from axes.utils import reset as axes_reset
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password, make_password
    from django.contrib.auth.models import Group

    from dahguide.accounts.roles import PHYSICIAN
    from dahguide.wizard.models import DraftAssessment

    model = get_user_model()
    group = Group.objects.get(name=PHYSICIAN)
    existing = {u.username: u for u in model.objects.filter(username__in=usernames)}
    # One password hash shared by every bench account: hashing 50 passwords would take a minute.
    sample = next(iter(existing.values()), None)
    hashed = sample.password if sample and check_password(PASSWORD, sample.password) else make_password(PASSWORD)
    for name in usernames:
        user = existing.get(name) or model(username=name)
        if user.password != hashed or not user.is_active:
            user.password, user.is_active = hashed, True
            user.save()
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
    DraftAssessment.objects.filter(owner__username__in=usernames).delete()
    axes_reset()


# -- cases (the saved-cases app; measured only once it exists) -----------------------------------


def cases_support() -> tuple[bool, str]:
    """Whether the saved-cases app, its case list and ``generate_demo_cases`` exist in this tree."""
    from django.apps import apps
    from django.core.management import get_commands
    from django.urls import NoReverseMatch, reverse

    if not apps.is_installed("dahguide.cases"):
        return False, "the saved-cases app (dahguide.cases) is not in this tree yet"
    if "generate_demo_cases" not in get_commands():
        return False, "manage.py generate_demo_cases does not exist yet"
    try:
        reverse("cases:list")
    except NoReverseMatch:
        return False, "no URL named cases:list"
    return True, ""


def ensure_cases(count: int, jobs: int) -> tuple[int, float]:
    """Generate cases for the bench author until it has ``count`` (kept between runs).

    ``jobs`` processes of ``generate_demo_cases`` share the work (different seeds), since the
    command is bound by one CPU core.
    """
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    case_model = _case_model()
    author = get_user_model().objects.get(username=CASE_AUTHOR)
    have = _owned(case_model, author)
    seconds = 0.0
    if have < count:
        missing = count - have
        shares = [missing // jobs + (1 if i < missing % jobs else 0) for i in range(jobs)]
        log(f"generate_demo_cases: {missing:,} cases for {CASE_AUTHOR} in {jobs} processes (have {have:,})")
        started = time.perf_counter()
        processes = [
            subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "generate_demo_cases",
                    "--count",
                    str(share),
                    "--author",
                    CASE_AUTHOR,
                    "--seed",
                    str(have + i + 1),
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
            for i, share in enumerate(shares)
            if share
        ]
        failed = [p.args for p in processes if p.wait(timeout=3600) != 0]
        if failed:
            raise RuntimeError(f"generate_demo_cases failed: {failed}")
        seconds = time.perf_counter() - started
        have = _owned(case_model, author)
    few = get_user_model().objects.get(username=FEW_CASES_USER)
    if _owned(case_model, few) < 10:
        call_command("generate_demo_cases", count=10, author=FEW_CASES_USER, stdout=io.StringIO())
    return have, seconds


def _case_model():
    from django.apps import apps

    return apps.get_model("cases", "Case")


def _owned(case_model, user) -> int:
    return case_model.objects.filter(author=user).count()


def case_list_paths() -> list[tuple[str, str]]:
    from django.urls import reverse

    url = reverse("cases:list")
    return [
        ("case list GET", url),
        ("case list search, rare label GET", f"{url}?q=00004"),
        ("case list search, common label GET", f"{url}?q=demo"),
        ("case list filter etiology GET", f"{url}?etiology=gpa"),
        ("case list page 400 GET", f"{url}?page=400"),
        # The other end of the list, and a filter whose index does not match the sort, deep down.
        ("case list page 400, oldest first GET", f"{url}?page=400&sort=oldest"),
        ("case list filter etiology, by version, page 300 GET", f"{url}?etiology=gpa&sort=version&page=300"),
    ]


# -- main ---------------------------------------------------------------------------------------


START_LOAD = ""


def main(argv: list[str] | None = None) -> int:
    global START_LOAD
    START_LOAD = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    args = parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if args.sqlite:
        database_url = f"sqlite:///{DATA_DIR / 'bench.sqlite3'}"
    else:
        database_url = os.environ.get("BENCH_DATABASE_URL", "")
        if not database_url:
            print(
                "BENCH_DATABASE_URL is not set: run bench/run (it starts PostgreSQL), or pass --sqlite.",
                file=sys.stderr,
            )
            return 3
    env = app_environment(database_url)
    os.environ.update(env)
    # This process only (in-process query counting); gunicorn gets the production defaults.
    os.environ["LOG_LEVEL"] = os.environ["REQUEST_LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    for port in [*args.ports, args.bare_port]:
        if not servers.port_is_free(port):
            print(f"Port {port} is in use; pass --ports A,B.", file=sys.stderr)
            return 3
    started = time.perf_counter()
    running: list[servers.Server] = []
    try:
        return run(args, env, running, started)
    except Exception:
        traceback.print_exc()
        return 3
    finally:
        for server in running:
            server.stop()


def run(args: argparse.Namespace, env: dict[str, str], running: list, started: float) -> int:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from dahguide.guidance.selectors import get_published_version

    pages: dict[str, rpt.PageResult] = {}
    checks: list[rpt.Check] = []
    sections: list[tuple[str, str]] = []

    prepare_database(args.users)
    users = get_user_model().objects
    sets = _answer_sets()

    # Cases first: generating them is the slow part, and the query counts must see them.
    supported, why_not = cases_support()
    case_count, generation_seconds = (0, 0.0)
    if supported:
        case_count, generation_seconds = ensure_cases(args.cases, args.jobs)
    else:
        log(f"case list not measured: {why_not}")

    log(f"engine alone, {args.engine_seconds:g} s")
    engine = _engine(args.engine_seconds)

    log("queries per page (Django test client, in process)")
    fewest = min(sets, key=lambda s: s.size)
    most = max(sets, key=lambda s: s.size)
    variants = {
        f"fewest answers ({fewest.name}, {fewest.size})": fewest,
        f"most answers ({most.name}, {most.size})": most,
    }
    from bench import measure

    counted = measure.count_wizard_queries(users.get(username=SOLO_USER), variants)
    query_variants, cold_plan_queries = counted.variants, counted.cold_plan
    if supported:
        query_variants.update(_case_list_queries(users))
    for counts in query_variants.values():
        for label, count in counts.items():
            row = pages.setdefault(label, rpt.PageResult(label))
            row.queries = max(row.queries or 0, count)

    log("plan page HTML weight over the golden cases (in process)")
    from bench import plan_weight

    weight = plan_weight.measure(users.get(username=SOLO_USER))
    weight_before = plan_weight.before()

    log(f"starting gunicorn A and B on {args.ports}")
    app_env = servers.environment(env)
    for name, port in zip("AB", args.ports, strict=True):
        running.append(servers.start(name, port, app_env, DATA_DIR))
    log(f"starting bare Django on {args.bare_port}")
    running.append(servers.start("bare", args.bare_port, app_env, DATA_DIR, app=servers.BARE))
    a_port = args.ports[0]

    log(f"latency: {args.iterations} iterations × 2 wizards, both floors interleaved")
    latency = measure.measure_latency(a_port, args.bare_port, SOLO_USER, PASSWORD, sets, iterations=args.iterations)
    floor = Summary.of(latency.floor)
    bare = Summary.of(latency.bare)
    for label, values in latency.samples.items():
        row = pages.setdefault(label, rpt.PageResult(label))
        row.latency = Summary.of(values)
        row.bytes = latency.sizes[label]
        row.gated = _is_wizard_page(label)
        row.group = rpt.target_group(label)

    log("bytes: first loads and caching headers")
    from bench import scenario
    from bench.client import Browser

    anonymous = Browser([a_port])
    login_load = measure.first_load(anonymous, "login page", "/accounts/login/")
    anonymous.close()
    solo = Browser([a_port])
    scenario.login(lambda lb, m, p, f, h: solo.request(m, p, form=f, headers=h), SOLO_USER, PASSWORD)
    step_load = measure.first_load(solo, "step 1 (patient)", latency.step1_path)
    loads = [login_load, step_load]

    case_rows: list[str] = []
    case_error = ""
    case_floor_summary = None
    if supported:
        log("case list latency")
        try:
            times, sizes, case_floor = measure.measure_pages(
                a_port, CASE_AUTHOR, PASSWORD, case_list_paths(), samples=max(20, args.iterations)
            )
        except FlowError as exc:  # an error page is a missed target, not a crash of the bench
            case_error = str(exc)
            log(f"case list failed: {exc}")
        else:
            for label, values in times.items():
                row = pages.setdefault(label, rpt.PageResult(label))
                row.latency, row.bytes = Summary.of(values), sizes[label]
            case_rows = list(times)
            case_floor_summary = Summary.of(case_floor)

    log(f"load test: {args.users} physicians × {args.wizards} wizards on A and B, alternating")
    load_users = [LOAD_USER.format(i) for i in range(args.users)]
    load = measure.load_test(
        args.ports, load_users, PASSWORD, sets, wizards_per_user=args.wizards, time_limit=args.load_time_limit
    )

    log("publication reaches every worker of both instances")
    workers = servers.WORKERS
    before = measure.snapshot_versions(args.ports, workers=workers)
    old_version = get_published_version().number
    plan_path = latency.step1_path.replace("step/patient/", "plan/")
    plans_before = measure.plan_versions(solo, args.ports, plan_path)
    call_command("load_guideline", "--force-new-version", stdout=io.StringIO())
    new_version = get_published_version().number
    after = measure.snapshot_versions(args.ports, workers=workers)
    plans_after = measure.plan_versions(solo, args.ports, plan_path)
    solo.close()

    for server in running:
        server.stop()
    running.clear()

    # -- checks ---------------------------------------------------------------------------------
    checks += rpt.bare_checks(list(pages.values()), bare)
    checks.append(rpt.latency_check(list(pages.values()), floor))
    checks.append(
        rpt.Check(
            "no database write on a read",
            "0 GETs write",
            f"{len(counted.get_writes)} of {counted.gets} GET requests wrote"
            + "".join(f"; {label}: {', '.join(sorted(t))}" for label, t in sorted(counted.get_writes.items())),
            rpt.status(not counted.get_writes),
            smoke=True,
        )
    )
    checks.append(rpt.queries_check(list(pages.values()), query_variants))
    worst_load = max(loads, key=lambda fl: fl.total)
    checks.append(
        rpt.bytes_check(
            "first load (HTML + CSS + JS, compressed as served)",
            worst_load.total,
            rpt.MAX_FIRST_LOAD_BYTES,
            f"largest: {worst_load.page}",
        )
    )
    htmx_rows = [p for p in pages.values() if "htmx" in p.label and p.bytes is not None]
    worst_htmx = max(htmx_rows, key=lambda p: p.bytes) if htmx_rows else None
    checks.append(
        rpt.bytes_check(
            "each htmx step response",
            worst_htmx.bytes if worst_htmx else None,
            rpt.MAX_HTMX_STEP_BYTES,
            f"largest: {worst_htmx.label}" if worst_htmx else "",
        )
    )
    grown = weight.grown(weight_before)
    largest_case, largest = weight.largest
    checks.append(
        rpt.Check(
            "plan page HTML, each golden case",
            "not larger than before issue 13 (bench/plan_weight_before.json)",
            f"largest {largest / 1024:.1f} KB ({largest_case}), median {weight.median / 1024:.1f} KB; "
            f"{len(grown)} of {len(weight.pages)} grew",
            rpt.status(not grown),
        )
    )
    checks.append(
        rpt.minimum_check("engine alone, one process", engine.per_second, rpt.MIN_PLANS_PER_SECOND, "plans/s")
    )
    if supported and case_error:
        checks.append(
            rpt.Check(
                f"case list p95 at {case_count:,} cases",
                f"≤ {rpt.MAX_CASE_LIST_P95_MS:g} ms",
                f"failed: {case_error}",
                rpt.MISSED,
                smoke=True,
            )
        )
    elif supported:
        worst_case = max((pages[label] for label in case_rows), key=lambda p: p.latency.p95)
        checks.append(
            rpt.maximum_check(
                f"case list p95 at {case_count:,} cases",
                worst_case.latency.p95,
                rpt.MAX_CASE_LIST_P95_MS,
                "ms",
                worst_case.label,
            )
        )
    else:
        checks.append(
            rpt.maximum_check("case list p95 at 100,000 cases", None, rpt.MAX_CASE_LIST_P95_MS, "ms", why_not)
        )
    load_ok = (
        not load.errors
        and load.wizards_done == load.wizards_planned
        and load.same_instance_pairs == 0
        and load.peak_active == args.users
    )
    checks.append(
        rpt.Check(
            f"{args.users} concurrent physicians on 2 instances",
            "zero errors" + ("" if args.users >= rpt.LOAD_USERS else f" (target is {rpt.LOAD_USERS} users)"),
            f"{len(load.errors)} errors; {load.wizards_done}/{load.wizards_planned} wizards; "
            f"{load.peak_active} physicians working at once; "
            f"{load.requests:,} requests, every one on the other instance than the user's previous request",
            rpt.status(load_ok)
            if args.users >= rpt.LOAD_USERS or not args.full
            else rpt.NOT_MEASURED
            if load_ok
            else rpt.MISSED,
            smoke=True,
        )
    )
    propagation_ok = (
        all(v == {str(old_version)} for pids in before.values() for v in pids.values())
        and all(v == {str(new_version)} for pids in after.values() for v in pids.values())
        and all(len(pids) >= workers for pids in after.values())
        and all(v == new_version for vs in plans_after.values() for v in vs)
    )
    checks.append(
        rpt.Check(
            "a publication reaches every worker of both instances",
            "next request after publish",
            f"version {old_version} → {new_version}: {sum(len(p) for p in after.values())} worker processes, "
            f"plan pages on A and B show version {new_version}",
            rpt.status(propagation_ok),
            smoke=True,
        )
    )
    cache_ok, cache_text = _cache_headers(loads)
    checks.append(
        rpt.Check(
            "hashed static files: compressed, cached for a year",
            "max-age ≥ 31536000, immutable",
            cache_text,
            rpt.status(cache_ok),
            smoke=True,
        )
    )

    # -- report ---------------------------------------------------------------------------------
    ordered = _order(pages)
    total_seconds = time.perf_counter() - started
    command = "bench/run " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    sections += [
        ("How it was measured", _method_text(args, floor, bare, latency, cold_plan_queries)),
        ("First load", _first_load_text(loads)),
        ("Plan page weight", _weight_text(weight, weight_before)),
        ("Queries per page by data variant", _variants_text(query_variants)),
        (
            "Engine alone",
            f"{engine.plans:,} plans (`parse_intake` + `evaluate`, round after round over the "
            f"{engine.intakes} golden-case intakes, one process, one thread) in "
            f"{engine.cpu_seconds:.2f} s "
            f"of CPU = **{engine.per_second:,.0f} plans per CPU-second**; by the wall clock "
            f"{engine.per_wall_second:,.0f} plans/s over {engine.seconds:.2f} s (lower when other "
            "processes share the two cores; the target is judged on CPU time).",
        ),
        (
            "Case list",
            _case_text(
                supported, why_not or case_error, case_count, generation_seconds, case_rows, pages, case_floor_summary
            ),
        ),
        ("Load test", _load_text(load, args)),
        (
            "Publication across processes",
            _propagation_text(before, after, plans_before, plans_after, old_version, new_version),
        ),
        ("Environment", _environment_text(connection, total_seconds)),
    ]
    result = rpt.Report(
        "DAH Guide benchmark", command.strip(), floor, ordered, checks, sections, bare=bare, full=args.full
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.md").write_text(rpt.render_markdown(result), encoding="utf-8")
    rpt.plot_latency([p for p in ordered if p.latency is not None], floor, args.out / "latency.png", bare)
    print(rpt.checks_table(checks))
    log(f"wrote {args.out / 'report.md'} and {args.out / 'latency.png'} in {total_seconds:.0f} s")
    if not args.full:
        log(
            "smoke run (--quick or --sqlite): the exit status judges the flows only; targets are judged on "
            "full runs (bench/run on PostgreSQL)"
        )
    return rpt.exit_code(checks, full=args.full)


# -- helpers ------------------------------------------------------------------------------------


def _answer_sets():
    from bench.scenario import answer_sets

    sets = answer_sets()
    if len(sets) < 2:
        raise RuntimeError("fewer than two answer sets from fixtures/golden_cases.json")
    return sets


def _engine(seconds: float):
    from bench.measure import engine_rate

    return engine_rate(seconds=seconds)


def _is_wizard_page(label: str) -> bool:
    return label[:1].isdigit() or label.startswith(("review", "plan", "new assessment"))


def _case_list_queries(users) -> dict[str, dict[str, int]]:
    """The case list's queries when 10 cases match (an author filter) and when every case does:
    the page must not run more queries for more cases or more rows on the page."""
    from bench.measure import django_client, query_counter

    few = users.get(username=FEW_CASES_USER)
    out: dict[str, dict[str, int]] = {}
    for name, extra in (("case list: 10 cases match", f"author={few.pk}"), ("case list: every case matches", "")):
        send, counts = query_counter(django_client(users.get(username=CASE_AUTHOR)))
        for label, path in case_list_paths():
            joined = f"{path}{'&' if '?' in path else '?'}{extra}" if extra else path
            send(label, "GET", joined, None, None)
            send(label, "GET", joined, None, None)
        out[name] = counts
    return out


def _order(pages: dict[str, rpt.PageResult]) -> list[rpt.PageResult]:
    def key(p: rpt.PageResult):
        label = p.label
        if label.startswith("home"):
            return (0, label)
        if label.startswith("new"):
            return (1, label)
        if label[:1].isdigit():
            return (2, label)
        if label.startswith(("review", "plan GET")):
            return (3, label)
        return (4, label)

    return sorted(pages.values(), key=key)


def _cache_headers(loads) -> tuple[bool, str]:
    """Every asset hashed, served compressed, and cached for at least a year as immutable."""
    assets = [a for load in loads for a in load.assets]
    hashed = [a for a in assets if _is_hashed(a.path)]
    bad_cache = [a.path for a in hashed if _max_age(a.cache_control) < 31_536_000 or "immutable" not in a.cache_control]
    uncompressed = [a.path for a in assets if a.encoding not in {"gzip", "br"}]
    failed = [a.path for a in assets if a.status != 200]
    ok = bool(hashed) and len(hashed) == len(assets) and not bad_cache and not uncompressed and not failed
    text = (
        f"{len(hashed)}/{len(assets)} assets hashed; encodings: "
        + ", ".join(sorted({a.encoding for a in assets}))
        + f"; `Cache-Control: {hashed[0].cache_control if hashed else '–'}`"
    )
    for what, paths in (("not cached for a year", bad_cache), ("uncompressed", uncompressed), ("failed", failed)):
        if paths:
            text += f"; {what}: " + ", ".join(paths)
    return ok, text


def _max_age(cache_control: str) -> int:
    import re

    match = re.search(r"max-age=(\d+)", cache_control)
    return int(match.group(1)) if match else 0


def _is_hashed(path: str) -> bool:
    import re

    return bool(re.search(r"\.[0-9a-f]{12}\.(css|js)$", path))


def _method_text(args, floor: Summary, bare: Summary, latency, cold_plan_queries: int) -> str:
    return f"""
- **Server**: gunicorn (`{" ".join(servers.gunicorn_command(args.ports[0])[1:])}`) with production settings
  (`DAHGUIDE_ENV=production`, a generated `SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1,localhost`,
  `SECURE_SSL_REDIRECT` left at its production default) plus `bench/settings.py`, which only adds the bench-only
  URLs. Database: {"SQLite (quick run)" if args.sqlite else "PostgreSQL 15, database `dahguide_bench`"}.
- **Client**: `bench/client.py` plays the TLS-terminating proxy's part honestly: plain HTTP on loopback with
  `X-Forwarded-Proto: https` and `Host: localhost`, keeps the `Secure` cookies itself, sends `Origin` on POSTs (CSRF
  checked as in production), `Accept-Encoding: gzip, br`, keep-alive, never follows redirects (each is checked).
- **Latency**: one physician, one request at a time, against instance A: {args.iterations} iterations after 3 warm-up
  ones; each completes the wizard twice (plain form posts, then htmx posts) with the next of {len(_answer_sets())}
  answer sets (the golden cases the wizard accepts, plus "all unknown"). Before **every** page request the client
  requests both floors, with the same headers and cookies:
  - **bare Django**, `{BARE_PATH}` on port {args.bare_port}: a third gunicorn (same command, `{servers.BARE}`)
    serving `bench/bare.py`, Django with no app, no middleware and no database, whose view returns "ok".
    p50 {bare.p50:.2f} ms, p95 {bare.p95:.2f} ms over {bare.count} requests. The issue-18 targets are page p95 ÷
    this p95: home ≤ 4×; every wizard step (rows numbered 1–5, "new assessment", "review", "plan-so-far") ≤ 6×;
    the plan page ≤ 10×.
  - **the full-middleware floor**, `/bench/baseline/` on instance A: a view that returns "ok" behind the whole
    middleware stack with the same logged-in session (session read, user, CSP, axes, request log; the session is
    written at most once a minute, see "no database write on a read"). p50 {floor.p50:.2f} ms, p95
    {floor.p95:.2f} ms over {floor.count} requests. Issue 7's target is page p95 ÷ this p95 ≤ 3× for the wizard
    rows and the plan.
  Times are measured by the client (request sent → body read).
- **Queries**: Django's test client in the bench process against the same database, `CaptureQueriesContext` around
  each request of the same flows, snapshot cache warm; the largest count seen per page. In a process whose snapshot
  cache is cold the plan page runs {cold_plan_queries} (one more query, once per process per published version).
- **Bytes**: the response as sent, status line + headers + body; HTML is not compressed by the app (see "First
  load"), static files are served by whitenoise in the compressed form the client accepts.
- **Writes on a read**: the same in-process flows note every INSERT, UPDATE or DELETE a GET runs. Activity is
  recorded in the session at most once a minute (`SESSION_ACTIVITY_INTERVAL`, dahguide/accounts/idle.py); the
  warm-up flow records it, so a counted GET that writes would be a write on every read.
- {latency.reconnects} keep-alive reconnects in the latency run.
"""


def _weight_text(weight, reference: dict[str, int]) -> str:
    shared = [n for n in weight.pages if n in reference]
    before_total, now_total = sum(reference[n] for n in shared), sum(weight.pages[n] for n in shared)
    name, largest = weight.largest
    return (
        f"The wizard's plan page, HTML as sent by the app, for each of the {len(weight.pages)} golden cases the "
        f"wizard accepts (`python -m bench.plan_weight`): largest {largest:,} bytes ({name}), median "
        f"{weight.median:,.0f}. Against the page before issue 13 on the same content ({len(shared)} cases): "
        f"{before_total:,} → {now_total:,} bytes in all ({(now_total / before_total - 1) * 100:+.0f}%), largest "
        f"{max(reference[n] for n in shared):,} → {largest:,}."
    )


def _first_load_text(loads) -> str:
    lines = []
    for load in loads:
        lines += [
            f"**{load.page}**: {load.total / 1024:.1f} KB in all.",
            "",
            "| resource | bytes | encoding | Cache-Control |",
            "|---|---:|---|---|",
            f"| HTML | {load.html_bytes:,} | {load.html_encoding} | (no-store when logged in) |",
        ]
        lines += [f"| `{a.path}` | {a.wire_bytes:,} | {a.encoding} | {a.cache_control} |" for a in load.assets]
        lines.append("")
    lines.append(
        "HTML is served uncompressed by the app (no GZipMiddleware: compressing pages that carry a CSRF "
        "token invites BREACH); a proxy may compress it. Bootstrap's CSS is the largest asset."
    )
    return "\n".join(lines)


def _variants_text(variants: dict[str, dict[str, int]]) -> str:
    names = list(variants)
    labels = sorted({label for counts in variants.values() for label in counts})
    lines = ["| page | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label in labels:
        lines.append(f"| {label} | " + " | ".join(str(variants[n].get(label, "–")) for n in names) + " |")
    return "\n".join(lines)


def _case_text(supported, why_not, case_count, generation_seconds, rows, pages, case_floor) -> str:
    if not supported:
        return f"**Not measured**: {why_not}. No number is reported for the 100 ms target."
    if case_floor is None:
        return f"**Failed**: {why_not}."
    made = f"generated in {generation_seconds:.0f} s" if generation_seconds else "kept from an earlier run"
    text = (
        f"{case_count:,} cases for one author (`generate_demo_cases`; {made}). "
        f"Floor during this run: p95 {case_floor.p95:.1f} ms.\n\n"
    )
    text += "\n".join(
        f"- {label}: p50 {pages[label].latency.p50:.1f} ms, p95 {pages[label].latency.p95:.1f} ms" for label in rows
    )
    return text


def _load_text(load, args) -> str:
    lat = Summary.of(load.latencies) if load.latencies else None
    login = Summary.of(load.login_ms) if load.login_ms else None
    errors = "\n".join(f"  - {e}" for e in list(dict.fromkeys(load.errors))[:15]) or "  - none"
    return f"""
{load.users} simulated physicians, one thread each, log in (login page GET, POST) spread evenly over
{load.ramp_seconds:.0f} s, then all start together and complete the wizard {args.wizards} times each (new → 5 steps
GET+POST → review → see the plan → plan page; plain form posts and htmx posts in turn), no think time.
Consecutive requests of the same physician go to the **other** instance
(round-robin, no stickiness): A on port {args.ports[0]}, B on {args.ports[1]}, both gunicorn with the same settings and
one PostgreSQL database. Sessions live in the database (Django's default backend) and drafts server-side, so a
draft started on one instance continues on the other. Bounded: {args.load_time_limit:.0f} s, 30 s per request.

- physicians working at once (logged in, not yet done), at most: **{load.peak_active}**
- wizards completed: **{load.wizards_done}/{load.wizards_planned}**; requests: {load.requests:,} in {load.seconds:.1f} s
  ({load.requests / load.seconds if load.seconds else 0:.0f} req/s); per instance: {_per_instance(load)}
- consecutive requests of a user on different instances: {load.switches:,};
  on the same instance: {load.same_instance_pairs}
- errors (non-2xx/3xx, a redirect to login mid-flow, an unexpected response, a timeout): **{len(load.errors)}**
{errors}
- latency under load: {f"p50 {lat.p50:.0f} ms, p95 {lat.p95:.0f} ms, max {lat.max:.0f} ms" if lat else "–"};
  login (GET + POST, PBKDF2): {f"p50 {login.p50:.0f} ms, p95 {login.p95:.0f} ms" if login else "–"}
- keep-alive reconnects: {load.reconnects}
"""


def _per_instance(load) -> str:
    """Requests and throughput of each app server over the load test."""
    return "; ".join(
        f"port {port}: {count:,} requests, {count / load.seconds if load.seconds else 0:.1f} req/s"
        for port, count in sorted(load.per_port.items())
    )


def _propagation_text(before, after, plans_before, plans_after, old_version, new_version) -> str:
    def fmt(seen):
        return "; ".join(
            f"port {port}: " + ", ".join(f"pid {pid} → v{'/'.join(sorted(v))}" for pid, v in pids.items())
            for port, pids in seen.items()
        )

    return f"""
After the load test every worker process of both instances has the published snapshot cached. The bench then
publishes the same file as a new version in the shared database (`manage.py load_guideline --force-new-version`,
version {old_version} → {new_version}) and asks each worker again (fresh connections to `/bench/snapshot/`, which
returns the worker's pid and the version of the snapshot it serves through `get_published_snapshot`).

- before: {fmt(before)}
- after: {fmt(after)}
- plan page, version shown, before: {plans_before}; after: {plans_after}

No restart and no shared cache: each request asks the database which version is published (one indexed query) and
the per-process cache is keyed by version id + content hash + publication time.
"""


def _environment_text(connection, total_seconds: float) -> str:
    import django

    cpu = "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    with connection.cursor() as cursor:
        server = connection.vendor
        if connection.vendor == "sqlite":
            server = f"SQLite {connection.Database.sqlite_version}"
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"Load average at the end (1, 5, 15 min): {load}; at the start: {START_LOAD}. "
        f"{os.cpu_count()} cores ({cpu}); Python {platform.python_version()}; Django {django.get_version()}; "
        f"{server}; run date {time.strftime('%Y-%m-%d %H:%M')}; whole run {total_seconds:.0f} s."
    )
