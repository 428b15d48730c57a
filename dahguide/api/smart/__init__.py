"""SMART App Launch 2 (EHR and standalone launch): discovery, authorization code with PKCE, one
read of the patient's chart, and the prefilled confirmation page (docs/smart.md).

The access token lives in one request's memory only: it is never written to the session, the
database, a template or a log, and is dropped once the chart has been read.
"""
