"""Reads of saved cases. Every function runs a fixed number of queries, however many cases exist."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from math import ceil
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections, models, router
from django.db.models import Exists, F, IntegerField, JSONField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from dahguide.cases.models import DUE_CODES, Case, CaseRevision, ChecklistEvent, ReviewComment, SignOff
from dahguide.guidance.impact import MAX_PER_SOURCE
from dahguide.guidance.models import GuidelineVersion
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
    signed = SignOff.objects.filter(case=OuterRef("pk"), revision__number=OuterRef("revision_count"), by_attending=True)
    return (
        qs.select_related("author")
        .only(
            "id",
            "label",
            "created_at",
            "updated_at",
            "revision_count",
            "etiology",
            "plex_decision",
            "guideline_version",
            "due_mask",
            "author__username",
        )
        .alias(**ticked)
        .annotate(
            open_due_count=sum(
                (models.Case(w, default=Value(0), output_field=IntegerField()) for w in open_due), start=Value(0)
            ),
            signed_off=Exists(signed),
        )
    )


class CaseListPaginator(Paginator):
    """The pages of the case list, as cheap on page 400 as on page 1, at any number of cases.

    The count stops at ``MAX_COUNTED + 1`` matches (one bounded query); beyond that the list says
    so and its pages cover the first ``MAX_COUNTED`` matches in the chosen order: the rest are
    reached by filtering or by sorting the other way, never by paging through 100,000 cases. A page
    is one query: the filter and sort alone pick the page's ids (an index that matches the sort,
    read up to the offset), and only those rows get the per-row columns of ``with_list_columns``.
    """

    def __init__(self, filters: CaseFilters, per_page: int = PAGE_SIZE) -> None:
        self.ordering = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])[1]
        self._cases = cases_filtered(filters=filters)  # the object_list, typed as the queryset it is
        super().__init__(self._cases, per_page)

    @cached_property
    def count(self) -> int:
        return self._cases.values("pk").order_by()[: MAX_COUNTED + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > MAX_COUNTED

    @cached_property
    def num_pages(self) -> int:
        return ceil(max(1, min(self.count, MAX_COUNTED)) / self.per_page)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not self.count:  # nothing matches: a search no index serves would be read twice
            return Page([], number, self)
        offset = (number - 1) * self.per_page
        ids = self._cases.values("pk")[offset : offset + self.per_page]
        rows = with_list_columns(Case.objects.filter(pk__in=ids)).order_by(*self.ordering)
        return Page(rows, number, self)


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
    by_attending: bool = False  # a sign-off by an attending (see SignOff.by_attending)

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


_ENTRY_COLUMNS = (
    "e_kind",
    "e_id",
    "e_at",
    "e_user",
    "e_username",
    "e_text",
    "e_revision",
    "e_decision",
    "e_reason",
    "e_attending",
)


def review_thread(*, case_id: int) -> ReviewThread:
    """The case's comments and sign-offs, oldest first, in one query (a UNION of the two tables)."""
    comments = ReviewComment.objects.filter(case_id=case_id).annotate(
        e_kind=Value("comment"),
        e_id=F("id"),
        e_at=F("created_at"),
        e_user=F("author_id"),
        e_username=F("author__username"),
        e_text=F("text"),
        e_revision=F("revision_number"),
        e_decision=Value(""),
        e_reason=Value(""),
        e_attending=Value(False),
    )
    signoffs = SignOff.objects.filter(case_id=case_id).annotate(
        e_kind=Value("signoff"),
        e_id=F("id"),
        e_at=F("created_at"),
        e_user=F("attending_id"),
        e_username=F("attending__username"),
        e_text=F("comment"),
        e_revision=F("revision__number"),
        e_decision=F("decision"),
        e_reason=F("reason_code"),
        e_attending=F("by_attending"),
    )
    # Model orderings are cleared: a compound statement is ordered as a whole.
    rows = (
        comments.order_by()
        .values_list(*_ENTRY_COLUMNS)
        .union(signoffs.order_by().values_list(*_ENTRY_COLUMNS), all=True)
    )
    entries = [ReviewEntry(*row) for row in rows.order_by("e_at", "e_kind", "e_id")]
    return ReviewThread([e for e in entries if e.kind == "comment"], [e for e in entries if e.kind == "signoff"])


# --- saving from the wizard's plan page -------------------------------------------------------


@dataclass(frozen=True)
class DraftCaseLink:
    """What a wizard draft is to the saved cases: already saved, an amendment in progress, or new."""

    saved_case_id: int | None = None
    saved_number: int | None = None
    amend_case: Case | None = None


# A draft's saved revision (source_draft is unique) and the case it amends (an indexed foreign
# key). Orderings are cleared: the models' default orderings would join and sort for nothing.
def _saved_from(draft_ref: Any) -> QuerySet[CaseRevision]:
    return CaseRevision.objects.filter(source_draft=draft_ref).order_by()


def _amended_in(draft_ref: Any) -> QuerySet[Case]:
    return Case.objects.filter(amend_draft_id=draft_ref).order_by()


_AMEND_FIELDS = ("pk", "label", "author_id", "revision_count")


def _link(saved: tuple[Any, Any] | None, amending: dict[str, Any] | None) -> DraftCaseLink:
    """``saved``: (case id, revision number); ``amending``: the ``_AMEND_FIELDS`` of the case."""
    amend_case = None
    if amending and amending["pk"] is not None:
        amend_case = Case(**amending)
        amend_case._state.adding = False
    case_id, number = saved or (None, None)
    return DraftCaseLink(case_id, number, amend_case)


def draft_for_saving(*, owner, pk: uuid.UUID) -> tuple[DraftAssessment, DraftCaseLink]:
    """The owner's draft (else 404) and its link to the saved cases, in one query: the save has
    no query to spare under its bound of ten."""
    saved, amending = _saved_from(OuterRef("pk")), _amended_in(OuterRef("pk"))
    draft = get_object_or_404(
        DraftAssessment.objects.annotate(
            saved_case_id=Subquery(saved.values("case_id")[:1]),
            saved_number=Subquery(saved.values("number")[:1]),
            **{f"amend_{name}": Subquery(amending.values(name)[:1]) for name in _AMEND_FIELDS},
        ),
        pk=pk,
        owner=owner,
    )
    amend = {name: getattr(draft, f"amend_{name}") for name in _AMEND_FIELDS}
    # Annotated above; django-stubs lose the annotations through ``**`` and get_object_or_404.
    return draft, _link((draft.saved_case_id, draft.saved_number), amend)  # type: ignore[attr-defined]


def draft_case_link(*, draft: DraftAssessment) -> DraftCaseLink:
    """The link of a draft already read (the plan page's save form): one query of two index
    lookups (UNION ALL), which the database plans in a fraction of the time of the draft re-read
    with six correlated subqueries. The statement is written once per process (``_draft_link_sql``):
    building it with the ORM on every plan page cost more than running it. Kept on the draft object
    for the rest of the request: the plan page's panels (save form, recommendations not followed) each ask."""
    kept = draft.__dict__.get(_LINK_ATTRIBUTE)
    if kept is not None:
        return kept
    alias = router.db_for_read(Case)
    sql, source_field = _draft_link_sql(alias)
    param = source_field.get_db_prep_value(draft.pk, connections[alias])  # a UUID as the backend stores it
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [param, param])
        rows = {kind: dict(zip(_AMEND_FIELDS, row, strict=True)) for kind, *row in cursor.fetchall()}
    saved_row = rows.get("saved")
    link = _link((saved_row["pk"], saved_row["revision_count"]) if saved_row else None, rows.get("amending"))
    draft.__dict__[_LINK_ATTRIBUTE] = link
    return link


_LINK_ATTRIBUTE = "_dahguide_case_link"  # where draft_case_link keeps its answer on the draft it was asked about


@cache
def _draft_link_sql(alias: str) -> tuple[str, models.Field]:
    """The statement of ``draft_case_link`` for a database (the same as the ORM's union of
    ``_saved_from`` and ``_amended_in``): table and column names from the models, quoted by the
    backend; the draft's id is the only parameter (twice). A saved revision's row carries its case
    id and number in the columns of ``_AMEND_FIELDS``."""
    qn = connections[alias].ops.quote_name
    revision, case = CaseRevision._meta, Case._meta
    source = revision.get_field("source_draft")

    def col(meta: Any, name: str) -> str:
        field = meta.pk if name == "pk" else meta.get_field(name)
        return f"{qn(meta.db_table)}.{qn(field.column)}"

    # Names from the models' metadata, quoted by the backend; the one value (the draft's id) is a parameter.
    saved_columns = f"{col(revision, 'case')}, '', NULL, {col(revision, 'number')}"
    amend_columns = ", ".join(col(case, name) for name in _AMEND_FIELDS)
    sql = " UNION ALL ".join(
        (
            f"SELECT 'saved', {saved_columns} FROM {qn(revision.db_table)} WHERE {col(revision, 'source_draft')} = %s",  # noqa: S608
            f"SELECT 'amending', {amend_columns} FROM {qn(case.db_table)} WHERE {col(case, 'amend_draft')} = %s",  # noqa: S608
        )
    )
    return sql, source


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
        "id",
        "created_at",
        "updated_at",
        "revision_count",
        "guideline_version",
        "etiology",
        "plex_decision",
        "summary",
        "signoff_decision",
        "signoff_reason",
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


def filter_choices_versions() -> list[int]:
    """Guideline versions a case can have been decided under (published or retired), newest first."""
    frozen = GuidelineVersion.objects.filter(status__in=GuidelineVersion.FROZEN_STATUSES)
    return list(frozen.order_by("-number").values_list("number", flat=True))


def filter_choices_authors() -> list[tuple[int, str]]:
    """Physicians who saved a case, as (id, username), for the author filter (one query, bounded by the staff list)."""
    from django.contrib.auth import get_user_model

    authored = Case.objects.filter(author=OuterRef("pk"))
    return list(get_user_model().objects.filter(Exists(authored)).order_by("username").values_list("id", "username"))
