"""The bedside mark ("not followed", physicians) and the editors' aggregates (content roles).

Views stay thin: read with the selectors, change through the services. A refused or malformed
mark comes back as its own page (400) with everything typed kept; it never raises a 500.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from dahguide.accounts.access import role_required
from dahguide.accounts.roles import CONTENT_ROLES, PHYSICIAN
from dahguide.cases import selectors as case_selectors
from dahguide.feedback import selectors, services
from dahguide.feedback.forms import NotFollowedForm
from dahguide.observability import security_event

physician_required = role_required(PHYSICIAN, refusal="Only physicians record that a recommendation was not followed.")
# Editors and reviewers see counts only: never a case, a user or a comment.
content_required = role_required(
    *CONTENT_ROLES, refusal="Feedback on recommendations is open to content editors and clinical reviewers."
)


# -- At the bedside -----------------------------------------------------------------------------


def _next_url(request: HttpRequest, case_id: int) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("cases:detail", args=[case_id]) + "#not-followed"


@physician_required
@require_http_methods(["GET", "POST"])
def not_followed(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a recommendation of the case's current revision not followed (a plain form: no JavaScript needed)."""
    revision = case_selectors.case_revision_get(case_id=pk)
    marks = selectors.revision_marks(revision=revision)
    choices = selectors.unmarked_recommendations(revision, marks)
    status = 200
    if request.method == "POST":
        form = NotFollowedForm(request.POST, recommendations=selectors.plan_recommendations(revision))
        if form.is_valid():
            if form.cleaned_data["revision"] != revision.number:
                form.add_error(
                    None,
                    "The case was amended since you opened it: mark the recommendation on "
                    f"revision {revision.number}, shown below.",
                )
            else:
                try:
                    services.not_followed_record(
                        revision=revision,
                        user=request.user,
                        **{k: form.cleaned_data[k] for k in ("recommendation_code", "reason_code", "comment")},
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, "Recorded: recommendation not followed.")
                    return redirect(_next_url(request, pk))
        status = 400
    else:
        code = request.GET.get("recommendation", "")
        initial = {"revision": revision.number, "recommendation_code": code if code in dict(choices) else ""}
        form = NotFollowedForm(initial=initial, recommendations=choices)
    context = {
        "case": revision.case,
        "revision": revision,
        "form": form,
        "marks": marks,
        "next": _next_url(request, pk),
    }
    return render(request, "feedback/not_followed.html", context, status=status)


def _add_errors(form: NotFollowedForm, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# -- In front of the editors --------------------------------------------------------------------


@content_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/overview.html", {"versions": selectors.versions_overview()})


@content_required
@require_GET
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    context = {
        "version": selectors.version_stats(number=number),
        "reasons": [(code, selectors.REASON_LABELS[code]) for code in selectors.REASON_ORDER],
    }
    return render(request, "feedback/version.html", context)


EXPORT_HEADER = (
    "guideline_version",
    "recommendation_code",
    "source",
    "shown",
    "followed",
    "not_followed",
    "no_feedback",
    *(f"reason_{code or 'none_given'}" for code in selectors.REASON_ORDER),
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export_lines(rows: list[selectors.RecommendationStats]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    for row in rows:
        for counts in row.sources:
            yield writer.writerow(
                [
                    row.version,
                    row.code,
                    counts.source,
                    counts.shown,
                    counts.followed,
                    counts.not_followed,
                    counts.no_feedback,
                    *(counts.by_reason.get(code, 0) for code in selectors.REASON_ORDER),
                ]
            )


@content_required
@require_GET
def export(request: HttpRequest) -> StreamingHttpResponse:
    """Counts per version, recommendation and source: codes and numbers only (no case, user or text)."""
    rows = selectors.all_stats()
    security_event("feedback_exported", user_id=request.user.pk)
    response = StreamingHttpResponse(_export_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dah-guide-recommendation-feedback.csv"'
    return response
