"""The measurements. Each is bounded in count and in time and talks to loopback only."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import Any

from bench import scenario
from bench.client import Browser, Response, redirect_path
from bench.paths import BARE_PATH, BASELINE_PATH, SNAPSHOT_PATH
from bench.scenario import AnswerSet, FlowError

# -- engine alone -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineResult:
    plans: int
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: what the engine costs, whatever else runs
    intakes: int

    @property
    def per_second(self) -> float:
        """Plans per CPU-second of this (single-threaded) process."""
        return self.plans / self.cpu_seconds

    @property
    def per_wall_second(self) -> float:
        return self.plans / self.seconds


def engine_rate(*, seconds: float = 5.0, max_plans: int = 2_000_000) -> EngineResult:
    """parse_intake + evaluate over every golden-case intake, round after round, in this process."""
    from dahguide.engine.intake import parse_intake
    from dahguide.engine.plan import evaluate
    from dahguide.guidance.selectors import get_published_snapshot

    snapshot = get_published_snapshot()
    if snapshot is None:
        raise RuntimeError("no published guideline")
    intakes = [case["intake"] for case in json.loads(scenario.GOLDEN_CASES.read_text(encoding="utf-8"))]
    for intake in intakes:  # warm-up round
        evaluate(parse_intake(intake), snapshot)
    plans = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while plans < max_plans and time.perf_counter() - started < seconds:
        for intake in intakes:
            evaluate(parse_intake(intake), snapshot)
        plans += len(intakes)
    return EngineResult(plans, time.perf_counter() - started, time.process_time() - cpu_started, len(intakes))


# -- queries per page (in process, Django's test client) ----------------------------------------


class _DjangoReply:
    def __init__(self, response) -> None:
        self.status = response.status_code
        self._response = response

    def header(self, name: str) -> str | None:
        return self._response.headers.get(name)

    @property
    def location_path(self) -> str:
        return redirect_path(self.header("Location") or self.header("HX-Redirect") or "")

    @property
    def text(self) -> str:
        return self._response.content.decode("utf-8", "replace")


def django_client(user):
    """Django's test client against the bench database, as the proxy would send requests."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    return client


def written_table(sql: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes to; None for any other statement."""
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    if head not in {"INSERT", "UPDATE", "DELETE"}:
        return None
    match = re.search(r'\b(?:INTO|UPDATE|FROM)\s+"?(\w+)"?', sql, re.I)
    return match.group(1) if match else "?"


def query_counter(client, writes: dict[str, set[str]] | None = None) -> tuple[Callable, dict[str, int]]:
    """A ``send`` for scenario flows that records the queries of each page (the maximum seen),
    and in ``writes`` the tables any GET wrote to (label -> tables)."""
    from urllib.parse import urlencode

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts: dict[str, int] = {}

    def send(label, method, path, form, headers):
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path, headers=headers or {})
            else:
                response = client.post(
                    path,
                    data=urlencode(list(form or ()), doseq=True),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers or {},
                )
        counts[label] = max(counts.get(label, 0), len(captured))
        if writes is not None and method == "GET":
            tables = {t for q in captured.captured_queries if (t := written_table(q["sql"]))}
            if tables:
                writes.setdefault(label, set()).update(tables)
        return _DjangoReply(response)

    return send, counts


@dataclass
class QueryCounts:
    variants: dict[str, dict[str, int]]  # variant -> page -> queries
    cold_plan: int  # the plan page in a process whose snapshot cache is cold
    get_writes: dict[str, set[str]]  # GET page -> tables written (none expected: a read writes nothing)
    gets: int  # GET requests counted


def count_wizard_queries(user, variants: Mapping[str, AnswerSet]) -> QueryCounts:
    """Queries per page for each answer variant (warm snapshot cache), the plan page's count
    in a process whose snapshot cache is cold, and any table a GET wrote to.

    The warm-up flows record the session's activity (at most once a minute, see
    dahguide/accounts/idle.py) and any lab unit chosen; the counted flows follow within seconds,
    so a GET that still writes is a write on every read."""
    from dahguide.guidance.selectors import clear_snapshot_cache

    client = django_client(user)
    warm_send, _ = query_counter(client)
    scenario.wizard_flow(warm_send, next(iter(variants.values())).answers)  # warm the cache
    result: dict[str, dict[str, int]] = {}
    writes: dict[str, set[str]] = {}
    gets = 0
    pk = ""
    for name, answer_set in variants.items():
        # Warm with these answers too: a lab unit chosen for the first time is remembered in the
        # session once (a write on that POST only), which is not a query per page.
        scenario.wizard_flow(warm_send, answer_set.answers)
        send, counts = query_counter(client, writes)

        def counting(label, method, path, form, headers, send=send):
            nonlocal gets
            gets += method == "GET"
            return send(label, method, path, form, headers)

        counting("home GET", "GET", "/", None, None)
        pk = scenario.wizard_flow(counting, answer_set.answers, preview=True)
        scenario.wizard_flow(counting, answer_set.answers, htmx=True)
        result[name] = counts
    clear_snapshot_cache()
    cold_send, cold = query_counter(client)
    cold_send("plan GET", "GET", f"/assessments/{pk}/plan/", None, None)
    return QueryCounts(result, cold["plan GET"], writes, gets)


# -- latency against one instance, with the floor interleaved ------------------------------------


@dataclass
class LatencyResult:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    sizes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    floor: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)  # bare Django (bench/bare.py), before every page too
    flows: int = 0
    reconnects: int = 0
    step1_path: str = ""


def measure_latency(
    port: int,
    bare_port: int,
    username: str,
    password: str,
    sets: Sequence[AnswerSet],
    *,
    iterations: int,
    warmup: int = 3,
    time_limit: float = 300.0,
) -> LatencyResult:
    """One physician, one request at a time: before every page request, both floors: bare
    Django on ``bare_port`` (same headers and cookies) and the app's do-nothing view.

    Each iteration completes the wizard twice (plain form posts, then htmx posts) with the next
    answer set, plus the home page. The first ``warmup`` iterations are not recorded.
    """
    browser = Browser([port])
    bare = Browser([bare_port])
    bare.cookies = browser.cookies  # the same request as the page's, to a Django that ignores it
    result = LatencyResult()
    recording = False
    deadline = time.monotonic() + time_limit

    def send(label, method, path, form, headers):
        if time.monotonic() > deadline:
            raise FlowError(f"latency run exceeded its {time_limit:.0f} s bound")
        lowest = bare.get(BARE_PATH)
        if lowest.status != 200:
            raise FlowError(f"bare Django: HTTP {lowest.status}")
        floor = browser.get(BASELINE_PATH)
        if floor.status != 200:
            raise FlowError(f"floor view: HTTP {floor.status}")
        reply = browser.request(method, path, form=form, headers=headers)
        if recording:
            result.bare.append(lowest.elapsed_ms)
            result.floor.append(floor.elapsed_ms)
            result.samples[label].append(reply.elapsed_ms)
            result.sizes[label] = max(result.sizes[label], reply.wire_bytes)
        if label == "1 patient GET":
            result.step1_path = path
        return reply

    try:
        scenario.login(
            lambda label, method, path, form, headers: browser.request(method, path, form=form, headers=headers),
            username,
            password,
        )
        for i in range(warmup + iterations):
            recording = i >= warmup
            answers = sets[i % len(sets)].answers
            home = send("home GET", "GET", "/", None, None)
            if home.status != 200:
                raise FlowError(f"home GET: HTTP {home.status}")
            scenario.wizard_flow(send, answers, preview=True)
            scenario.wizard_flow(send, answers, htmx=True)
            result.flows += 2 if recording else 0
    finally:
        result.reconnects = browser.reconnects + bare.reconnects
        browser.close()
        bare.close()
    return result


PageTimes = tuple[dict[str, list[float]], dict[str, int], list[float]]


def measure_pages(
    port: int,
    username: str,
    password: str,
    pages: Sequence[tuple[str, str]],
    *,
    samples: int,
    time_limit: float = 120.0,
) -> PageTimes:
    """Plain GETs of ``(label, path)`` pages, the floor before each; for the case list."""
    browser = Browser([port])
    times: dict[str, list[float]] = defaultdict(list)
    sizes: dict[str, int] = defaultdict(int)
    floor: list[float] = []
    deadline = time.monotonic() + time_limit
    try:
        scenario.login(
            lambda label, method, path, form, headers: browser.request(method, path, form=form, headers=headers),
            username,
            password,
        )
        for i in range(samples + 2):
            for label, path in pages:
                if time.monotonic() > deadline:
                    raise FlowError(f"page run exceeded its {time_limit:.0f} s bound")
                base = browser.get(BASELINE_PATH)
                reply = browser.get(path)
                if reply.status != 200:
                    raise FlowError(f"{label}: HTTP {reply.status} {reply.location_path}")
                if i >= 2:
                    floor.append(base.elapsed_ms)
                    times[label].append(reply.elapsed_ms)
                    sizes[label] = max(sizes[label], reply.wire_bytes)
    finally:
        browser.close()
    return times, sizes, floor


# -- bytes: first load and caching headers -------------------------------------------------------

_ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]*href|script[^>]+src)="(?P<url>[^"]+)"')


@dataclass
class Asset:
    path: str
    status: int
    wire_bytes: int
    encoding: str
    cache_control: str


@dataclass
class FirstLoad:
    page: str
    html_bytes: int
    html_encoding: str
    assets: list[Asset]

    @property
    def total(self) -> int:
        return self.html_bytes + sum(a.wire_bytes for a in self.assets)


def first_load(browser: Browser, label: str, path: str) -> FirstLoad:
    """The page and every stylesheet and script it references, with an empty browser cache."""
    page = browser.get(path)
    if page.status != 200:
        raise FlowError(f"{label}: HTTP {page.status}")
    assets = []
    for url in dict.fromkeys(m.group("url") for m in _ASSET.finditer(page.text)):
        reply: Response = browser.get(url, cookies=False)
        assets.append(
            Asset(
                url,
                reply.status,
                reply.wire_bytes,
                reply.header("Content-Encoding") or "identity",
                reply.header("Cache-Control") or "",
            )
        )
    return FirstLoad(label, page.wire_bytes, page.header("Content-Encoding") or "identity", assets)


# -- load test: two instances, alternating ------------------------------------------------------


@dataclass
class LoadResult:
    users: int
    wizards_planned: int
    wizards_done: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    per_port: Counter = field(default_factory=Counter)
    switches: int = 0
    same_instance_pairs: int = 0
    reconnects: int = 0
    seconds: float = 0.0
    login_ms: list[float] = field(default_factory=list)
    ramp_seconds: float = 0.0
    active: int = 0
    peak_active: int = 0  # physicians logged in and not yet done, at most at once


def load_test(
    ports: Sequence[int],
    users: Sequence[str],
    password: str,
    sets: Sequence[AnswerSet],
    *,
    wizards_per_user: int,
    time_limit: float,
    ramp_seconds: float = 20.0,
) -> LoadResult:
    """Every user in its own thread: log in, then complete the wizard ``wizards_per_user`` times
    (plain and htmx posts in turn), each request to the other instance than the one before.

    Users log in evenly over ``ramp_seconds`` (a ward's physicians do not all log in within the
    same second, and each login costs about half a second of CPU for PBKDF2), then all start
    their wizards together, so every one of them is working at once (``peak_active`` says so).

    An error is any exception, any status outside 2xx/3xx, any redirect to the login page or
    any response the flow did not expect. A flow with an error is abandoned and counted.
    """
    result = LoadResult(len(users), len(users) * wizards_per_user, ramp_seconds=ramp_seconds)
    lock = threading.Lock()
    start = threading.Barrier(len(users))
    wizards_start = threading.Barrier(len(users))
    deadline = time.monotonic() + time_limit

    def physician(index: int, username: str) -> None:
        browser = Browser(ports)
        last_port: list[int] = []
        mine: list[float] = []
        errors: list[str] = []
        done = 0

        def send(label, method, path, form, headers):
            if time.monotonic() > deadline:
                raise FlowError(f"not finished within the {time_limit:.0f} s bound")
            try:
                reply = browser.request(method, path, form=form, headers=headers)
            except (OSError, HTTPException) as exc:
                last_port.clear()  # the failed request's instance is unknown: do not count the next pair
                raise FlowError(f"{label}: {type(exc).__name__}: {exc}") from exc
            with lock:
                result.requests += 1
                result.per_port[reply.port] += 1
                if last_port:
                    if last_port[-1] != reply.port:
                        result.switches += 1
                    else:
                        result.same_instance_pairs += 1
            last_port[:] = [reply.port]
            mine.append(reply.elapsed_ms)
            if not 200 <= reply.status < 400:
                raise FlowError(f"{label}: HTTP {reply.status}")
            return reply

        logged_in = False
        login_ms = None
        try:
            start.wait(timeout=60)
            time.sleep(ramp_seconds * index / len(users))
            t0 = time.perf_counter()
            try:
                scenario.login(send, username, password)
                login_ms = (time.perf_counter() - t0) * 1000
            finally:
                wizards_start.wait(timeout=max(1.0, deadline - time.monotonic()))
            logged_in = True
            with lock:
                result.active += 1
                result.peak_active = max(result.peak_active, result.active)
            for k in range(wizards_per_user):
                answers = sets[(index + k) % len(sets)].answers
                try:
                    scenario.wizard_flow(send, answers, htmx=bool(k % 2))
                    done += 1
                except FlowError as exc:
                    errors.append(str(exc))
                    if "bound" in str(exc):
                        break
        except FlowError as exc:
            errors.append(f"login: {exc}")
        except threading.BrokenBarrierError:
            errors.append("start barrier broken (a physician did not start in time)")
        finally:
            browser.close()
        with lock:
            result.active -= 1 if logged_in else 0
            result.wizards_done += done
            result.errors.extend(errors)
            result.latencies.extend(mine)
            result.reconnects += browser.reconnects
            if login_ms is not None:
                result.login_ms.append(login_ms)

    threads = [threading.Thread(target=physician, args=(i, name), daemon=True) for i, name in enumerate(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic() + 35))
    result.seconds = time.perf_counter() - started
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        result.errors.append(f"{stuck} simulated physicians still running after the time bound")
    return result


# -- publication reaches every worker of every instance -----------------------------------------


def snapshot_versions(ports: Sequence[int], *, workers: int, max_tries: int = 60) -> dict[int, dict[str, set[str]]]:
    """Per instance: worker pid → guideline versions it served, from fresh connections until
    every worker answered (bounded by ``max_tries`` per instance)."""
    seen: dict[int, dict[str, set[str]]] = {}
    for port in ports:
        pids: dict[str, set[str]] = defaultdict(set)
        for attempt in range(max_tries):
            browser = Browser([port])
            reply = browser.get(SNAPSHOT_PATH, headers={"Connection": "close"}, cookies=False)
            browser.close()
            if reply.status != 200:
                raise FlowError(f"snapshot view: HTTP {reply.status}")
            pid, version = reply.text.split()
            pids[pid].add(version)
            if len(pids) >= workers and attempt + 1 >= 4 * workers:
                break
        seen[port] = dict(pids)
    return seen


def plan_versions(browser: Browser, ports: Sequence[int], plan_path: str, rounds: int = 4) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for port in ports:
        out[port] = [scenario.plan_version(browser.get(plan_path, port=port).text) for _ in range(rounds)]
    return out
