"""The JSON API, the CDS Hooks service and the FHIR export (docs/api.md).

Imports point downwards only: this app may read cases, the wizard, guidance and the engine;
nothing imports it.
"""
