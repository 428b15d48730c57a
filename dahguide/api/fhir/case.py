"""A saved case as a FHIR R4B ``Bundle`` (type collection):

- ``QuestionnaireResponse``: the inputs, answering the intake ``Questionnaire`` (linkId = field name);
- ``GuidanceResponse``: the evaluation of the ``PlanDefinition`` at the pinned guideline version;
  its notes say which actions are not suggested for this patient, and why;
- ``RequestGroup`` (its ``result``): the plasma-exchange decision with its criteria, the
  recommendations (with this patient's doses and caveats) and the monitoring checklist, as proposals;
- ``OperationOutcome`` (its ``evaluationMessage``): the plan's warnings.

Built from a revision's ``inputs`` and ``plan`` JSON only, so any saved plan can be exported as it
was shown. The case carries no patient identity, so the resources have no subject.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dahguide.api import plan_text
from dahguide.api.fhir import common
from dahguide.engine.intake import FIELDS, STEPS, FieldSpec
from dahguide.plans import labels

# Plan severities as OperationOutcome severities; "critical" stays visible in the issue's coding.
_ISSUE_SEVERITY = {"info": "information", "warning": "warning", "critical": "warning"}
_DECISION_PRIORITY = {"recommended": "urgent", "consider": "urgent"}
_REVISION_IDS = common.canonical("NamingSystem", "dahguide-case-revision")  # "<case id>-<revision number>"


def _answers(spec: FieldSpec, name: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if name == spec.unit_field:
        return [{"valueCoding": common.answer_coding(spec, value)}]
    if spec.kind == "integer":
        return [{"valueInteger": int(value)}]
    if spec.kind in {"number", "lab"}:
        return [{"valueDecimal": value}]  # a JSON number in the normalised intake
    if spec.kind == "boolean":
        return [{"valueBoolean": bool(value)}]
    if spec.kind == "multi_choice":
        values = list(value) or [common.NONE_OF_THESE[0]]  # [] = none present (known), not unknown
        return [{"valueCoding": common.answer_coding(spec, v)} for v in values]
    return [{"valueCoding": common.answer_coding(spec, value)}]


def questionnaire_response(*, inputs: Mapping[str, Any], authored: str, version: str, rid: str) -> dict[str, Any]:
    groups = []
    for step in STEPS:
        items = []
        for field_name in step.fields:
            spec = FIELDS[field_name]
            for name in spec.input_names:
                answers = _answers(spec, name, inputs.get(name))
                if answers:
                    items.append({"linkId": name, "text": common.item_text(spec, name), "answer": answers})
        if items:
            groups.append({"linkId": step.code, "text": step.title, "item": items})
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": rid,
        "questionnaire": f"{common.questionnaire_url()}|{version}",
        "status": "completed",
        "authored": authored,
    }
    if groups:
        response["item"] = groups
    return response


def _citations(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for c in items:
        artifact: dict[str, Any] = {"type": "citation", "label": c.get("label", ""), "display": c.get("label", "")}
        if c.get("reference"):
            artifact["citation"] = c["reference"]
        if c.get("url"):
            artifact["url"] = c["url"]
        out.append(artifact)
    return out


def _action(code: str, title: str, text: str, why: list[str], cites: list[Mapping[str, Any]]) -> dict[str, Any]:
    description = text + (f"\n\nWhy: {'; '.join(why)}." if why else "")
    action: dict[str, Any] = {"id": code, "title": title, "description": description}
    if documentation := _citations(cites):
        action["documentation"] = documentation
    return action


def _plasma_exchange(plex: Mapping[str, Any]) -> dict[str, Any]:
    decision = plex.get("decision", "insufficient_data")
    action = _action(
        "plasma_exchange",
        f"Plasma exchange: {decision.replace('_', ' ')}",
        plex.get("text", ""),
        list(plex.get("why", [])),
        list(plex.get("citations", [])),
    )
    action["code"] = [{"coding": [{"system": common.code_system("plasma_exchange_decision"), "code": decision}]}]
    if decision in _DECISION_PRIORITY:
        action["priority"] = _DECISION_PRIORITY[decision]
    action["action"] = [
        {
            "id": c["code"],
            "title": f"{c.get('label') or c['code']}: {c['status'].replace('_', ' ')}",
            "description": "; ".join(
                part
                for part in (
                    f"observed {c['observed']}" if c.get("observed") else "",
                    f"threshold {c['threshold']}" if c.get("threshold") else "",
                    c.get("explanation", ""),
                )
                if part
            )
            or c["status"].replace("_", " "),
            "code": [{"coding": [{"system": common.code_system("criterion_status"), "code": c["status"]}]}],
        }
        for c in plex.get("criteria", [])
    ]
    return action


def _recommendation(r: Mapping[str, Any]) -> dict[str, Any]:
    """A recommendation with what this patient changes about it, in its description: when, the doses
    for this patient (RequestGroup has no dosage element, and these are display-only figures a
    prescriber confirms, not orders) and the caveats of this patient's modifiers."""
    parts = [r.get("text", "")]
    if r.get("timing"):
        parts.append(f"When: {labels.label_for(labels.TIMING_LABELS, r['timing']).lower()}.")
    if doses := plan_text.dose_lines(list(r.get("doses", []))):
        parts.append("Doses for this patient:\n" + "\n".join(f"- {line}" for line in doses))
    if caveats := [plan_text.caveat_line(c) for c in r.get("caveats", [])]:
        parts.append("For this patient:\n" + "\n".join(f"- {line}" for line in caveats))
    cites = [*r.get("citations", []), *(c for d in r.get("doses", []) for c in d.get("citations", []))]
    return _action(
        r["code"],
        r.get("title") or r["code"],
        "\n\n".join(p for p in parts if p),
        list(r.get("why", [])),
        list({(c.get("label"), c.get("reference")): c for c in cites}.values()),
    )


def request_group(*, plan: Mapping[str, Any], authored: str, version: str, rid: str) -> dict[str, Any]:
    actions = [_plasma_exchange(plan.get("plasma_exchange", {}))]
    actions += [_recommendation(r) for r in plan.get("recommendations", [])]
    monitoring = [
        _action(
            m["code"],
            m["code"].replace("_", " ").capitalize(),
            m.get("text", ""),
            list(m.get("why", [])),
            list(m.get("citations", [])),
        )
        for m in plan.get("monitoring", [])
    ]
    if monitoring:
        actions.append({"id": "monitoring", "title": "Monitoring checklist", "action": monitoring})
    return {
        "resourceType": "RequestGroup",
        "id": rid,
        "instantiatesCanonical": [f"{common.plandefinition_url()}|{version}"],
        "status": "active",
        "intent": "proposal",
        "authoredOn": authored,
        "action": actions,
    }


def operation_outcome(*, plan: Mapping[str, Any], rid: str) -> dict[str, Any]:
    issues = []
    for w in plan.get("warnings", []):
        severity = w.get("severity", "warning")
        issue: dict[str, Any] = {
            "severity": _ISSUE_SEVERITY.get(severity, "warning"),
            "code": "informational",
            "details": {
                "coding": [
                    {"system": common.code_system("warning"), "code": w["code"]},
                    {"system": common.code_system("warning_severity"), "code": severity},
                ],
                "text": w.get("text", ""),
            },
        }
        if w.get("detail"):
            issue["diagnostics"] = w["detail"]
        issues.append(issue)
    if not issues:  # OperationOutcome needs at least one issue
        issues.append({"severity": "information", "code": "informational", "diagnostics": "No warnings."})
    return {"resourceType": "OperationOutcome", "id": rid, "issue": issues}


def guidance_response(
    *,
    plan: Mapping[str, Any],
    authored: str,
    version: str,
    rid: str,
    request_id: str,
    result: str,
    outcome: str,
) -> dict[str, Any]:
    notes = [{"text": plan.get("plasma_exchange", {}).get("text", "")}]
    for w in plan.get("withheld", []):  # a note, not an action: every action of the RequestGroup is a proposal
        title = plan_text.verified(w.get("title") or w["code"], w.get("verification"))
        why = "; ".join(w.get("why_not", []))
        notes.append({"text": f"Not suggested for this patient: {title}." + (f" Why not: {why}" if why else "")})
    if missing := plan.get("missing_data"):
        names = [FIELDS[n].label if n in FIELDS else n for n in missing]
        notes.append({"text": "Missing data that could change this plan: " + ", ".join(names) + "."})
    if plan.get("disclaimer"):
        notes.append({"text": plan["disclaimer"]})
    return {
        "resourceType": "GuidanceResponse",
        "id": rid,
        "requestIdentifier": {"system": _REVISION_IDS, "value": request_id},
        "moduleCanonical": f"{common.plandefinition_url()}|{version}",
        "status": "success",
        "occurrenceDateTime": authored,
        "note": [n for n in notes if n["text"]],
        "evaluationMessage": [{"reference": outcome}],
        "result": {"reference": result},
    }


def case_bundle(
    *, case_id: int, revision_number: int, authored: str, inputs: Mapping[str, Any], plan: Mapping[str, Any]
) -> dict[str, Any]:
    """The Bundle of one case revision. ``inputs`` is the normalised intake (the plan's own
    ``inputs`` is used when present, so the answers are exactly those the plan was computed from)."""
    answers = plan.get("inputs") or inputs
    version = str(plan.get("guideline", {}).get("version", ""))
    ids = {
        kind: common.stable_uuid("case", case_id, revision_number, kind)
        for kind in (
            "bundle",
            "QuestionnaireResponse",
            "GuidanceResponse",
            "RequestGroup",
            "OperationOutcome",
        )
    }
    urn = {kind: f"urn:uuid:{value}" for kind, value in ids.items()}
    resources = [
        questionnaire_response(inputs=answers, authored=authored, version=version, rid=ids["QuestionnaireResponse"]),
        guidance_response(
            plan=plan,
            authored=authored,
            version=version,
            rid=ids["GuidanceResponse"],
            request_id=f"{case_id}-{revision_number}",
            result=urn["RequestGroup"],
            outcome=urn["OperationOutcome"],
        ),
        request_group(plan=plan, authored=authored, version=version, rid=ids["RequestGroup"]),
        operation_outcome(plan=plan, rid=ids["OperationOutcome"]),
    ]
    return {
        "resourceType": "Bundle",
        "id": ids["bundle"],
        "identifier": {"system": _REVISION_IDS, "value": f"{case_id}-{revision_number}"},
        "type": "collection",
        "timestamp": authored,
        "entry": [{"fullUrl": urn[r["resourceType"]], "resource": r} for r in resources],
    }
