"""The bedside wizard: home, five steps, review, plan; plus two small htmx endpoints.

Views stay thin: read the draft (selectors), read and check answers (answers), save (services),
render. Every view answers an htmx request with a partial only when it is not a history
restore, and says so with ``Vary: HX-Request``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, trigger_client_event

from dahguide.accounts.access import is_partial, logged_in_required, role_required
from dahguide.accounts.idle import keeps_input, take_kept_input
from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR, PHYSICIAN, RESIDENT, has_role
from dahguide.engine.content import Snapshot
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.engine.intake import FIELDS, STEPS, Step
from dahguide.guidance.selectors import get_published_snapshot
from dahguide.plans.display import changed_marks, plan_view, preview_of
from dahguide.wizard import flow, selectors, services
from dahguide.wizard.answers import (
    REQUIRED_STEP_CODES,
    SESSION_UNITS,
    STEP_CODES,
    STEPS_BY_CODE,
    chosen_units,
    default_units,
    first_step_with_errors,
    parse_answers,
    parse_answers_leniently,
    raw_from_post,
    raw_from_query,
    step_errors,
)
from dahguide.wizard.display import ENTERED, FROM_EHR, answer_rows
from dahguide.wizard.extensions import plan_panels
from dahguide.wizard.helpers import lab_conversion, pf_helper, rising_helper, rising_text
from dahguide.wizard.models import DraftAssessment
from dahguide.wizard.questions import STEP_TEMPLATES, build_form, helper_context

REVIEW = flow.REVIEW
SEE_PLAN = flow.PLAN  # the step form's "See the plan now" (once the required steps are saved)
_UNSET = object()  # "the caller has not read the snapshot" (None means none is published)
RETURN_TARGETS = flow.RETURN_TARGETS


physician_required = role_required(PHYSICIAN, refusal="Only physicians start and edit bedside assessments.")


# -- Flow ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    code: str
    title: str
    number: int
    template: str


def _step_view(step: Step) -> StepView:
    return StepView(step.code, step.title, STEP_CODES.index(step.code) + 1, STEP_TEMPLATES[step.code])


def _step_url(draft: DraftAssessment, code: str) -> str:
    return reverse("wizard:step", args=[draft.pk, code])


def _resume_url(draft: DraftAssessment) -> str:
    code = flow.resume_step(draft)
    return reverse("wizard:review", args=[draft.pk]) if code == REVIEW else _step_url(draft, code)


def _step_urls(draft: DraftAssessment) -> dict[str, str]:
    """Each step's URL, reversed once for a page that links to every step several times."""
    return {code: _step_url(draft, code) for code in STEP_CODES}


def _indicator(draft: DraftAssessment, current: str, step_urls: dict[str, str] | None = None) -> list[dict[str, Any]]:
    items = []
    for step in STEPS:
        complete = step.code in draft.completed_steps
        url = ""
        if flow.can_open(draft, step.code):
            url = step_urls[step.code] if step_urls else _step_url(draft, step.code)
        items.append(
            {
                "label": f"{STEP_CODES.index(step.code) + 1}. {step.title}",
                "complete": complete,
                "current": step.code == current,
                "optional": step.code not in REQUIRED_STEP_CODES,
                "url": url,
            }
        )
    ready = flow.required_done(draft)
    items.append(
        {
            "label": "Review",
            "complete": ready and draft.finished,
            "current": current == REVIEW,
            "url": reverse("wizard:review", args=[draft.pk]) if ready else "",
        }
    )
    return items


def _pf_avoid(snapshot: Snapshot | None) -> tuple[Decimal, ...]:
    """Never round a P/F ratio onto the hypoxemia threshold (300.4 must not read as 300)."""
    threshold = snapshot.thresholds.get("hypoxemia_pf_ratio_mmhg") if snapshot else None
    return (threshold.value,) if threshold else ()


# -- Home ---------------------------------------------------------------------------------------


@logged_in_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    is_physician = has_role(request.user, PHYSICIAN)
    context = {
        "is_physician": is_physician,
        "is_content_role": has_role(request.user, CONTENT_EDITOR, CLINICAL_REVIEWER),
        "is_resident": has_role(request.user, RESIDENT),
        "drafts": list(selectors.drafts_unfinished(owner=request.user)) if is_physician else [],
        "draft_limit": selectors.UNFINISHED_LIST_LIMIT,
        "step_count": len(STEPS),
    }
    return render(request, "wizard/home.html", context)


@physician_required
@require_POST
def new(request: HttpRequest) -> HttpResponse:
    snapshot = get_published_snapshot()
    draft = services.draft_create(
        owner=request.user, first_step=STEP_CODES[0], guideline_version=snapshot.version if snapshot else None
    )
    return redirect(_step_url(draft, STEP_CODES[0]))


@physician_required
@require_GET
def resume(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    draft = selectors.draft_get(owner=request.user, pk=pk)
    return redirect(_resume_url(draft))


# -- Steps --------------------------------------------------------------------------------------


def _step_page(pk: uuid.UUID, step: str) -> str:
    return reverse("wizard:step", args=[pk, step])


@keeps_input(page=_step_page)
@physician_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: uuid.UUID, step: str) -> HttpResponse:
    draft = selectors.draft_get(owner=request.user, pk=pk)
    current = STEPS_BY_CODE.get(step)
    if current is None:
        raise Http404("No such step.")
    if not flow.can_open(draft, step):
        first = flow.first_incomplete(draft)
        messages.info(request, "Steps are answered in order: please complete this step first.")
        return redirect(_step_url(draft, first) if first else reverse("wizard:review", args=[draft.pk]))

    return_to = request.POST.get("return_to") or request.GET.get("return_to") or ""
    return_to = return_to if return_to in RETURN_TARGETS else ""
    if request.method == "GET":
        kept = take_kept_input(request, request.path)
        if kept is None:
            return _render_step(request, draft, current, draft.answers, return_to=return_to)
        # Typed before the idle logout: shown again, unsaved, for the physician to check and save.
        raw = raw_from_post(current, kept, draft.answers, _lab_units(request))
        return _render_step(
            request,
            draft,
            current,
            {**draft.answers, **raw},
            return_to=return_to,
            notice="What you typed on this step before the idle logout is back. Check it, then save.",
        )

    action = request.POST.get("action", "next")
    raw = raw_from_post(current, request.POST, draft.answers, _lab_units(request))
    _remember_units(request, chosen_units(current, raw))
    merged = {**draft.answers, **raw}

    if action in {"calculate_pf", "suggest_rising"}:
        snapshot = get_published_snapshot()
        notice, focus_id = _apply_helper(action, merged, raw, _pf_avoid(snapshot))
        merged = {**draft.answers, **raw}
        errors = step_errors(current, merged)
        draft = services.draft_save_answers(
            draft=draft, answers=raw, current_step=step, incomplete=[step] if errors else []
        )
        return _render_step(
            request,
            draft,
            current,
            draft.answers,
            notice=notice,
            focus_id=focus_id,
            return_to=return_to,
            same=True,
            snapshot=snapshot,
        )

    outcome = services.draft_submit_step(draft=draft, step=step, raw=raw, action=action, return_to=return_to)
    draft = outcome.draft
    if outcome.errors:
        return _render_step(
            request, draft, current, draft.answers, errors=dict(outcome.errors), return_to=return_to, same=True
        )
    if outcome.go_to == SEE_PLAN:
        target = reverse("wizard:plan", args=[draft.pk])
        return HttpResponseClientRedirect(target) if is_partial(request) else redirect(target)
    if outcome.go_to == REVIEW or not flow.can_open(draft, outcome.go_to):
        target = _resume_url(draft)
        return HttpResponseClientRedirect(target) if is_partial(request) else redirect(target)
    return _go_to_step(request, draft, STEPS_BY_CODE[outcome.go_to])


def _apply_helper(
    action: str, merged: dict[str, Any], raw: dict[str, Any], avoid: tuple[Decimal, ...]
) -> tuple[str, str]:
    """Fill the answer a helper computes into ``raw``; return what to tell the physician and
    the id of the input to focus after an htmx swap."""
    if action == "calculate_pf":
        result = pf_helper(merged, avoid)
        if result.value:
            raw["pao2_fio2_ratio"] = result.value
            return f"{result.text} was filled in as the PaO₂/FiO₂ ratio. Check it, then save.", "id_pao2_fio2_ratio"
        return result.text or "Enter PaO₂ and FiO₂ with their units to calculate the ratio.", "id_pao2"
    rising, reason = rising_helper(merged)
    if rising is None:
        text = rising_text(rising, reason) or "Enter a baseline creatinine (with its unit) to use the helper."
        return text, "id_baseline_creatinine_value"
    raw["creatinine_rising_rapidly"] = "true" if rising else "false"
    answer = "Yes" if rising else "No"
    return (
        f"“{answer}” was filled in from the KDIGO 2012 AKI rule: {reason} You can change the answer.",
        f"id_creatinine_rising_rapidly_{'true' if rising else 'false'}",
    )


def _lab_units(request: HttpRequest) -> dict[str, str]:
    """Each lab's unit for a number typed alone: this user's last choice, else the site's default."""
    return default_units(request.session.get(SESSION_UNITS))


def _remember_units(request: HttpRequest, chosen: dict[str, str]) -> None:
    remembered = request.session.get(SESSION_UNITS) or {}
    if chosen and any(remembered.get(k) != v for k, v in chosen.items()):
        request.session[SESSION_UNITS] = {**remembered, **chosen}


def _go_to_step(request: HttpRequest, draft: DraftAssessment, target: Step) -> HttpResponse:
    """After a save: PRG for plain requests; for htmx, the next step's partial and its URL."""
    url = _step_url(draft, target.code)
    if not is_partial(request):
        return redirect(url)
    response = _render_step(request, draft, target, draft.answers)
    return push_url(response, url)


def _render_step(
    request: HttpRequest,
    draft: DraftAssessment,
    step: Step,
    answers: dict[str, Any],
    *,
    errors: dict[str, list[str]] | None = None,
    notice: str = "",
    focus_id: str = "",
    return_to: str = "",
    same: bool = False,
    snapshot: Snapshot | None | object = _UNSET,
) -> HttpResponse:
    partial = is_partial(request)
    index = STEP_CODES.index(step.code)
    lab_units = _lab_units(request)
    context = {
        "draft": draft,
        "step": _step_view(step),
        "step_count": len(STEPS),
        "form": build_form(step, answers, errors, lab_units=lab_units, focus=focus_id),
        "helpers": helper_context(step, answers, lab_units=lab_units),
        "indicator": _indicator(draft, step.code),
        "step_url": _step_url(draft, step.code),
        "previous_step": _step_view(STEPS[index - 1]) if index > 0 else None,
        "is_last_step": index == len(STEPS) - 1,
        "convert_url": reverse("wizard:convert", args=[draft.pk]),
        "preview_url": reverse("wizard:preview", args=[draft.pk]),
        "saved_notice": notice,
        "focus_id": focus_id,
        "return_to": return_to,
        # "See the plan now" once the steps that decide plasma exchange are (or, with this one, will be) saved.
        "can_see_plan": index >= max(STEP_CODES.index(c) for c in REQUIRED_STEP_CODES)
        and flow.required_done(draft, also=step.code),
    }
    if partial:
        response = render(request, "wizard/_step_htmx.html", context)
        if same:
            push_url(response, False)  # the same step again: no new history entry
        return trigger_client_event(response, "stepChanged", after="settle")
    if snapshot is _UNSET:
        snapshot = get_published_snapshot()
    context["preview"] = preview_of(parse_answers_leniently(answers), snapshot)  # type: ignore[arg-type]
    return render(request, "wizard/step.html", context)


# -- htmx endpoints -----------------------------------------------------------------------------


@physician_required
@require_GET
def preview(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The "plan so far" panel from the saved answers overlaid with the unsaved ones of the form."""
    draft = selectors.draft_get(owner=request.user, pk=pk)
    answers = {**draft.answers, **raw_from_query(request.GET, draft.answers)}
    context: dict[str, object] = {"preview": preview_of(parse_answers_leniently(answers), get_published_snapshot())}
    template = "wizard/_preview.html" if is_partial(request) else "wizard/preview_page.html"
    context["draft"] = draft
    return render(request, template, context)


@physician_required
@require_GET
def convert(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Live unit conversion and helper results, as a line of text for an ``aria-live`` region.

    ``for`` names the answer being helped: a lab field (``creatinine_value``), ``pao2_fio2_ratio``
    (P/F from PaO₂/FiO₂) or ``creatinine_rising_rapidly`` (KDIGO AKI rule).
    """
    draft = selectors.draft_get(owner=request.user, pk=pk)
    target = request.GET.get("for", "")
    spec = FIELDS.get(target)
    warning = False
    if spec is not None and spec.kind == "lab":
        unit = request.GET.get(spec.unit_field, "") or _lab_units(request).get(spec.unit_field, "")
        text, warning = lab_conversion(spec, request.GET.get(spec.name, ""), unit)
    elif target == "pao2_fio2_ratio":
        text = pf_helper(request.GET).text
    elif target == "creatinine_rising_rapidly":
        text = rising_text(*rising_helper(request.GET))
    else:
        return HttpResponseBadRequest("Unknown conversion.")
    if is_partial(request):
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        # static/js/wizard.js styles the line as a warning: the text itself carries no markup.
        response["X-Conversion"] = "warning" if warning else "ok"
        return response
    return render(request, "wizard/convert_page.html", {"draft": draft, "text": text, "warning": warning})


# -- Review and plan ----------------------------------------------------------------------------


@physician_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    draft = selectors.draft_get(owner=request.user, pk=pk)
    if not flow.required_done(draft):
        messages.info(request, "Complete the first steps before the review.")
        return redirect(_step_url(draft, flow.first_incomplete(draft) or STEP_CODES[0]))
    if request.method == "POST":
        services.draft_finish(draft=draft)
        return redirect("wizard:plan", pk=draft.pk)
    step_urls = _step_urls(draft)
    context = {
        "draft": draft,
        "indicator": _indicator(draft, REVIEW, step_urls),
        "groups": _answer_groups(draft, step_urls),
    }
    return render(request, "wizard/review.html", context)


def _answer_groups(draft: DraftAssessment, step_urls: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "step": _step_view(step),
            "rows": answer_rows(step, draft.answers, draft.sources),
            "edit_url": f"{step_urls[step.code]}?return_to={REVIEW}",
        }
        for step in STEPS
    ]


def _origin_counts(groups: list[dict[str, Any]]) -> dict[str, int]:
    """How many answers came from the EHR and how many were entered (empty when none came from it)."""
    origins = [row.origin for group in groups for row in group["rows"]]
    if not any(origins):
        return {}
    return {"from_ehr": origins.count(FROM_EHR), "entered": origins.count(ENTERED)}


@physician_required
@require_GET
def plan(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    draft = selectors.draft_get(owner=request.user, pk=pk)
    if not flow.required_done(draft):
        messages.info(request, "Complete the first steps to see the plan.")
        return redirect(_step_url(draft, flow.first_incomplete(draft) or STEP_CODES[0]))
    snapshot = get_published_snapshot()
    if snapshot is None:
        return render(request, "wizard/no_guideline.html", {"draft": draft})
    result = parse_answers(draft.answers)
    if result.errors:
        # Only possible if the field definitions changed since the answers were checked.
        bad_step = first_step_with_errors(draft.answers) or STEP_CODES[0]
        messages.warning(request, "Some answers need checking before the plan can be shown.")
        return redirect(_step_url(draft, bad_step))
    step_urls = _step_urls(draft)
    doc = evaluate_parsed(result, snapshot).document
    plan = plan_view(doc, title=snapshot.title, step_url=step_urls.__getitem__, changed=changed_marks(snapshot))
    assert request.resolver_match is not None  # set for every request the URLconf routed here
    printing = request.resolver_match.url_name == "plan_print"
    context = {
        "draft": draft,
        "indicator": _indicator(draft, "plan", step_urls),
        "plan": plan,
        "started_under_older_version": draft.guideline_version not in (None, snapshot.version),
        "groups": (groups := _answer_groups(draft, step_urls)),
        "origins": _origin_counts(groups),
        "optional_steps": [
            {"title": s.title, "url": step_urls[s.code] if flow.can_open(draft, s.code) else ""}
            for s in STEPS
            if s.code not in draft.completed_steps
        ],
        "panels": [] if printing else plan_panels(request, draft, plan),
        "appendix": printing and request.GET.get("appendix") == "1",
    }
    return render(request, "wizard/plan_print.html" if printing else "wizard/plan.html", context)
