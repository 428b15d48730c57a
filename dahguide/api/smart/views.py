"""SMART App Launch pages: the launch URL, the redirect URI and the confirmation. Thin: each calls a
service and renders; every failure is a page of its own (``smart/problem.html``), never a 500."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dahguide.accounts.roles import PHYSICIAN, has_role
from dahguide.api.smart import services
from dahguide.api.smart.errors import LaunchError
from dahguide.engine.intake import FIELDS
from dahguide.guidance.selectors import get_published_snapshot
from dahguide.wizard.answers import STEP_CODES
from dahguide.wizard.display import display_answer
from dahguide.wizard.views import physician_required

PENDING_KEY = "smart_pending_launch"  # an EHR launch that arrived before the physician logged in


def chart_time() -> datetime:
    """The moment chart values are judged against (a function, so tests can fix it)."""
    return timezone.localtime()


def _problem(request: HttpRequest, error: LaunchError) -> HttpResponse:
    return render(request, "smart/problem.html", {"error": error}, status=error.status)


def _redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("smart:callback"))


@never_cache
@require_GET
def launch(request: HttpRequest) -> HttpResponse:
    """``?iss=…&launch=…`` (EHR launch) or ``?iss=…`` (standalone). Logs in first when needed: the
    launch waits in the session and continues here after the login."""
    continued = "iss" not in request.GET
    params: dict[str, str] | None
    if not continued:
        params = {"iss": request.GET.get("iss", ""), "launch": request.GET.get("launch", "")}
    else:
        params = request.session.get(PENDING_KEY)
        if not params:
            return _problem(
                request,
                LaunchError(
                    "Open DAH Guide from the EHR",
                    "This address is the one the EHR opens when a clinician launches DAH Guide from a chart. Launch it "
                    "from the patient's chart, or start an assessment by hand.",
                ),
            )
    try:
        services.allowed_issuer(params["iss"])  # an unknown EHR is refused before any login
    except LaunchError as error:
        return _problem(request, error)
    if not request.user.is_authenticated:
        request.session[PENDING_KEY] = params
        return redirect_to_login(reverse("smart:launch"))
    request.session.pop(PENDING_KEY, None)
    if not has_role(request.user, PHYSICIAN):
        raise PermissionDenied("Only physicians start assessments from the EHR.")
    try:
        url = services.launch_begin(
            session=request.session, iss=params["iss"], launch=params["launch"], redirect_uri=_redirect_uri(request)
        )
    except LaunchError as error:
        return _problem(request, error)
    if continued:
        # Here straight from the login form: CSP form-action forbids a redirect chain from a form to another
        # origin, so the browser goes on to the EHR from a page of its own.
        return render(request, "smart/continue.html", {"authorize_url": url})
    return redirect(url)


@never_cache
@physician_required
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The redirect URI: the EHR's answer, then the confirmation page (rendered here, with the name)."""
    query = {k: request.GET.get(k, "") for k in ("state", "code", "error") if k in request.GET}
    try:
        prefill = services.launch_finish(
            session=request.session, query=query, redirect_uri=_redirect_uri(request), now=chart_time()
        )
    except LaunchError as error:
        return _problem(request, error)
    return _confirmation(request, prefill)


@never_cache
@physician_required
@require_http_methods(["POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    prefill = services.stored_prefill(session=request.session, prefill_id=request.POST.get("p", ""))
    if prefill is None:
        return _problem(
            request,
            LaunchError(
                "These chart values can no longer be used",
                "They were read more than 30 minutes ago, or were already used to start an assessment. Launch DAH "
                "Guide from the chart again to read the current values.",
            ),
        )
    snapshot = get_published_snapshot()
    draft = services.prefill_confirm(
        session=request.session,
        prefill=prefill,
        owner=request.user,
        guideline_version=snapshot.version if snapshot else None,
    )
    return redirect("wizard:step", pk=draft.pk, step=STEP_CODES[0])


def _confirmation(request: HttpRequest, prefill: services.ChartPrefill) -> HttpResponse:
    rows = [
        {
            "label": spec.label,
            "value": display_answer(spec, prefill.answers),
            "source": prefill.sources.get(spec.name, ""),
        }
        for spec in FIELDS.values()
        if any(name in prefill.answers for name in spec.input_names)
    ]
    read_at = datetime.fromisoformat(prefill.read_at)
    return render(request, "smart/confirm.html", {"prefill": prefill, "rows": rows, "read_at": read_at})
