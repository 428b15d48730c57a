"""The test EHR's patients: FHIR R4 resources as an EHR sends them, dated relative to "now".

Realistic on purpose: creatinine in µmol/L for one patient and mg/dL for another, an older value
beside the newest one, a value too old to be current, a patient with no observations at all, an
implausible reading, a diagnosis coded in ICD-10 only and one in SNOMED CT.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@dataclass(frozen=True)
class Patient:
    id: str
    name: str  # as the EHR's launch page lists it
    build: Callable[[datetime], list[dict[str, Any]]]  # every resource of the chart at a moment


def _stamp(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _patient(pid: str, given: str, family: str, gender: str, born: str) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "active": True,
        "gender": gender,
        "birthDate": born,
        "name": [{"use": "official", "family": family, "given": [given]}],
        "identifier": [{"system": "urn:oid:1.2.36.146.595.217.0.1", "value": f"MRN-{pid.upper()}"}],
    }


def _obs(
    pid: str,
    oid: str,
    code: str,
    display: str,
    value: float | int,
    unit: str,
    ucum: str,
    when: datetime,
    *,
    components: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs" if code in {"59408-5", "29463-7", "8302-2"} else "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{pid}"},
        "effectiveDateTime": _stamp(when),
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum},
    }
    if components:
        resource["component"] = components
    return resource


def _condition(pid: str, cid: str, system: str, code: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
        },
        "verificationStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]
        },
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{pid}"},
    }


def _order(pid: str, mid: str, rxnorm: str, display: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": mid,
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxnorm, "display": display}]},
        "subject": {"reference": f"Patient/{pid}"},
    }


def _anna(now: datetime) -> list[dict[str, Any]]:
    """GPA with pulmonary-renal syndrome: creatinine in µmol/L, on oxygen with a blood gas, on apixaban."""
    pid = "anna"
    oxygen = [
        {
            "code": {"coding": [{"system": LOINC, "code": "3151-8", "display": "Inhaled oxygen flow rate"}]},
            "valueQuantity": {"value": 6, "unit": "L/min", "system": UCUM, "code": "L/min"},
        }
    ]
    return [
        _patient(pid, "Anna", "Berg", "female", "1961-04-12"),
        _obs(
            pid,
            "anna-creat-1",
            "14682-9",
            "Creatinine [Moles/volume] in Serum or Plasma",
            342,
            "µmol/L",
            "umol/L",
            now - timedelta(hours=3),
        ),
        _obs(
            pid,
            "anna-creat-0",
            "14682-9",
            "Creatinine [Moles/volume] in Serum or Plasma",
            110,
            "µmol/L",
            "umol/L",
            now - timedelta(days=5),
        ),
        _obs(
            pid,
            "anna-plt",
            "777-3",
            "Platelets [#/volume] in Blood by Automated count",
            88,
            "10*3/uL",
            "10*3/uL",
            now - timedelta(hours=4),
        ),
        _obs(
            pid,
            "anna-inr",
            "6301-6",
            "INR in Platelet poor plasma by Coagulation assay",
            1.4,
            "{INR}",
            "{INR}",
            now - timedelta(hours=4),
        ),
        _obs(
            pid,
            "anna-fib",
            "3255-7",
            "Fibrinogen [Mass/volume] in Platelet poor plasma",
            1.9,
            "g/L",
            "g/L",
            now - timedelta(hours=4),
        ),
        _obs(
            pid,
            "anna-spo2",
            "59408-5",
            "Oxygen saturation in Arterial blood by Pulse oximetry",
            88,
            "%",
            "%",
            now - timedelta(hours=1),
            components=oxygen,
        ),
        # An arterial gas: PaO₂ and FiO₂ as two Observations taken together (P/F 155 mmHg).
        _obs(
            pid,
            "anna-pao2",
            "2703-7",
            "Oxygen [Partial pressure] in Arterial blood",
            62,
            "mmHg",
            "mm[Hg]",
            now - timedelta(minutes=50),
        ),
        _obs(pid, "anna-fio2", "3150-0", "Inhaled oxygen concentration", 40, "%", "%", now - timedelta(minutes=52)),
        _obs(
            pid,
            "anna-egfr",
            "98979-8",
            "Glomerular filtration rate/1.73 sq M.predicted (CKD-EPI 2021)",
            12,
            "mL/min/1.73m2",
            "mL/min/{1.73_m2}",
            now - timedelta(hours=3),
        ),
        _obs(pid, "anna-weight", "29463-7", "Body weight", 64, "kg", "kg", now - timedelta(days=1)),
        _obs(pid, "anna-height", "8302-2", "Body height", 168, "cm", "cm", now - timedelta(days=200)),
        _condition(pid, "anna-gpa", SNOMED, "195353004", "Granulomatosis with polyangiitis"),
        _order(pid, "anna-apixaban", "1364430", "apixaban"),
    ]


def _bruno(now: datetime) -> list[dict[str, Any]]:
    """MPA coded in ICD-10 only: creatinine in mg/dL, platelets too old, a P/F but no SpO₂, on warfarin."""
    pid = "bruno"
    return [
        _patient(pid, "Bruno", "Keller", "male", "1949-11-02"),
        _obs(
            pid,
            "bruno-creat",
            "2160-0",
            "Creatinine [Mass/volume] in Serum or Plasma",
            3.9,
            "mg/dL",
            "mg/dL",
            now - timedelta(hours=2),
        ),
        _obs(
            pid,
            "bruno-plt",
            "777-3",
            "Platelets [#/volume] in Blood by Automated count",
            140,
            "10*9/L",
            "10*9/L",
            now - timedelta(days=6),
        ),
        _obs(
            pid,
            "bruno-inr",
            "6301-6",
            "INR in Platelet poor plasma by Coagulation assay",
            2.8,
            "{INR}",
            "{INR}",
            now - timedelta(hours=5),
        ),
        _obs(
            pid,
            "bruno-pf",
            "50984-4",
            "Horowitz index in Arterial blood",
            230,
            "mmHg",
            "mm[Hg]",
            now - timedelta(hours=2),
        ),
        _obs(
            pid,
            "bruno-fib",
            "3255-7",
            "Fibrinogen [Mass/volume] in Platelet poor plasma",
            320,
            "mg/dL",
            "mg/dL",
            now - timedelta(hours=5),
        ),
        _condition(pid, "bruno-mpa", ICD10, "M31.7", "Microscopic polyangiitis"),
        _order(pid, "bruno-warfarin", "11289", "warfarin"),
    ]


def _carla(now: datetime) -> list[dict[str, Any]]:
    """Just admitted: no laboratory result yet, one implausible SpO₂ (a fraction filed as a percentage)."""
    pid = "carla"
    return [
        _patient(pid, "Carla", "Nunes", "female", "1990-07-30"),
        _obs(
            pid,
            "carla-spo2",
            "59408-5",
            "Oxygen saturation in Arterial blood by Pulse oximetry",
            0.86,
            "%",
            "%",
            now - timedelta(minutes=20),
        ),
    ]


PATIENTS: dict[str, Patient] = {
    p.id: p
    for p in (
        Patient("anna", "Anna Berg", _anna),
        Patient("bruno", "Bruno Keller", _bruno),
        Patient("carla", "Carla Nunes", _carla),
    )
}
