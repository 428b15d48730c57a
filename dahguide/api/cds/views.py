"""CDS Hooks 2.0 endpoints (discovery and the ``dah-treatment`` service) and the page the cards
link to, which starts a wizard draft prefilled with what the EHR sent.

The CDS endpoints are called by EHR servers (or browser-based EHRs: CORS is open, since
authentication is a bearer JWT, never a cookie) and answer JSON only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from dahguide.api.cds import auth, cards, mapping, prefill
from dahguide.api.cds import feedback as cds_feedback
from dahguide.api.rest import MAX_BODY_BYTES, load_json
from dahguide.api.services import draft_create_from_ehr
from dahguide.engine.evaluation import evaluate_parsed
from dahguide.engine.intake import FIELDS
from dahguide.feedback import services as feedback_services
from dahguide.guidance.selectors import get_published_snapshot
from dahguide.wizard.answers import STEP_CODES
from dahguide.wizard.display import display_answer
from dahguide.wizard.views import physician_required

SERVICE_ID = "dah-treatment"
HOOK = "patient-view"
_LOINC_CODES = ",".join(f"{mapping.LOINC}|{code}" for code in mapping.OBSERVATION_CODES)
# What the EHR sends with each call: prefetch key -> FHIR query; the SMART launch reads the same.
PREFETCH_TEMPLATES = {
    "patient": "Patient/{{context.patientId}}",
    "observations": f"Observation?patient={{{{context.patientId}}}}&code={_LOINC_CODES}&_sort=-date&_count=100",
    "conditions": "Condition?patient={{context.patientId}}&clinical-status=active",
    "medications": "MedicationRequest?patient={{context.patientId}}&status=active,on-hold",
}
SERVICE = {
    "hook": HOOK,
    "id": SERVICE_ID,
    "title": "DAH Guide: treatment of diffuse alveolar hemorrhage",
    "description": (
        "The plasma-exchange decision with its criteria, what to give now with this patient's doses and caveats, "
        "the actions not suggested for this patient and why, and the critical warnings for a patient with diffuse "
        "alveolar hemorrhage, from the latest creatinine, platelets, SpO₂, INR and fibrinogen, the problem list "
        "and the active anticoagulant or antiplatelet orders; with a link to the DAH Guide wizard prefilled with "
        "these values."
    ),
    "prefetch": PREFETCH_TEMPLATES,
    "usageRequirements": (
        "Sign each request with an HS256 JWT using the shared secret DAH Guide's administrator gave your EHR. "
        "The service reads prefetched data only; it never queries the FHIR server."
    ),
}


def hook_time() -> datetime:
    """The moment the EHR data are judged against (a function, so tests can fix it)."""
    return timezone.localtime()


def _cors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = HttpResponse(status=204) if request.method == "OPTIONS" else view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Cache-Control"] = "no-store"
        return response

    return wrapper


def _error(status: int, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@csrf_exempt
@_cors
@require_http_methods(["GET", "OPTIONS"])
def discovery(request: HttpRequest) -> HttpResponse:
    """Public, as CDS clients expect: it lists the service, not any patient."""
    return JsonResponse({"services": [SERVICE]})


@csrf_exempt
@_cors
@require_http_methods(["POST", "OPTIONS"])
def service(request: HttpRequest) -> HttpResponse:
    try:
        client = auth.authenticate(request)
    except auth.CdsAuthError as exc:
        return _error(401, str(exc), **{"WWW-Authenticate": 'Bearer realm="cds-services"'})
    try:
        body = load_json(request.read(MAX_BODY_BYTES + 1))
    except ValueError as exc:
        return _error(400, str(exc))
    problem = _request_problem(body)
    if problem:
        return _error(400, problem)
    snapshot = get_published_snapshot()
    if snapshot is None:
        return _error(503, "No guideline version is published in DAH Guide.")
    assert snapshot.version is not None  # a published version's snapshot names its number

    now = hook_time()
    mapped = mapping.map_prefetch(body.get("prefetch"), now=now)
    plan = evaluate_parsed(mapping.to_intake(mapped), snapshot).document
    token = prefill.dumps(
        answers=mapping.answers(mapped), used=mapped.used, stale=mapped.stale, read_at=now.isoformat()
    )
    link = {
        "label": "Open in DAH Guide (prefilled with these values)",
        "url": request.build_absolute_uri(reverse("api:from_cds") + "?" + urlencode({"t": token})),
        "type": "absolute",
    }
    source = {"label": f"DAH Guide (guideline version {snapshot.version})", "url": request.build_absolute_uri("/")}
    built = cards.build_cards(plan, mapped, fhir_server=bool(body.get("fhirServer")), source=source, link=link)
    # Each card by its uuid, for the feedback endpoint and the editors' counts: no patient data.
    feedback_services.cds_cards_record(
        cards=[
            feedback_services.IssuedCard(c["uuid"], c["source"]["topic"]["code"], cards.card_recommendations(c, plan))
            for c in built
        ],
        guideline_version=snapshot.version,
        issuer=client.issuer,
    )
    return JsonResponse({"cards": built})


@csrf_exempt
@_cors
@require_http_methods(["POST", "OPTIONS"])
def feedback(request: HttpRequest) -> HttpResponse:
    """CDS Hooks 2.0 feedback on the service's cards: accepted, or overridden with a reason.

    Authenticated as the service is (its URL or this one as the token's audience); idempotent per
    card; all items are stored or none. 200 with what was stored, 400 for bad input, 409 when a card
    already has a different outcome.
    """
    try:
        client = auth.authenticate(request, service_path=reverse("api:cds_service"))
    except auth.CdsAuthError as exc:
        return _error(401, str(exc), **{"WWW-Authenticate": 'Bearer realm="cds-services"'})
    try:
        items = cds_feedback.parse(load_json(request.read(MAX_BODY_BYTES + 1)))
    except ValueError as exc:
        return _error(400, str(exc))
    except cds_feedback.FeedbackInvalid as exc:
        return JsonResponse({"error": "The feedback was not stored.", "problems": exc.problems}, status=400)
    try:
        stored = feedback_services.cds_feedback_record(issuer=client.issuer, items=items)
    except feedback_services.FeedbackRefused as exc:
        problems = {f"feedback[{i}].card": p for i, p in exc.problems.items()}
        return JsonResponse(
            {"error": "The feedback was not stored.", "problems": problems}, status=409 if exc.conflict else 400
        )
    return JsonResponse({"stored": sum(stored), "already_stored": len(stored) - sum(stored)})


def _request_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "The request must be a JSON object (a CDS Hooks request)."
    if body.get("hook") != HOOK:
        return f"This service answers the '{HOOK}' hook only."
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"]:
        return "hookInstance is required."
    context = body.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("patientId"), str):
        return "context.patientId is required."
    if body.get("prefetch") is not None and not isinstance(body["prefetch"], dict):
        return "prefetch must be an object of prefetch keys."
    return ""


@physician_required
@require_http_methods(["GET", "POST"])
def from_cds(request: HttpRequest) -> HttpResponse:
    """Show what the EHR sent; on confirmation, start a draft prefilled with it."""
    token = request.POST.get("t", "") if request.method == "POST" else request.GET.get("t", "")
    data = prefill.loads(token)
    if data is None:
        return render(request, "api/from_cds_invalid.html", status=400)
    if request.method == "POST":
        snapshot = get_published_snapshot()
        draft = draft_create_from_ehr(
            owner=request.user,
            answers=data.answers,
            guideline_version=snapshot.version if snapshot else None,
            sources=dict.fromkeys(data.answers, "sent with the EHR's CDS Hooks card"),
        )
        return redirect("wizard:step", pk=draft.pk, step=STEP_CODES[0])
    rows = [
        {"label": spec.label, "value": display_answer(spec, data.answers)}
        for spec in FIELDS.values()
        if any(name in data.answers for name in spec.input_names)
    ]
    return render(request, "api/from_cds.html", {"token": token, "rows": rows, "prefill": data})
