"""The benchmark's report: the page table, the target checks, ``report.md`` and ``latency.png``.

Pure functions over plain data (no Django, no HTTP), so tests/bench can check them quickly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import Summary, ratio

MET, MISSED, NOT_MEASURED = "met", "MISSED", "not measured"
EXIT_OK, EXIT_MISSED, EXIT_NOT_MEASURED = 0, 1, 2

# Issue 7's targets on this machine.
MAX_RATIO_TO_FLOOR = 3.0  # p95 ÷ the full-middleware floor's p95
# Issue 18's: p95 ÷ bare Django's p95 (no middleware, a view returning "ok"), same run.
MAX_RATIO_TO_BARE = {"home": 4.0, "wizard step": 6.0, "plan page": 10.0}
MAX_QUERIES = 10
MAX_FIRST_LOAD_BYTES = 150 * 1024
MAX_HTMX_STEP_BYTES = 15 * 1024
MIN_PLANS_PER_SECOND = 2000
MAX_CASE_LIST_P95_MS = 100.0
LOAD_USERS = 50


@dataclass
class PageResult:
    """One row of the table. ``gated``: the p95 ≤ 3× floor target applies (wizard steps, plan);
    ``group``: the issue-18 target against bare Django that applies (a key of MAX_RATIO_TO_BARE)."""

    label: str
    latency: Summary | None = None
    queries: int | None = None
    bytes: int | None = None
    gated: bool = False
    note: str = ""
    group: str = ""

    @property
    def bare_limit(self) -> float | None:
        return MAX_RATIO_TO_BARE.get(self.group)


def target_group(label: str) -> str:
    """Which ratio-to-bare target a page's label falls under ("" for none: login, case list)."""
    if label.startswith("home"):
        return "home"
    if label.startswith("plan GET"):
        return "plan page"
    if label[:1].isdigit() or label.startswith(("review", "new assessment", "plan-so-far")):
        return "wizard step"
    return ""


@dataclass(frozen=True)
class Check:
    """``smoke``: judged by a quick or SQLite run too (the flows work); every other check is a
    target, judged on a full run only."""

    name: str
    target: str
    measured: str
    status: str
    smoke: bool = False


@dataclass
class Report:
    title: str
    command: str
    floor: Summary | None
    pages: list[PageResult]
    checks: list[Check]
    sections: list[tuple[str, str]] = field(default_factory=list)  # (heading, markdown body)
    preamble: str = ""
    bare: Summary | None = None
    full: bool = True  # a full run: the targets are judged (else a smoke run of the flows)


def exit_code(checks: Iterable[Check], *, full: bool = True) -> int:
    """1 when any target is missed; else 2 when one could not be measured; else 0.

    A smoke run (``full=False``: quick or SQLite) judges its smoke checks only: the flows ran and
    answered as they should. Its timings come from too few samples to judge a target."""
    statuses = {c.status for c in checks if full or c.smoke}
    if MISSED in statuses:
        return EXIT_MISSED
    if NOT_MEASURED in statuses:
        return EXIT_NOT_MEASURED
    return EXIT_OK


def status(ok: bool) -> str:
    return MET if ok else MISSED


# -- checks -------------------------------------------------------------------------------------


def bare_checks(pages: Sequence[PageResult], bare: Summary) -> list[Check]:
    """One check per issue-18 target: the worst page of the group, p95 ÷ bare Django p95."""
    checks = []
    for group, limit in MAX_RATIO_TO_BARE.items():
        rows = [p for p in pages if p.group == group and p.latency is not None]
        name = f"{group}: p95 ≤ {limit:g}× bare Django p95" + (f" ({len(rows)} pages)" if len(rows) > 1 else "")
        if not rows:
            checks.append(Check(name, f"≤ {limit:g}×", "not measured", NOT_MEASURED))
            continue
        worst = max(rows, key=lambda p: p.latency.p95)
        worst_ratio = ratio(worst.latency.p95, bare.p95)
        over = [p.label for p in rows if ratio(p.latency.p95, bare.p95) > limit]
        measured = f"worst {worst_ratio:.2f}× ({worst.label}: {worst.latency.p95:.1f} ms vs bare {bare.p95:.2f} ms)"
        if over:
            measured += "; over: " + ", ".join(over)
        checks.append(Check(name, f"≤ {limit:g}×", measured, status(not over)))
    return checks


def latency_check(pages: Sequence[PageResult], floor: Summary) -> Check:
    gated = [p for p in pages if p.gated and p.latency is not None]
    if not gated:
        return Check("wizard steps and plan: p95 ≤ 3× floor p95", "≤ 3.0×", "no pages measured", NOT_MEASURED)
    worst = max(gated, key=lambda p: ratio(p.latency.p95, floor.p95))
    worst_ratio = ratio(worst.latency.p95, floor.p95)
    over = [p.label for p in gated if ratio(p.latency.p95, floor.p95) > MAX_RATIO_TO_FLOOR]
    measured = f"worst {worst_ratio:.2f}× ({worst.label}: {worst.latency.p95:.1f} ms vs floor {floor.p95:.1f} ms)"
    if over:
        measured += "; over: " + ", ".join(over)
    return Check(
        f"{len(gated)} wizard pages: p95 ≤ {MAX_RATIO_TO_FLOOR:g}× floor p95",
        f"≤ {MAX_RATIO_TO_FLOOR:g}×",
        measured,
        status(not over),
    )


def queries_check(pages: Sequence[PageResult], variants: dict[str, dict[str, int]]) -> Check:
    """≤ 10 queries on every page with a count, and never more queries with more data.

    ``variants`` maps a variant name to page → count, in order of growing data (fewer answers
    then more; fewer matching cases then all). A page may run fewer queries with more data
    (never here) or with none (a list with no match skips fetching rows), never more.
    """
    counted = [p for p in pages if p.queries is not None]
    if not counted:
        return Check("queries per page", f"≤ {MAX_QUERIES}, constant", "not counted", NOT_MEASURED)
    worst = max(counted, key=lambda p: p.queries)
    over = [p.label for p in counted if p.queries > MAX_QUERIES]
    growing = sorted(_growing_pages(variants))
    measured = f"max {worst.queries} ({worst.label})"
    if variants:
        measured += (
            f"; no page runs more queries with more data ({len(variants)} variants)"
            if not growing
            else ("; more queries with more data on: " + ", ".join(growing))
        )
    if over:
        measured += "; over: " + ", ".join(over)
    return Check(
        "queries per page",
        f"≤ {MAX_QUERIES}, constant in content size and case count",
        measured,
        status(not over and not growing),
    )


def _growing_pages(variants: dict[str, dict[str, int]]) -> set[str]:
    ordered = list(variants.values())
    pages = {page for counts in ordered for page in counts}
    growing = set()
    for page in pages:
        counts = [c[page] for c in ordered if page in c]
        if any(later > earlier for earlier, later in zip(counts, counts[1:], strict=False)):
            growing.add(page)
    return growing


def bytes_check(name: str, measured_bytes: int | None, limit: int, detail: str = "") -> Check:
    target = f"≤ {limit / 1024:g} KB"
    if measured_bytes is None:
        return Check(name, target, "not measured", NOT_MEASURED)
    measured = f"{measured_bytes / 1024:.1f} KB" + (f" ({detail})" if detail else "")
    return Check(name, target, measured, status(measured_bytes <= limit))


def minimum_check(name: str, value: float | None, minimum: float, unit: str) -> Check:
    if value is None:
        return Check(name, f"≥ {minimum:,.0f} {unit}", "not measured", NOT_MEASURED)
    return Check(name, f"≥ {minimum:,.0f} {unit}", f"{value:,.0f} {unit}", status(value >= minimum))


def maximum_check(name: str, value: float | None, maximum: float, unit: str, detail: str = "") -> Check:
    if value is None:
        return Check(name, f"≤ {maximum:g} {unit}", "not measured" + (f": {detail}" if detail else ""), NOT_MEASURED)
    return Check(
        name,
        f"≤ {maximum:g} {unit}",
        f"{value:.1f} {unit}" + (f" ({detail})" if detail else ""),
        status(value <= maximum),
    )


# -- rendering ----------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _kb(value: int | None) -> str:
    return "–" if value is None else f"{value / 1024:.1f} KB"


def page_table(pages: Sequence[PageResult], floor: Summary | None, bare: Summary | None = None) -> str:
    lines = [
        "| page | p50 ms | p95 ms | p95 ÷ bare p95 | target | p95 ÷ floor p95 | (p50 ÷ floor p50) | queries | bytes"
        " | |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for p in pages:
        r = r50 = rb = "–"
        if p.latency is not None and floor is not None:
            r = f"{ratio(p.latency.p95, floor.p95):.2f}×"
            r50 = f"({ratio(p.latency.p50, floor.p50):.2f}×)"
        if p.latency is not None and bare is not None:
            rb = f"{ratio(p.latency.p95, bare.p95):.2f}×"
        limit = p.bare_limit
        flag = ""
        over = p.latency is not None and floor is not None and ratio(p.latency.p95, floor.p95) > MAX_RATIO_TO_FLOOR
        if p.gated and over:
            flag = "over 3× floor"
        if limit and p.latency is not None and bare is not None and ratio(p.latency.p95, bare.p95) > limit:
            flag = (flag + "; " if flag else "") + f"over {limit:g}× bare"
        if p.queries is not None and p.queries > MAX_QUERIES:
            flag = (flag + "; " if flag else "") + f"over {MAX_QUERIES} queries"
        if p.note:
            flag = (flag + "; " if flag else "") + p.note
        lines.append(
            f"| {p.label} | {_ms(p.latency.p50 if p.latency else None)} | {_ms(p.latency.p95 if p.latency else None)}"
            f" | {rb} | {f'≤ {limit:g}×' if limit else '–'} | {r} | {r50} | {'–' if p.queries is None else p.queries}"
            f" | {_kb(p.bytes)} | {flag} |"
        )
    return "\n".join(lines)


def checks_table(checks: Sequence[Check]) -> str:
    lines = ["| target | goal | measured | result |", "|---|---|---|---|"]
    lines += [f"| {c.name} | {c.target} | {c.measured} | **{c.status}** |" for c in checks]
    return "\n".join(lines)


def render_markdown(report: Report) -> str:
    code = exit_code(report.checks, full=report.full)
    if report.full:
        verdict = {
            EXIT_OK: "every target met",
            EXIT_MISSED: "a target was MISSED",
            EXIT_NOT_MEASURED: "every measured target met; some not measured",
        }[code]
    else:
        verdict = {
            EXIT_OK: "smoke run: the flows passed",
            EXIT_MISSED: "smoke run: a flow FAILED",
            EXIT_NOT_MEASURED: "smoke run: a flow could not be checked",
        }[code]
        verdict += "; targets are judged on full runs only (`bench/run` on PostgreSQL)"
    parts = [f"# {report.title}", "", f"Command: `{report.command}` — result: **{verdict}** (exit {code}).", ""]
    if report.preamble:
        parts += [report.preamble, ""]
    parts += [
        "## Targets",
        "",
        checks_table(report.checks),
        "",
        "## Pages",
        "",
        page_table(report.pages, report.floor, report.bare),
        "",
        "![latency by page](latency.png)",
        "",
    ]
    for heading, body in report.sections:
        parts += [f"## {heading}", "", body.strip(), ""]
    return "\n".join(parts)


def plot_latency(pages: Sequence[PageResult], floor: Summary | None, path: Path, bare: Summary | None = None) -> None:
    """Horizontal bars of p50 and p95 per page; both floors as lines, each page's target (its
    ratio × bare Django's p95) as a mark on its row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [p for p in pages if p.latency is not None]
    labels = [p.label for p in rows][::-1]
    p50 = [p.latency.p50 for p in rows][::-1]
    p95 = [p.latency.p95 for p in rows][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(rows) + 1.6))
    positions = range(len(rows))
    ax.barh([y + 0.2 for y in positions], p95, height=0.4, label="p95", color="#c0504d")
    ax.barh([y - 0.2 for y in positions], p50, height=0.4, label="p50", color="#4f81bd")
    if bare is not None:
        ax.axvline(bare.p95, color="#2e7d32", linestyle="-", linewidth=1, label=f"bare Django p95 {bare.p95:.2f} ms")
        marks = [(y, p.bare_limit * bare.p95) for y, p in zip(positions, rows[::-1], strict=True) if p.bare_limit]
        if marks:
            ax.scatter(
                [x for _, x in marks],
                [y for y, _ in marks],
                marker="|",
                s=260,
                color="#9b2335",
                zorder=3,
                label="target: 4×/6×/10× bare p95 (home/step/plan)",
            )
    if floor is not None:
        ax.axvline(
            floor.p95, color="black", linestyle="--", linewidth=1, label=f"full-middleware floor p95 {floor.p95:.1f} ms"
        )
    if any(label.startswith("case list") for label in labels):
        ax.axvline(
            MAX_CASE_LIST_P95_MS,
            color="#6a3d9a",
            linestyle="-.",
            linewidth=1,
            label=f"case list target: p95 {MAX_CASE_LIST_P95_MS:g} ms",
        )
    ax.set_yticks(list(positions), labels, fontsize=8)
    ax.set_xlabel("server latency, ms (one client, loopback)")
    ax.set_title("DAH Guide: latency by page under gunicorn, production settings")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
