"""Saved cases: save from the plan page, list and filter, read as decided, re-evaluate, tick the
checklist, comment, sign off, amend, print, export.

Physicians and residents read and comment; physicians also save, tick and amend their own cases,
and attendings sign off cases they did not write; anyone else is refused (403), anonymous visitors
go to the login page. Every look at a case (page, print, re-evaluation) is written to the access
log. Views stay thin: read with the selectors, change through the services; htmx requests get a
partial unless they restore history.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from dahguide.accounts.access import is_partial, role_required
from dahguide.accounts.idle import keeps_input, take_kept_input
from dahguide.accounts.roles import ATTENDING, PHYSICIAN, RESIDENT, has_role
from dahguide.cases import display, extensions, selectors, services
from dahguide.cases.forms import (
    AmendCaseForm,
    CaseFilterForm,
    ChecklistForm,
    CommentForm,
    SaveCaseForm,
    SignOffForm,
)
from dahguide.cases.models import DUE_CODES, PLEX_DECISION_CHOICES, CaseAccessLog, CaseRevision
from dahguide.cases.plan_diff import PlanDiff, diff_plans
from dahguide.engine.evaluation import evaluate_intake
from dahguide.engine.intake import FIELDS
from dahguide.engine.vocabulary import PLEX_CRITERIA
from dahguide.guidance.selectors import get_published_snapshot
from dahguide.observability import security_event
from dahguide.plans.display import PlanView
from dahguide.plans.labels import DECISION_LABELS, STATUS_LABELS
from dahguide.wizard.answers import REQUIRED_STEP_CODES
from dahguide.wizard.models import DraftAssessment

View = Callable[..., HttpResponse]
DECISION_CHOICE_LABELS = dict(PLEX_DECISION_CHOICES)


clinical_required = role_required(PHYSICIAN, RESIDENT, refusal="Saved cases are open to physicians and residents.")
physician_required = role_required(PHYSICIAN, refusal="Only physicians save, amend and tick cases.")
attending_required = role_required(ATTENDING, refusal="Only attendings sign off cases.")


# -- Saving from the wizard's plan page ---------------------------------------------------------


def save_case_panel(request: HttpRequest, draft: DraftAssessment, plan: PlanView) -> SafeString:
    """The save form on the wizard's plan page (registered by CasesConfig.ready as a plan panel):
    save the plan as a case, or as the next revision of the case the draft amends."""
    link = selectors.draft_case_link(draft=draft)
    initial = {"content_hash": plan.guideline.content_hash}
    form = AmendCaseForm(initial=initial) if link.amend_case else SaveCaseForm(initial=initial)
    context = {
        "draft": draft,
        "form": form,
        "amend_case": link.amend_case,
        "saved_case_id": link.saved_case_id,
        "saved_number": link.saved_number,
    }
    return render_to_string("cases/_save_form.html", context, request=request)


@physician_required
@require_POST
def case_save(request: HttpRequest, draft_pk) -> HttpResponse:
    """Save the plan of a finished draft: a new case, or the next revision of the case it amends."""
    draft, link = selectors.draft_for_saving(owner=request.user, pk=draft_pk)
    plan_url = reverse("wizard:plan", args=[draft.pk])
    if link.saved_case_id is not None:
        messages.info(request, "This assessment is already saved.")
        return _go(request, reverse("cases:detail", args=[link.saved_case_id]))
    if not set(REQUIRED_STEP_CODES) <= set(draft.completed_steps):
        messages.info(request, "Complete the first steps before saving the case.")
        return _go(request, reverse("wizard:review", args=[draft.pk]))

    amending = link.amend_case
    form = AmendCaseForm(request.POST) if amending else SaveCaseForm(request.POST)
    if form.is_valid():
        try:
            saved = services.case_save_from_draft(
                draft=draft,
                user=request.user,
                shown_content_hash=form.cleaned_data["content_hash"],
                snapshot=get_published_snapshot(),
                amending=amending,
                label=form.cleaned_data.get("label", ""),
                reason=form.cleaned_data.get("reason", ""),
            )
        except services.GuidelineChanged as exc:
            # Never save a plan the physician did not see: the guideline changed under them.
            form.add_error(None, str(exc))
        except services.AnswersNeedChecking as exc:
            messages.warning(request, str(exc))
            return _go(request, plan_url)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, f"Saved as revision {saved.revision_number} of the case." if saved.amended else "Case saved."
            )
            return _go(request, reverse("cases:detail", args=[saved.case_id]))
    context = {"draft": draft, "form": form, "amend_case": amending, "plan_url": plan_url}
    template = "cases/_save_form.html" if is_partial(request) else "cases/save.html"
    return render(request, template, context)


def _add_errors(form: Any, exc: ValidationError) -> None:
    """A service's refusal shown beside the field it names, or above the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if is_partial(request) else redirect(url)


# -- The list and its export --------------------------------------------------------------------


def _filter_form(request: HttpRequest) -> CaseFilterForm:
    authors = selectors.filter_choices_authors()
    versions = selectors.filter_choices_versions()
    return CaseFilterForm(request.GET, authors=authors, versions=versions)


@clinical_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request)
    paginator = selectors.CaseListPaginator(form.filters())
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    etiologies = dict(FIELDS["etiology"].choices)
    for case in page.object_list:
        case.etiology_label = capfirst(etiologies.get(case.etiology, "not given"))
        case.decision_label = DECISION_CHOICE_LABELS.get(case.plex_decision, case.plex_decision)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page_obj": page,
        "paginator": paginator,
        "max_counted": selectors.MAX_COUNTED,
        "export_query": query.urlencode(),
    }
    template = "cases/_list_results.html" if is_partial(request) else "cases/list.html"
    return render(request, template, context)


EXPORT_HEADER = (
    "case_id",
    "saved_on",
    "last_revised_on",
    "revisions",
    "guideline_version",
    "etiology",
    "plasma_exchange_decision",
    *(f"criterion_{code}" for code in PLEX_CRITERIA),
    "recommendations",
    "warnings",
    "monitoring",
    "signoff",
    "signoff_reason_code",
)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export_lines(rows: Iterator[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_HEADER)
    for case_id, created, updated, revisions, version, etiology, decision, summary, signoff, reason in rows:
        summary = summary or {}
        criteria = summary.get("criteria", {})
        yield writer.writerow(
            [
                case_id,
                created.date().isoformat(),
                updated.date().isoformat(),
                revisions,
                version,
                etiology or "",
                decision,
                *(criteria.get(code, "") for code in PLEX_CRITERIA),
                ";".join(summary.get("recommendations", [])),
                ";".join(summary.get("warnings", [])),
                ";".join(summary.get("monitoring", [])),
                signoff or "",
                reason or "",
            ]
        )


@clinical_required
@require_GET
def case_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV for teaching: codes and dates only — no label, no free text."""
    form = _filter_form(request)
    rows = selectors.export_rows(qs=selectors.cases_filtered(filters=form.filters()))
    security_event("cases_exported", user_id=request.user.pk)
    response = StreamingHttpResponse(_export_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dah-guide-cases.csv"'
    return response


# -- One case -----------------------------------------------------------------------------------


def _revision_number(request: HttpRequest) -> int | None:
    value = request.GET.get("revision", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _detail_context(request: HttpRequest, page: selectors.RevisionPage, **forms: Any) -> dict[str, Any]:
    revision = page.shown
    case = revision.case
    user = request.user
    is_current = revision.number == case.revision_count
    is_physician = has_role(user, PHYSICIAN)
    checklist = selectors.checklist_state(case_id=case.pk) if is_current else None
    thread = selectors.review_thread(case_id=case.pk)
    signed_by_me = any(s.user_id == user.pk and s.revision_number == revision.number for s in thread.signoffs)
    # Separation of duties (services.signoff_add): an attending who wrote no revision of the case.
    wrote_it = case.author_id == user.pk or any(r.created_by_id == user.pk for r in page.all)
    latest_signoff = thread.signoffs[-1] if thread.signoffs else None
    return {
        "case": case,
        "revision": revision,
        "is_current": is_current,
        "plan": display.saved_plan(revision, checklist=checklist),
        "groups": display.answer_groups(revision.inputs),
        "checklist": checklist,
        "revisions": page.all,
        "comments": thread.comments,
        "signoffs": thread.signoffs,
        "latest_signoff": latest_signoff,
        # Questions still open: the comments written since the latest sign-off (all of them before one).
        "open_questions": [c for c in thread.comments if latest_signoff is None or c.at > latest_signoff.at],
        "can_tick": is_physician and is_current,
        "can_amend": is_physician and case.author_id == user.pk,
        "can_sign_off": has_role(user, ATTENDING) and is_current and not signed_by_me and not wrote_it,
        "comment_form": forms.get("comment_form") or CommentForm(initial=_kept(request, "cases:comment", case.pk)),
        "signoff_form": forms.get("signoff_form") or SignOffForm(initial=_kept(request, "cases:signoff", case.pk)),
        # Panels of apps above the cases (recommendations not followed), after the plan as decided.
        "panels": extensions.case_panels(request, revision, is_current),
    }


def _kept(request: HttpRequest, url_name: str, pk: int) -> dict[str, str] | None:
    """A comment or sign-off the user was typing when the idle logout came, to finish now."""
    kept = take_kept_input(request, reverse(url_name, args=[pk]))
    if kept is None:
        return None
    messages.info(
        request, "What you were typing before the idle logout is back in the form below. Check it, then send it."
    )
    return {key: kept.get(key, "") for key in kept}


def _render_detail(
    request: HttpRequest, page: selectors.RevisionPage, *, status: int = 200, **forms: Any
) -> HttpResponse:
    context = _detail_context(request, page, **forms)
    services.case_access_record(case_id=page.shown.case_id, user=request.user, action=CaseAccessLog.Action.VIEW)
    return render(request, "cases/detail.html", context, status=status)


@clinical_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan exactly as decided, from the stored document, under its pinned guideline version."""
    return _render_detail(request, selectors.case_revision_page(case_id=pk, number=_revision_number(request)))


@clinical_required
@require_GET
def case_print(request: HttpRequest, pk: int) -> HttpResponse:
    revision = selectors.case_revision_get(case_id=pk, number=_revision_number(request))
    is_current = revision.number == revision.case.revision_count
    checklist = selectors.checklist_state(case_id=pk) if is_current else None
    services.case_access_record(case_id=pk, user=request.user, action=CaseAccessLog.Action.PRINT)
    context = {
        "case": revision.case,
        "revision": revision,
        "is_current": is_current,
        "plan": display.saved_plan(revision, checklist=checklist),
        "groups": display.answer_groups(revision.inputs),
        "checklist": checklist,
        "printing": True,
        "appendix": request.GET.get("appendix") == "1",
    }
    return render(request, "cases/print.html", context)


@clinical_required
@require_GET
def case_reevaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """What would change if the saved answers were evaluated under the guideline published now."""
    revision = selectors.case_revision_get(case_id=pk)
    snapshot = get_published_snapshot()
    context: dict[str, Any] = {"case": revision.case, "revision": revision, "diff": None, "problem": ""}
    if snapshot is None:
        context["problem"] = "No guideline version is published at the moment."
    else:
        evaluation = evaluate_intake(revision.inputs, snapshot)
        if evaluation.errors:
            problems = ", ".join(sorted(evaluation.errors))
            context["problem"] = f"The saved answers no longer fit the questions: {problems}."
        else:
            context["diff"] = diff_plans(revision.plan, evaluation.document)
    services.case_access_record(case_id=pk, user=request.user, action=CaseAccessLog.Action.REEVALUATE)
    if context["diff"] is not None:
        context.update(_diff_labels(context["diff"], revision))
        context["panels"] = extensions.reevaluation_panels(request, revision, context["diff"])
    template = "cases/_reevaluation.html" if is_partial(request) else "cases/reevaluate.html"
    return render(request, template, context)


def _diff_labels(diff: PlanDiff, revision: CaseRevision) -> dict[str, Any]:
    """Words for the codes of a diff: decisions and statuses as on the plan page, criteria by their saved names."""
    names = {c["code"]: c.get("label") or c["code"] for c in revision.plan["plasma_exchange"]["criteria"]}
    return {
        "old_decision_label": DECISION_LABELS.get(diff.old_decision, diff.old_decision),
        "new_decision_label": DECISION_LABELS.get(diff.new_decision, diff.new_decision),
        "criteria_rows": [
            {
                "label": names.get(c.code, c.code),
                "old": STATUS_LABELS.get(c.old, c.old),
                "new": STATUS_LABELS.get(c.new, c.new),
            }
            for c in diff.criteria
        ],
    }


# -- Acting on a case ---------------------------------------------------------------------------


def _comments_page(pk: int) -> str:
    return reverse("cases:detail", args=[pk]) + "#comments"


def _signoffs_page(pk: int) -> str:
    return reverse("cases:detail", args=[pk]) + "#signoffs"


@keeps_input(page=_comments_page)
@clinical_required
@require_POST
def case_comment(request: HttpRequest, pk: int) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_add(case=selectors.case_get(case_id=pk), author=request.user, text=form.cleaned_data["text"])
        messages.success(request, "Comment added.")
        return redirect(reverse("cases:detail", args=[pk]) + "#comments")
    return _render_detail(request, selectors.case_revision_page(case_id=pk), status=400, comment_form=form)


@keeps_input(page=_signoffs_page)
@attending_required
@require_POST
def case_signoff(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.case_revision_page(case_id=pk)
    revision = page.shown
    form = SignOffForm(request.POST)
    if request.POST.get("revision") != str(revision.number):
        form.add_error(None, "The case was amended since you opened it: read the new revision, then sign off.")
    elif form.is_valid():
        try:
            services.signoff_add(revision=revision, attending=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Sign-off recorded.")
            return redirect(reverse("cases:detail", args=[pk]) + "#signoffs")
    return _render_detail(request, page, status=400, signoff_form=form)


@physician_required
@require_POST
def case_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the case's answers in the wizard; its plan page then saves the next revision."""
    revision = selectors.case_revision_get(case_id=pk)
    draft = services.case_amend_start(
        case=revision.case, user=request.user, inputs=revision.inputs, guideline_version=revision.guideline_version
    )
    messages.info(request, "Change the answers that changed, then save the plan as the case's next revision.")
    return redirect("wizard:review", pk=draft.pk)


@physician_required
@require_POST
def checklist_toggle(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Tick or untick one monitoring item; htmx swaps the item's state, a plain POST comes back."""
    case = selectors.case_get(case_id=pk)
    form = ChecklistForm(request.POST)
    error = ""
    event = None
    if form.is_valid():
        try:
            event = services.checklist_item_set(
                case=case,
                code=code,
                user=request.user,
                ticked=form.cleaned_data["ticked"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Choose tick or untick."
    if is_partial(request):
        if event is None:
            event = selectors.checklist_state(case_id=pk).latest.get(code)
        state = {"code": code, "due": code in DUE_CODES, "state": event}
        context = {"case_id": pk, "m": state, "can_tick": True, "error": error}
        return render(request, "cases/_checklist_state.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Checklist updated.")
    return redirect(reverse("cases:detail", args=[pk]) + f"#check-{code}")
