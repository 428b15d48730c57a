"""One read of the launched patient's chart, with the same searches as the CDS Hooks prefetch.

The result has the shape of a CDS Hooks prefetch, so the shared mapping (``dahguide.api.cds.mapping``)
turns it into intake answers exactly as it does for a CDS card: one mapping, not two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests
from fhir.resources.R4B.humanname import HumanName

from dahguide.api.cds.views import PREFETCH_TEMPLATES
from dahguide.api.smart import errors, oauth
from dahguide.api.smart.transport import get_json

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_PATIENT_PLACEHOLDER = "{{context.patientId}}"


@dataclass(frozen=True)
class Chart:
    prefetch: dict[str, Any]  # CDS Hooks prefetch keys -> FHIR resource; a key is absent when it could not be read
    patient_name: str  # for identification on the confirmation page only: never stored


def read(*, iss: str, token: dict[str, Any], patient_id: str, redirect_uri: str) -> Chart:
    if not isinstance(patient_id, str) or not _FHIR_ID.match(patient_id):
        raise errors.LaunchError(
            "The EHR did not say which patient",
            "The launch came back without a patient. Open DAH Guide again from the patient's chart.",
            status=502,
        )
    session = oauth.client(redirect_uri=redirect_uri, token=token)
    prefetch: dict[str, Any] = {}
    try:
        for key, template in PREFETCH_TEMPLATES.items():
            url = f"{iss}/{template.replace(_PATIENT_PLACEHOLDER, patient_id)}"
            try:
                prefetch[key] = get_json(url, session=session)
            except requests.HTTPError:
                if key == "patient":
                    raise
                # Not allowed or not supported: reported as "could not be read" and left unknown.
    except requests.Timeout as exc:
        raise errors.ehr_unreachable("read the patient's chart") from exc
    except (requests.RequestException, ValueError) as exc:
        raise errors.ehr_refused("read the patient's chart") from exc
    finally:
        session.close()
    patient = prefetch.get("patient") or {}
    if patient.get("resourceType") != "Patient" or patient.get("id") != patient_id:
        raise errors.ehr_refused("read the patient's chart (the EHR sent another resource than the patient)")
    return Chart(prefetch, _name(patient))


def _name(patient: dict[str, Any]) -> str:
    """The official (else the first) name, as FHIR's HumanName reads it; "" when it cannot be read."""
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if chosen is None:
        return ""
    try:
        name = HumanName.model_validate(chosen)
    except ValueError:
        return ""
    if name.text:
        return name.text[:120]
    return " ".join([*(g for g in name.given or [] if g is not None), name.family or ""]).strip()[:120]
