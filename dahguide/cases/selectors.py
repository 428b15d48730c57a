"""Reads of saved cases. Every function runs a fixed number of queries, however many cases exist."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import models
from django.db.models import Exists, F, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from dahguide.cases.models import DUE_CODES, Case, CaseRevision, ChecklistEvent, ReviewComment, SignOff
from dahguide.guidance.impact import MAX_PER_SOURCE
from dahguide.wizard.models import DraftAssessment

PAGE_SIZE = 25
MAX_COUNTED = 10_000  # the list counts this many matches at most: a count of 100,000 rows is never needed

SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "label": ("Label (A–Z)", ("label", "id")),
    "version": ("Guideline version (newest first)", ("-guideline_version", "-created_at", "-id")),
    "etiology": ("Etiology", ("etiology", "-created_at", "-id")),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class CaseFilters:
    etiology: str = ""
    plex_decision: str = ""
    date_from: date | None = None
    date_to: date | None = None
    author_id: int | None = None
    guideline_version: int | None = None
    q: str = ""
    sort: str = DEFAULT_SORT


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def cases_filtered(*, filters: CaseFilters) -> QuerySet[Case]:
    """The cases matching ``filters``, sorted; conditions on indexed columns only (dates as ranges)."""
    qs = Case.objects.all()
    if filters.etiology:
        qs = qs.filter(etiology="" if filters.etiology == "not_given" else filters.etiology)
    if filters.plex_decision:
        qs = qs.filter(plex_decision=filters.plex_decision)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    if filters.author_id:
        qs = qs.filter(author_id=filters.author_id)
    if filters.guideline_version:
        qs = qs.filter(guideline_version=filters.guideline_version)
    if filters.q:
        qs = qs.filter(label__icontains=filters.q)
    return qs.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT])[1])


def _ticked_now(code: str) -> Coalesce:
    """Whether the case's ``code`` item is ticked: its latest event (none yet: not ticked)."""
    latest = ChecklistEvent.objects.filter(case=OuterRef("pk"), code=code).order_by("-at", "-id")
    return Coalesce(Subquery(latest.values("ticked")[:1]), Value(False))


def _current_revision(field: str, **kwargs: Any) -> Subquery:
    rows = CaseRevision.objects.filter(case=OuterRef("pk"), number=OuterRef("revision_count"))
    return Subquery(rows.values(field)[:1], **kwargs)


def with_list_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Add the author's name, the number of due monitoring items not ticked, and whether the
    current revision is signed off: computed by the database for the rows of one page."""
    open_due = [
        models.When(GreaterThan(F("due_mask").bitand(1 << bit), 0) & Q(**{f"_ticked_{bit}": False}), then=Value(1))
        for bit in range(len(DUE_CODES))
    ]
    ticked = {f"_ticked_{bit}": _ticked_now(code) for bit, code in enumerate(DUE_CODES)}
    signed = SignOff.objects.filter(case=OuterRef("pk"), revision__number=OuterRef("revision_count"))
    return (
        qs.select_related("author")
        .only(
            "id", "label", "created_at", "updated_at", "revision_count", "etiology", "plex_decision",
            "guideline_version", "due_mask", "author__username",
        )
        .alias(**ticked)
        .annotate(
            open_due_count=sum(
                (models.Case(w, default=Value(0), output_field=IntegerField()) for w in open_due), start=Value(0)
            ),
            signed_off=Exists(signed),
        )
    )


class BoundedPaginator(Paginator):
    """Counts at most ``MAX_COUNTED`` matches (one cheap query), so the last pages of a
    100,000-case list are reached by filtering, not by paging."""

    @cached_property
    def count(self) -> int:
        return self.object_list.values("pk").order_by()[: MAX_COUNTED + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > MAX_COUNTED


def case_revision_get(*, case_id: int, number: int | None = None) -> CaseRevision:
    """One revision (the current one by default) with its case and author, or 404."""
    qs = CaseRevision.objects.select_related("case", "case__author", "created_by").filter(case_id=case_id)
    qs = qs.filter(number=number) if number else qs.filter(number=F("case__revision_count"))
    return get_object_or_404(qs)


def case_get(*, case_id: int) -> Case:
    return get_object_or_404(Case.objects.only("id", "author_id", "revision_count", "checklist_codes"), pk=case_id)


_REVISION_JSON = ("inputs", "derived", "plan", "summary")


@dataclass(frozen=True)
class RevisionPage:
    shown: CaseRevision  # with its documents
    all: list[CaseRevision]  # every revision of the case, oldest first (documents only on ``shown``)


def case_revision_page(*, case_id: int, number: int | None = None) -> RevisionPage:
    """The revision to show (the current one by default) and the list of all revisions, in one
    query: only the shown row carries its JSON documents, however many revisions a case has."""
    shown = Q(number=number) if number else Q(number=F("case__revision_count"))
    rows = list(
        CaseRevision.objects.filter(case_id=case_id)
        .select_related("case", "case__author", "created_by")
        .defer(*_REVISION_JSON)
        .annotate(
            is_shown=models.ExpressionWrapper(shown, output_field=models.BooleanField()),
            **{
                f"shown_{name}": models.Case(models.When(shown, then=F(name)), output_field=JSONField())
                for name in _REVISION_JSON
            },
        )
        .order_by("number")
    )
    revision = next((r for r in rows if r.is_shown), None)
    if revision is None:
        raise Http404("No such revision.")
    for name in _REVISION_JSON:
        setattr(revision, name, getattr(revision, f"shown_{name}"))
    return RevisionPage(revision, rows)


@dataclass(frozen=True)
class ChecklistState:
    latest: dict[str, ChecklistEvent]  # code -> latest event (absent: never ticked)
    history: list[ChecklistEvent]  # oldest first


def checklist_state(*, case_id: int) -> ChecklistState:
    events = list(
        ChecklistEvent.objects.filter(case_id=case_id)
        .select_related("user")
        .only("id", "case_id", "code", "ticked", "note", "at", "user__username")
        .order_by("at", "id")
    )
    return ChecklistState({e.code: e for e in events}, events)


@dataclass(frozen=True)
class ReviewEntry:
    """A review comment or an attending's sign-off, as the case page lists them."""

    kind: str  # "comment" or "signoff"
    id: int
    at: datetime
    user_id: int
    username: str
    text: str  # the comment, or the sign-off's comment
    revision_number: int
    decision: str = ""
    reason_code: str = ""

    @property
    def decision_label(self) -> str:
        return SignOff.Decision(self.decision).label if self.decision else ""

    @property
    def reason_label(self) -> str:
        return SignOff.Reason(self.reason_code).label if self.reason_code else ""


@dataclass(frozen=True)
class ReviewThread:
    comments: list[ReviewEntry]
    signoffs: list[ReviewEntry]


_ENTRY_COLUMNS = ("e_kind", "e_id", "e_at", "e_user", "e_username", "e_text", "e_revision", "e_decision", "e_reason")


def review_thread(*, case_id: int) -> ReviewThread:
    """The case's comments and sign-offs, oldest first, in one query (a UNION of the two tables)."""
    comments = ReviewComment.objects.filter(case_id=case_id).annotate(
        e_kind=Value("comment"), e_id=F("id"), e_at=F("created_at"), e_user=F("author_id"),
        e_username=F("author__username"), e_text=F("text"), e_revision=F("revision_number"),
        e_decision=Value(""), e_reason=Value(""),
    )
    signoffs = SignOff.objects.filter(case_id=case_id).annotate(
        e_kind=Value("signoff"), e_id=F("id"), e_at=F("created_at"), e_user=F("attending_id"),
        e_username=F("attending__username"), e_text=F("comment"), e_revision=F("revision__number"),
        e_decision=F("decision"), e_reason=F("reason_code"),
    )
    # Model orderings are cleared: a compound statement is ordered as a whole.
    rows = comments.order_by().values_list(*_ENTRY_COLUMNS).union(
        signoffs.order_by().values_list(*_ENTRY_COLUMNS), all=True
    )
    entries = [ReviewEntry(*row) for row in rows.order_by("e_at", "e_kind", "e_id")]
    return ReviewThread(
        [e for e in entries if e.kind == "comment"], [e for e in entries if e.kind == "signoff"]
    )


# --- saving from the wizard's plan page -------------------------------------------------------


@dataclass(frozen=True)
class DraftCaseLink:
    """What a wizard draft is to the saved cases: already saved, an amendment in progress, or new."""

    saved_case_id: int | None = None
    saved_number: int | None = None
    amend_case: Case | None = None


def _link_annotations(draft_ref: Any) -> dict[str, Subquery]:
    saved = CaseRevision.objects.filter(source_draft=draft_ref)
    amending = Case.objects.filter(amend_draft_id=draft_ref)
    return {
        "saved_case_id": Subquery(saved.values("case_id")[:1]),
        "saved_number": Subquery(saved.values("number")[:1]),
        "amend_case_id": Subquery(amending.values("pk")[:1]),
        "amend_case_label": Subquery(amending.values("label")[:1]),
        "amend_case_author_id": Subquery(amending.values("author_id")[:1]),
        "amend_case_revision_count": Subquery(amending.values("revision_count")[:1]),
    }


def _link(row: Any) -> DraftCaseLink:
    amend_case = None
    if row.amend_case_id is not None:
        amend_case = Case(
            id=row.amend_case_id, label=row.amend_case_label, author_id=row.amend_case_author_id,
            revision_count=row.amend_case_revision_count,
        )
        amend_case._state.adding = False
    return DraftCaseLink(row.saved_case_id, row.saved_number, amend_case)


def draft_for_saving(*, owner, pk: uuid.UUID) -> tuple[DraftAssessment, DraftCaseLink]:
    """The owner's draft (else 404) and its link to the saved cases, in one query."""
    draft = get_object_or_404(DraftAssessment.objects.annotate(**_link_annotations(OuterRef("pk"))), pk=pk, owner=owner)
    return draft, _link(draft)


def draft_case_link(*, draft: DraftAssessment) -> DraftCaseLink:
    row = DraftAssessment.objects.filter(pk=draft.pk).annotate(**_link_annotations(OuterRef("pk"))).only("pk").first()
    return _link(row) if row else DraftCaseLink()


# --- export and the reviewers' impact preview -------------------------------------------------


def export_rows(*, qs: QuerySet[Case]) -> Iterator[tuple[Any, ...]]:
    """Codes and dates of each case, streamed in chunks: no label, no free text."""
    latest_signoff = SignOff.objects.filter(case=OuterRef("pk"), revision__number=OuterRef("revision_count")).order_by(
        "-created_at", "-id"
    )
    rows = qs.annotate(
        summary=_current_revision("summary", output_field=JSONField()),
        signoff_decision=Subquery(latest_signoff.values("decision")[:1]),
        signoff_reason=Subquery(latest_signoff.values("reason_code")[:1]),
    ).values_list(
        "id", "created_at", "updated_at", "revision_count", "guideline_version", "etiology", "plex_decision",
        "summary", "signoff_decision", "signoff_reason",
    )
    yield from rows.iterator(chunk_size=2000)


def recent_case_intakes() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Impact-preview source: the latest revision of the most recently saved or amended cases.

    Labelled by number only: content reviewers see the preview and may hold no clinical role.
    """
    rows = (
        CaseRevision.objects.filter(number=F("case__revision_count"))
        .order_by("-created_at", "-id")
        .values_list("case_id", "number", "inputs")[: MAX_PER_SOURCE + 1]
    )
    for case_id, number, inputs in rows:
        yield f"Saved case {case_id} (revision {number})", reverse("cases:detail", args=[case_id]), inputs


def filter_choices_authors() -> QuerySet:
    """Physicians who saved a case, for the author filter (one query, bounded by the staff list)."""
    from django.contrib.auth import get_user_model

    authored = Case.objects.filter(author=OuterRef("pk"))
    return get_user_model().objects.filter(Exists(authored)).only("id", "username").order_by("username")

