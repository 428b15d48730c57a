"""The plan's presentation: display objects built from the engine's plan document.

The page reads the same document the API returns (``Plan.to_dict()``, CONTRACT), evaluated now or
stored with a saved case, so a screen and the JSON cannot disagree. Nothing here decides anything
clinical: it orders, groups and words what the engine decided, as new objects (the document is
never edited in place), answer first:

1. the decision strip: the plasma-exchange decision and its four criteria as chips, the critical
   alerts, this patient's first actions with their doses by timing (now, next 24 hours, then),
   and the actions withheld for this patient where they would have come first;
2. one layer down: each recommendation as one line with its strength, and one disclosure for why
   it applies, its caveats, doses with their calculation, where guidelines differ and the sources;
   cautions folded by what they are about; missing answers once, linked to their questions;
3. the appendix: every source's full reference once.

Keys added to the plan document by later engine versions (``kind``, ``timing``, ``caveats``,
``doses``, ``withheld``) are read with defaults, so a plan saved before them still shows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format

from dahguide.engine.content import Snapshot
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.engine.intake import FIELDS, IntakeResult
from dahguide.engine.vocabulary import SECTIONS
from dahguide.plans import labels, wording

StepUrl = Callable[[str], str]
CRITICAL = "critical"


# -- Small parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marker:
    """The verification letter beside an item (none for primary sources), explained in the legend."""

    code: str
    letter: str
    meaning: str


def marker(verification: str | None) -> Marker | None:
    found = labels.VERIFICATION_MARKERS.get(verification or "primary")
    return Marker(verification or "", *found) if found else None


@dataclass(frozen=True)
class Source:
    label: str
    url: str  # only http(s): content cannot smuggle ``javascript:`` into an href
    reference: str
    marker: Marker | None
    number: int  # its place in the references appendix


@dataclass(frozen=True)
class MissingAnswer:
    name: str
    label: str
    url: str  # "" where the plan has no wizard steps (a saved case)


class _Sources:
    """The references appendix, built while the items are: each source once, numbered."""

    def __init__(self) -> None:
        self.by_label: dict[tuple[str, str], Source] = {}

    def of(self, citations: Iterable[Mapping[str, Any]]) -> tuple[Source, ...]:
        out = []
        for c in citations or ():
            key = (c.get("label", ""), c.get("reference", ""))
            source = self.by_label.get(key)
            if source is None:
                url = c.get("url", "") or ""
                source = Source(
                    label=key[0],
                    url=url if url.lower().startswith(("https://", "http://")) else "",
                    reference=key[1],
                    marker=marker(c.get("verification")),
                    number=len(self.by_label) + 1,
                )
                self.by_label[key] = source
            out.append(source)
        return tuple(out)

    @property
    def all(self) -> tuple[Source, ...]:
        return tuple(self.by_label.values())


def _date_display(value: str) -> str:
    """An ISO date or date-time from content as "25 November 2026" (the raw text if unparsable)."""
    if not value:
        return ""
    try:
        parsed: date = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return value
    if isinstance(parsed, datetime):
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return date_format(parsed, "j F Y")


def _missing(name: str, step_url: StepUrl | None) -> MissingAnswer:
    spec = FIELDS.get(name)
    url = f"{step_url(spec.step)}?return_to=review#q-{name}" if spec is not None and step_url else ""
    return MissingAnswer(name, spec.label if spec else labels.label_for({}, name), url)


# -- The plasma-exchange decision ----------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    code: str
    chip: str  # the short label of the chip
    label: str  # the content's full label
    status: str
    status_label: str
    symbol: str
    observed: str
    threshold: str
    explanation: str


@dataclass(frozen=True)
class Position:
    source: str
    position: str
    strength: str
    marker: Marker | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Decision:
    code: str
    label: str
    text: str
    why: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    sources: tuple[Source, ...]
    positions: tuple[Position, ...]


def _criterion(c: Mapping[str, Any], inputs: Mapping[str, Any]) -> Criterion:
    code, status = c["code"], c["status"]
    observed, threshold = c.get("observed") or "", c.get("threshold") or ""
    if code == "creatinine_over_3_4_mg_dl":
        shown, threshold = wording.creatinine_criterion(threshold, dict(inputs))
        observed = shown if inputs.get("creatinine_value") is not None and status != "not_applicable" else observed
        limit = wording.creatinine_threshold_mg_dl(c.get("threshold") or "")
        chip = f"Creatinine above {limit:f} mg/dL" if limit is not None else labels.CRITERION_LABELS[code]
    else:
        chip = labels.label_for(labels.CRITERION_LABELS, code)
    if code == "dah_with_hypoxemia":
        threshold = wording.hypoxemia_threshold(threshold)
    if code == "dialysis_or_rapidly_rising_creatinine" and status != "not_applicable":
        observed = wording.dialysis_observed(dict(inputs), observed)
    if status == "not_applicable":
        explanation = labels.NOT_EVALUATED if inputs.get("active_dah") is False else labels.CHRONIC_DIALYSIS
    else:
        explanation = labels.CRITERION_EXPLANATIONS.get((code, status), c.get("explanation", ""))
    return Criterion(
        code=code,
        chip=chip,
        label=c.get("label") or chip,
        status=status,
        status_label=labels.label_for(labels.STATUS_LABELS, status),
        symbol=labels.STATUS_SYMBOLS.get(status, ""),
        observed=observed or "not recorded",
        threshold=threshold,
        explanation=explanation,
    )


def _positions(items: Iterable[Mapping[str, Any]], sources: _Sources) -> tuple[Position, ...]:
    return tuple(
        Position(
            d.get("source", ""),
            d.get("position", ""),
            d.get("strength", ""),
            marker(d.get("verification")),
            sources.of(d.get("citations", ())),
        )
        for d in items or ()
    )


def _decision(doc: Mapping[str, Any], sources: _Sources) -> Decision:
    plex = doc["plasma_exchange"]
    inputs = doc.get("inputs") or {}
    return Decision(
        code=plex["decision"],
        label=labels.label_for(labels.DECISION_LABELS, plex["decision"]),
        text=plex.get("text", ""),
        why=tuple(plex.get("why", ())),
        criteria=tuple(_criterion(c, inputs) for c in plex["criteria"]),
        sources=sources.of(plex.get("citations", ())),
        positions=_positions(plex.get("disagreements", ()), sources),
    )


# -- Warnings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    code: str
    severity: str
    severity_label: str
    text: str
    detail: str
    why: tuple[str, ...]
    marker: Marker | None
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class CautionGroup:
    title: str
    alerts: tuple[Alert, ...]


def _alert(w: Mapping[str, Any], sources: _Sources) -> Alert:
    return Alert(
        code=w["code"],
        severity=w["severity"],
        severity_label=labels.label_for(labels.SEVERITY_LABELS, w["severity"]),
        text=w.get("text", ""),
        detail=wording.without_internal_references(w.get("detail", "")),
        why=tuple(w.get("why", ())),
        marker=marker(w.get("verification")),
        sources=sources.of(w.get("citations", ())),
    )


def _caution_groups(alerts: Iterable[tuple[Mapping[str, Any], Alert]]) -> tuple[CautionGroup, ...]:
    """Non-critical warnings folded by subject (labels.CAUTION_GROUPS), data checks last."""
    groups: dict[str, list[Alert]] = {}
    for raw, alert in alerts:
        if raw.get("kind") == "data_quality":
            title = labels.DATA_CHECKS
        else:
            title = labels.CAUTION_GROUPS.get(alert.code, labels.OTHER_CAUTIONS)
        groups.setdefault(title, []).append(alert)
    ordered = sorted(groups, key=lambda t: (t == labels.DATA_CHECKS, t == labels.OTHER_CAUTIONS))
    return tuple(CautionGroup(t, tuple(groups[t])) for t in ordered)


# -- Recommendations, doses, withheld actions ----------------------------------------------------


@dataclass(frozen=True)
class DoseLine:
    drug: str
    amount: str  # "750 mg"; "" when an input is missing
    per: str
    population: str  # "adults" / "under 18" when both are shown (age unknown), else ""
    missing: tuple[MissingAnswer, ...]
    calculation: str
    adjustments: tuple[str, ...]
    sources_differ: bool
    note: str
    source: str
    marker: Marker | None


@dataclass(frozen=True)
class Waiting:
    """Doses of one action waiting for the same answers: "weight needed: Cyclophosphamide, Prednisolone"."""

    missing: tuple[MissingAnswer, ...]
    drugs: tuple[str, ...]
    population: str = ""  # "adults" / "under 18" when both are shown (age unknown)


@dataclass(frozen=True)
class Caveat:
    modifier: str
    text: str
    pending: bool
    marker: Marker | None


@dataclass(frozen=True)
class Recommendation:
    code: str
    title: str
    section: str
    kind: str  # action / statement
    timing: str
    strength: str
    graded: bool
    marker: Marker | None
    text: str  # markdown (rendered by the plan_tags ``markdown`` filter)
    why: tuple[str, ...]
    caveats: tuple[Caveat, ...]
    doses: tuple[DoseLine, ...]
    positions: tuple[Position, ...]
    sources: tuple[Source, ...]
    reviewed: str
    changed: str = ""  # the change note, when the current version changed it recently (``changed_marks``)

    @property
    def dosed(self) -> bool:
        return any(d.amount for d in self.doses)

    @property
    def ready_doses(self) -> tuple[DoseLine, ...]:
        """The doses the strip shows in full: those not waiting for an answer."""
        return tuple(d for d in self.doses if d.amount or not d.missing)

    @property
    def waiting(self) -> tuple[Waiting, ...]:
        """The other doses, one line per set of answers they wait for (the strip stays short)."""
        groups: dict[tuple[str, ...], list[DoseLine]] = {}
        for d in self.doses:
            if not d.amount and d.missing:
                groups.setdefault((d.population, *(m.name for m in d.missing)), []).append(d)
        return tuple(
            Waiting(lines[0].missing, tuple(dict.fromkeys(line.drug for line in lines)), lines[0].population)
            for lines in groups.values()
        )


@dataclass(frozen=True)
class Withheld:
    code: str
    title: str
    timing: str
    why_not: tuple[str, ...]
    modifiers: tuple[str, ...]
    marker: Marker | None
    sources: tuple[Source, ...]

    @property
    def first_line(self) -> bool:
        """Would have been a first action (now or within 24 hours): shown in the strip."""
        return self.timing in {"now", "next_24_hours"}


@dataclass(frozen=True)
class TimingGroup:
    code: str
    label: str
    actions: tuple[Recommendation, ...]


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    recommendations: tuple[Recommendation, ...]


def _dose(d: Mapping[str, Any], step_url: StepUrl | None, show_population: bool) -> DoseLine:
    amount = d.get("amount")
    return DoseLine(
        drug=d.get("drug", ""),
        amount=f"{amount} {d.get('unit', '')}".strip() if amount not in (None, "") else "",
        per=d.get("per", ""),
        population=labels.POPULATION_LABELS.get(d.get("population", ""), "") if show_population else "",
        missing=tuple(_missing(name, step_url) for name in d.get("missing", ())),
        calculation=d.get("calculation", ""),
        adjustments=tuple(d.get("adjustments", ())),
        sources_differ=bool(d.get("sources_differ")),
        note=d.get("note", ""),
        source=d.get("source", ""),
        marker=marker(d.get("verification")),
    )


def _kind_and_timing(r: Mapping[str, Any]) -> tuple[str, str]:
    if "kind" in r:
        return r["kind"], r.get("timing", "") if r["kind"] == "action" else ""
    # A plan saved before kind and timing existed: its actions by section (labels.SECTION_TIMING).
    if r["section"] in labels.STATEMENT_SECTIONS or r["section"] not in labels.SECTION_TIMING:
        return "statement", ""
    return "action", labels.SECTION_TIMING[r["section"]]


def changed_marks(snapshot: Snapshot) -> Mapping[str, str]:
    """The change notes of the recommendations changed by the guideline version a plan was made
    under (its snapshot), while that version was published less than ``DAHGUIDE_CHANGED_MARK_DAYS``
    days ago (one query per process and version: the notes are frozen with the version)."""
    from django.conf import settings

    from dahguide.guidance.selectors import recently_changed

    return recently_changed(snapshot, days=settings.DAHGUIDE_CHANGED_MARK_DAYS)


def _recommendation(
    r: Mapping[str, Any], sources: _Sources, step_url: StepUrl | None, changed: Mapping[str, str]
) -> Recommendation:
    kind, timing = _kind_and_timing(r)
    doses = r.get("doses") or ()
    populations = {d.get("population") for d in doses}
    show_population = {"adult", "paediatric"} <= populations
    strength = r.get("strength", "") or ""
    return Recommendation(
        code=r["code"],
        title=r.get("title", ""),
        section=labels.LISTED_UNDER.get(r["code"], r["section"]),
        kind=kind,
        timing=timing,
        strength=strength,
        graded=labels.is_graded(strength),
        marker=marker(r.get("verification")),
        text=r.get("text", "") or "",
        why=tuple(r.get("why", ())),
        caveats=tuple(
            Caveat(
                labels.label_for(labels.MODIFIER_LABELS, c.get("modifier", "")),
                c.get("text", ""),
                bool(c.get("pending")),
                marker(c.get("verification")),
            )
            for c in r.get("caveats", ())
        ),
        doses=tuple(_dose(d, step_url, show_population) for d in doses),
        positions=_positions(r.get("disagreements", ()), sources),
        sources=sources.of(r.get("citations", ())),
        reviewed=_date_display(r.get("last_reviewed", "")),
        changed=changed.get(r["code"], ""),
    )


def _withheld(w: Mapping[str, Any], sources: _Sources) -> Withheld:
    return Withheld(
        code=w["code"],
        title=w.get("title", ""),
        timing=w.get("timing", ""),
        why_not=tuple(w.get("why_not", ())),
        modifiers=tuple(labels.label_for(labels.MODIFIER_LABELS, m) for m in w.get("modifiers", ())),
        marker=marker(w.get("verification")),
        sources=sources.of(w.get("citations", ())),
    )


def _timing_groups(recommendations: Iterable[Recommendation]) -> tuple[TimingGroup, ...]:
    actions = [r for r in recommendations if r.kind == "action"]
    groups = []
    for code, label in labels.TIMING_LABELS.items():
        members = tuple(r for r in actions if r.timing == code)
        if members:
            groups.append(TimingGroup(code, label, members))
    later = tuple(r for r in actions if r.timing not in labels.TIMING_LABELS)
    if later:
        groups.append(TimingGroup("", "Also", later))
    return tuple(groups)


def _sections(recommendations: Iterable[Recommendation], *, monitoring: bool) -> tuple[Section, ...]:
    """Sections in CONTRACT order, only those with something in them (never "nothing applies").

    The plasma-exchange section always shows (its check is part of every plan); monitoring shows
    when the plan has checklist items.
    """
    by_section: dict[str, list[Recommendation]] = {"plasma_exchange": []}
    if monitoring:
        by_section["monitoring"] = []
    for r in recommendations:
        by_section.setdefault(r.section, []).append(r)
    order = [*SECTIONS, *(s for s in by_section if s not in SECTIONS)]
    return tuple(
        Section(code, labels.label_for(labels.SECTION_TITLES, code), tuple(by_section[code]))
        for code in order
        if code in by_section
    )


# -- Monitoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitoringItem:
    code: str
    text: str
    why: tuple[str, ...]
    marker: Marker | None
    sources: tuple[Source, ...]
    state: Any = None  # a saved case's checklist state (cases), None on a fresh plan
    due: bool = False


# -- The whole plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guideline:
    version: str
    title: str
    published: str
    content_hash: str


@dataclass(frozen=True)
class PlanView:
    guideline: Guideline
    disclaimer: str
    decision: Decision
    alerts: tuple[Alert, ...]  # critical: in the strip
    cautions: tuple[CautionGroup, ...]
    first_actions: tuple[TimingGroup, ...]
    withheld: tuple[Withheld, ...]
    sections: tuple[Section, ...]
    monitoring: tuple[MonitoringItem, ...]
    missing: tuple[MissingAnswer, ...]
    references: tuple[Source, ...]
    markers: tuple[Marker, ...] = field(default=())  # the verification letters used: the legend

    @property
    def withheld_in_strip(self) -> tuple[Withheld, ...]:
        return tuple(w for w in self.withheld if w.first_line)

    @property
    def withheld_below(self) -> tuple[Withheld, ...]:
        return tuple(w for w in self.withheld if not w.first_line)

    @property
    def recommendation_count(self) -> int:
        return sum(len(s.recommendations) for s in self.sections)


def plan_view(
    doc: Mapping[str, Any],
    *,
    title: str = "",
    step_url: StepUrl | None = None,
    checklist: Mapping[str, Any] | None = None,
    due: Collection[str] = (),
    changed: Mapping[str, str] | None = None,
) -> PlanView:
    """The display of one plan document (evaluated now, or stored with a saved case).

    Without ``step_url`` missing answers are listed without links (a saved plan has no steps).
    ``checklist`` (code → state) and ``due`` attach a saved case's checklist to the monitoring items.
    ``changed`` (code → change note, from ``changed_marks``) marks recommendations changed recently.
    """
    sources = _Sources()
    decision = _decision(doc, sources)
    alerts: list[tuple[Mapping[str, Any], Alert]] = []
    cautions: list[tuple[Mapping[str, Any], Alert]] = []
    for w in doc.get("warnings", ()):
        if w.get("code") == labels.MISSING_DATA_WARNING:
            continue  # the missing answers are listed once, with links
        alert = _alert(w, sources)
        (alerts if w.get("severity") == CRITICAL else cautions).append((w, alert))
    recommendations = [_recommendation(r, sources, step_url, changed or {}) for r in doc.get("recommendations", ())]
    withheld = tuple(_withheld(w, sources) for w in doc.get("withheld", ()))
    monitoring = tuple(
        MonitoringItem(
            m["code"],
            m.get("text", ""),
            tuple(m.get("why", ())),
            marker(m.get("verification")),
            sources.of(m.get("citations", ())),
            state=checklist.get(m["code"]) if checklist is not None else None,
            due=m["code"] in due,
        )
        for m in doc.get("monitoring", ())
    )
    guideline = doc.get("guideline", {})
    view = PlanView(
        guideline=Guideline(
            version=str(guideline.get("version", "")),
            title=title,
            published=_date_display(guideline.get("published_at", "")),
            content_hash=guideline.get("content_hash", ""),
        ),
        disclaimer=doc.get("disclaimer", ""),
        decision=decision,
        alerts=tuple(a for _, a in alerts),
        cautions=_caution_groups(cautions),
        first_actions=_timing_groups(recommendations),
        withheld=withheld,
        sections=_sections(recommendations, monitoring=bool(monitoring)),
        monitoring=monitoring,
        missing=tuple(_missing(name, step_url) for name in doc.get("missing_data", ())),
        references=sources.all,
    )
    return _with_legend(view, recommendations)


def _with_legend(view: PlanView, recommendations: list[Recommendation]) -> PlanView:
    used: dict[str, Marker] = {}
    items: list[Any] = [*recommendations, *view.alerts, *view.monitoring, *view.withheld, *view.references]
    items += [a for g in view.cautions for a in g.alerts]
    for item in items:
        if item.marker is not None:
            used.setdefault(item.marker.code, item.marker)
    order = list(labels.VERIFICATION_MARKERS)
    markers = tuple(sorted(used.values(), key=lambda m: order.index(m.code) if m.code in order else len(order)))
    return PlanView(**{**view.__dict__, "markers": markers})


# -- The "plan so far" panel ---------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    decision: Decision
    alerts: tuple[Alert, ...]
    recommendation_count: int


def preview(doc: Mapping[str, Any]) -> Preview:
    """The decision, its criteria and the critical alerts of a plan evaluated from partial answers."""
    sources = _Sources()
    return Preview(
        decision=_decision(doc, sources),
        alerts=tuple(_alert(w, sources) for w in doc.get("warnings", ()) if w.get("severity") == CRITICAL),
        recommendation_count=len(doc.get("recommendations", ())),
    )


def preview_of(result: IntakeResult, snapshot: Snapshot | None) -> Preview | None:
    """The "plan so far" from a lenient parse of partial answers; None without a plan to show."""
    if snapshot is None or result.intake is None:
        return None
    try:
        doc = evaluate_parsed(result, snapshot).document
    except ValueError:  # a content defect (a threshold missing): the full plan page will say so
        return None
    return preview(doc)
