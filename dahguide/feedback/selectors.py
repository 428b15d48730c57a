"""Reads of the feedback: the marks of one revision, and the aggregates editors see.

Aggregates count rows grouped by guideline version and recommendation code: a fixed number of
queries, however many cases, cards and marks exist. They carry no case, user or comment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count
from django.http import Http404

from dahguide.cases.models import CaseRevision
from dahguide.feedback.models import CdsFeedback, Impression, NotFollowed, Reason, Source
from dahguide.guidance.models import GuidelineVersion, Recommendation

NO_REASON = ""  # an EHR override without a reason
REASON_LABELS = {**dict(Reason.choices), NO_REASON: "No reason given"}
# The order of the reasons in tables, charts and the CSV export.
REASON_ORDER = (*Reason.values, NO_REASON)


# -- The bedside --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    code: str
    title: str
    reason_code: str
    comment: str
    username: str
    at: datetime

    @property
    def reason_label(self) -> str:
        return REASON_LABELS.get(self.reason_code, self.reason_code)


def plan_recommendations(revision: CaseRevision) -> list[tuple[str, str]]:
    """(code, title) of every recommendation of a revision's plan, in the plan's order."""
    return [(r["code"], r.get("title") or r["code"]) for r in revision.plan.get("recommendations", [])]


def unmarked_recommendations(revision: CaseRevision, marks: list[Mark]) -> list[tuple[str, str]]:
    """The recommendations of a revision still open to a mark (each is marked at most once)."""
    marked = {m.code for m in marks}
    return [(code, title) for code, title in plan_recommendations(revision) if code not in marked]


def revision_marks(*, revision: CaseRevision) -> list[Mark]:
    """The recommendations marked not followed in one revision, oldest first (one query)."""
    titles = dict(plan_recommendations(revision))
    rows = NotFollowed.objects.filter(revision=revision).select_related("created_by").order_by("created_at", "id")
    return [
        Mark(
            m.recommendation_code,
            titles.get(m.recommendation_code, m.recommendation_code),
            m.reason_code,
            m.comment,
            m.created_by.username,
            m.created_at,
        )
        for m in rows
    ]


# -- The editors' aggregates --------------------------------------------------------------------


@dataclass
class SourceCounts:
    """How often one recommendation was shown from one source, and what became of it.

    From the app, a shown recommendation not marked otherwise counts as followed. From the EHR,
    only a card's feedback says: accepted, overridden (with a reason), or no feedback at all.
    """

    source: str
    shown: int = 0
    accepted: int = 0  # EHR feedback "accepted"
    by_reason: dict[str, int] = field(default_factory=dict)  # not followed / overridden, per reason

    @property
    def not_followed(self) -> int:
        return sum(self.by_reason.values())

    @property
    def followed(self) -> int:
        return self.shown - self.not_followed if self.source == Source.APP else self.accepted

    @property
    def no_feedback(self) -> int:
        return 0 if self.source == Source.APP else max(self.shown - self.accepted - self.not_followed, 0)

    @property
    def reasons(self) -> list[tuple[str, str, int]]:
        """(code, label, count) of every reason given at least once, in the code list's order."""
        return [(code, REASON_LABELS[code], self.by_reason[code]) for code in REASON_ORDER if self.by_reason.get(code)]


@dataclass
class RecommendationStats:
    version: int
    code: str
    title: str
    section: str
    app: SourceCounts = field(default_factory=lambda: SourceCounts(Source.APP))
    ehr: SourceCounts = field(default_factory=lambda: SourceCounts(Source.EHR))

    @property
    def sources(self) -> tuple[SourceCounts, SourceCounts]:
        return (self.app, self.ehr)


def _stats(versions: Iterable[int] | None, only_code: str = "") -> dict[tuple[int, str], RecommendationStats]:
    """(version, code) -> counts, for the given versions (all when None) and, with ``only_code``, that
    recommendation only. Four queries."""

    def scoped(qs, version_field: str = "guideline_version"):
        qs = qs if versions is None else qs.filter(**{f"{version_field}__in": list(versions)})
        if only_code:
            field = "code" if version_field != "guideline_version" else "recommendation_code"
            qs = qs.filter(**{field: only_code})
        return qs

    out: dict[tuple[int, str], RecommendationStats] = {}
    recommendations = scoped(Recommendation.objects.all(), "version__number").order_by(
        "version__number", "section", "order", "code"
    )
    for number, code, title, section in recommendations.values_list("version__number", "code", "title", "section"):
        out[(number, code)] = RecommendationStats(number, code, title, section)

    def entry(version: int, code: str) -> RecommendationStats:
        # A code no longer in the version's content (renamed by an edit of a draft) still counts.
        return out.setdefault((version, code), RecommendationStats(version, code, code, ""))

    shown = scoped(Impression.objects.order_by()).values_list("guideline_version", "recommendation_code", "source")
    for version, code, source, n in shown.annotate(n=Count("id")):
        getattr(entry(version, code), source).shown = n
    marks = scoped(NotFollowed.objects.order_by()).values_list(
        "guideline_version", "recommendation_code", "reason_code"
    )
    for version, code, reason, n in marks.annotate(n=Count("id")):
        entry(version, code).app.by_reason[reason] = n
    answered = Impression.objects.filter(source=Source.EHR, card__feedback__isnull=False).order_by()
    outcomes = scoped(answered).values_list(
        "guideline_version", "recommendation_code", "card__feedback__outcome", "card__feedback__reason_code"
    )
    for version, code, outcome, reason, n in outcomes.annotate(n=Count("id")):
        ehr = entry(version, code).ehr
        if outcome == CdsFeedback.Outcome.ACCEPTED:
            ehr.accepted += n
        else:
            ehr.by_reason[reason] = ehr.by_reason.get(reason, 0) + n
    return out


@dataclass(frozen=True)
class VersionStats:
    number: int
    title: str
    status: str
    recommendations: list[RecommendationStats]

    def total(self, source: str, what: str) -> int:
        return sum(getattr(getattr(r, source), what) for r in self.recommendations)

    @property
    def totals(self) -> RecommendationStats:
        """The version's sums, as one row (reasons summed too)."""
        row = RecommendationStats(self.number, "", "All recommendations", "")
        for r in self.recommendations:
            for mine, theirs in ((row.app, r.app), (row.ehr, r.ehr)):
                mine.shown += theirs.shown
                mine.accepted += theirs.accepted
                for reason, n in theirs.by_reason.items():
                    mine.by_reason[reason] = mine.by_reason.get(reason, 0) + n
        return row


def version_stats(*, number: int) -> VersionStats:
    """Every recommendation of one guideline version with its counts from both sources, or 404."""
    version = GuidelineVersion.objects.filter(number=number).values_list("number", "title", "status").first()
    if version is None:
        raise Http404("No such guideline version.")
    stats = _stats([number])
    _number, title, status = version
    return VersionStats(_number, title, status, recommendations=[s for (v, _), s in stats.items() if v == number])


def recommendation_stats(*, number: int, code: str) -> RecommendationStats:
    """One recommendation of one version with its counts from both sources (zeros when never shown)."""
    return _stats([number], code).get((number, code)) or RecommendationStats(number, code, code, "")


def versions_overview() -> list[VersionStats]:
    """Every guideline version, newest first, with its recommendations' counts. Five queries."""
    stats = _stats(None)
    by_version: dict[int, list[RecommendationStats]] = defaultdict(list)
    for (number, _code), row in stats.items():
        by_version[number].append(row)
    versions = GuidelineVersion.objects.order_by("-number").values_list("number", "title", "status")
    return [VersionStats(n, title, status, by_version.get(n, [])) for n, title, status in versions]


def all_stats() -> list[RecommendationStats]:
    """Every (version, recommendation) with its counts, by version then the content's order (the CSV)."""
    return sorted(_stats(None).values(), key=lambda s: s.version)
