"""A small EHR on loopback for the SMART launch tests: SMART discovery, authorize, token (with PKCE
checked) and FHIR R4 read/search over the patients of ``patients.py``.

Plain WSGI (wsgiref, one thread per request), Django-free, so it runs beside pytest-django's
live server in the same process. Every switch a failure test needs is an attribute of ``FakeEHR``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from tests.fake_ehr.patients import PATIENTS

CLIENT_ID = "dahguide-test"
RESOURCES = ("Patient", "Observation", "Condition", "MedicationRequest")
V2_SCOPES = [f"patient/{r}.rs" for r in RESOURCES]
V1_SCOPES = [f"patient/{r}.read" for r in RESOURCES]
StartResponse = Callable[..., Any]


@dataclass
class Grant:
    patient: str
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    issued: float


@dataclass
class FakeEHR:
    client_id: str = CLIENT_ID
    client_secret: str = ""  # set: a confidential client, authenticated with HTTP Basic
    smart_configuration: bool = True  # False: /.well-known/smart-configuration is 404 (CapabilityStatement only)
    v1_only: bool = False  # the server lists SMART v1 scopes only
    deny: bool = False  # the user refuses the authorization
    token_error: str = ""  # the token endpoint answers this OAuth error
    fhir_delay: float = 0.0  # seconds every FHIR request waits before answering
    code_lifetime: float = 60.0
    standalone_patient: str = "anna"  # the patient "picked" in a standalone launch
    launches: dict[str, str] = field(default_factory=dict)  # launch token -> patient id
    grants: dict[str, Grant] = field(default_factory=dict)  # authorization code -> grant
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)  # access token -> (patient, scope)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    fhir_requests: list[str] = field(default_factory=list)
    _server: WSGIServer | None = None

    # -- Running -------------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeEHR:
        self._server = make_server("127.0.0.1", port, self, server_class=_ThreadingServer, handler_class=_Quiet)
        threading.Thread(target=self._server.serve_forever, name="fake-ehr", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the EHR first"
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)  # an IPv4 address; only an AF_UNIX server has bytes
        return f"http://{host}:{port}"

    @property
    def iss(self) -> str:
        return f"{self.base_url}/fhir"

    def launch_url(self, app_launch_url: str, patient: str) -> str:
        """What the EHR opens when the clinician starts the app from this patient's chart."""
        token = secrets.token_urlsafe(12)
        self.launches[token] = patient
        return f"{app_launch_url}?{urlencode({'iss': self.iss, 'launch': token})}"

    def issued_tokens(self) -> list[str]:
        return list(self.tokens)

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/fhir/.well-known/smart-configuration":
            if not self.smart_configuration:
                return _json(start_response, 404, _outcome("not-found", "No SMART configuration here."))
            return _json(start_response, 200, self._smart_configuration())
        if path == "/fhir/metadata":
            return _json(start_response, 200, self._capability_statement())
        if path == "/authorize":
            return self._authorize(query, start_response)
        if path == "/token" and environ.get("REQUEST_METHOD") == "POST":
            return self._token(environ, start_response)
        if path.startswith("/fhir/"):
            return self._fhir(environ, path.removeprefix("/fhir/"), query, start_response)
        if path == "/":
            return _html(start_response, 200, self._home(query.get("app", "")))
        return _json(start_response, 404, _outcome("not-found", "Unknown path."))

    # -- SMART ---------------------------------------------------------------------------------

    def _smart_configuration(self) -> dict[str, Any]:
        scopes = V1_SCOPES if self.v1_only else V2_SCOPES
        return {
            "issuer": self.iss,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
            "grant_types_supported": ["authorization_code"],
            "scopes_supported": ["launch", "launch/patient", "offline_access", *scopes],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "capabilities": [
                "launch-ehr",
                "launch-standalone",
                "client-public",
                "client-confidential-symmetric",
                "context-ehr-patient",
                "context-standalone-patient",
                "permission-v1" if self.v1_only else "permission-v2",
            ],
        }

    def _capability_statement(self) -> dict[str, Any]:
        oauth = {
            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
            "extension": [
                {"url": "authorize", "valueUri": f"{self.base_url}/authorize"},
                {"url": "token", "valueUri": f"{self.base_url}/token"},
            ],
        }
        return {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "date": "2025-01-01",
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "extension": [oauth],
                        "service": [
                            {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                        "code": "SMART-on-FHIR",
                                    }
                                ]
                            }
                        ],
                    },
                    "resource": [
                        {"type": r, "interaction": [{"code": "read"}, {"code": "search-type"}]} for r in RESOURCES
                    ],
                }
            ],
        }

    def _authorize(self, query: dict[str, str], start_response: StartResponse) -> Iterable[bytes]:
        self.authorize_requests.append(query)
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            return _html(start_response, 400, "<h1>Unknown client or redirect URI</h1>")
        redirect_uri, state = query["redirect_uri"], query.get("state", "")

        def back(**params: str) -> Iterable[bytes]:
            return _redirect(start_response, f"{redirect_uri}?{urlencode({**params, 'state': state})}")

        scopes = query.get("scope", "").split()
        problem = ""
        if query.get("response_type") != "code":
            problem = "response_type must be code"
        elif query.get("aud") != self.iss:
            problem = "aud is not this FHIR server"
        elif query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            problem = "PKCE with S256 is required"
        elif not state:
            problem = "state is required"
        elif "launch" in query and "launch" not in scopes:
            problem = "the launch scope is required with a launch"
        elif "launch" not in query and "launch/patient" not in scopes:
            problem = "launch/patient is required in a standalone launch"
        if problem:
            return back(error="invalid_request", error_description=problem)
        if "launch" in query:
            patient = self.launches.get(query["launch"])
            if patient is None:
                return back(error="invalid_request", error_description="unknown launch")
        else:
            patient = self.standalone_patient
        if self.deny:
            return back(error="access_denied", error_description="The user denied the authorization.")
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            patient,
            self.client_id,
            redirect_uri,
            query["code_challenge"],
            " ".join(s for s in scopes if s.startswith(("patient/", "launch"))),
            time.time(),
        )
        return back(code=code)

    def _token(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {k: v[-1] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        self.token_requests.append({k: v for k, v in form.items() if k != "client_secret"})
        if self.token_error:
            return _json(start_response, 400, {"error": self.token_error})
        client_id = form.get("client_id", "")
        header = environ.get("HTTP_AUTHORIZATION", "")
        if self.client_secret:
            expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            if not secrets.compare_digest(header, expected):
                return _json(start_response, 401, {"error": "invalid_client"})
            client_id = self.client_id
        elif header:
            return _json(start_response, 401, {"error": "invalid_client", "error_description": "public client"})
        grant = self.grants.pop(form.get("code", ""), None)  # a code is used once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return _json(start_response, 400, {"error": "invalid_grant", "error_description": "unknown code"})
        if time.time() - grant.issued > self.code_lifetime:
            return _json(start_response, 400, {"error": "invalid_grant", "error_description": "code expired"})
        if client_id != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            return _json(start_response, 400, {"error": "invalid_grant", "error_description": "client mismatch"})
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or not secrets.compare_digest(digest, grant.challenge):
            return _json(start_response, 400, {"error": "invalid_grant", "error_description": "PKCE check failed"})
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (grant.patient, grant.scope)
        return _json(
            start_response,
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": grant.scope,
                "patient": grant.patient,
            },
        )

    # -- FHIR ----------------------------------------------------------------------------------

    def _fhir(
        self, environ: dict[str, Any], path: str, query: dict[str, str], start_response: StartResponse
    ) -> Iterable[bytes]:
        self.fhir_requests.append(path)
        if self.fhir_delay:
            time.sleep(self.fhir_delay)
        header = environ.get("HTTP_AUTHORIZATION", "")
        grant = self.tokens.get(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        if grant is None:
            return _json(start_response, 401, _outcome("login", "A valid bearer token is required."))
        patient, scope = grant
        resource_type, _, rid = path.partition("/")
        if not any(s in scope.split() for s in (f"patient/{resource_type}.rs", f"patient/{resource_type}.read")):
            return _json(start_response, 403, _outcome("forbidden", f"The token does not allow {resource_type}."))
        chart = PATIENTS[patient].build(datetime.now(UTC))
        if resource_type == "Patient":
            if rid != patient:
                return _json(start_response, 403, _outcome("forbidden", "Another patient."))
            return _json(start_response, 200, chart[0])
        if rid or query.get("patient") not in (patient, f"Patient/{patient}"):
            return _json(start_response, 403, _outcome("forbidden", "Search this patient's resources only."))
        found = [r for r in chart if r["resourceType"] == resource_type]
        codes = {c.split("|")[-1] for c in query.get("code", "").split(",") if c}
        if codes:
            found = [r for r in found if {c["code"] for c in r["code"]["coding"]} & codes]
        if resource_type == "Observation":
            found.sort(key=lambda r: r["effectiveDateTime"], reverse=True)
        return _json(
            start_response,
            200,
            {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(found),
                "entry": [
                    {"fullUrl": f"{self.iss}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                    for r in found
                ],
            },
        )

    def _home(self, app: str) -> str:
        """The EHR's patient list: each chart has a link that launches the app."""
        rows = "".join(
            f'<li><a href="{self.launch_url(app, p.id)}">{p.name}</a></li>' if app else f"<li>{p.name}</li>"
            for p in PATIENTS.values()
        )
        return (
            f"<!doctype html><html lang='en'><title>Test EHR</title><h1>Test EHR</h1>"
            f"<p>Open DAH Guide from a chart:</p><ul>{rows}</ul></html>"
        )


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def _outcome(code: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": code, "diagnostics": text}]}


def _json(start_response: StartResponse, status: int, body: Any) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    content_type = "application/fhir+json" if isinstance(body, dict) and "resourceType" in body else "application/json"
    start_response(
        f"{status} {_REASONS.get(status, 'Status')}",
        [("Content-Type", content_type), ("Content-Length", str(len(data))), ("Cache-Control", "no-store")],
    )
    return [data]


def _html(start_response: StartResponse, status: int, body: str) -> Iterable[bytes]:
    data = body.encode()
    start_response(
        f"{status} {_REASONS.get(status, 'Status')}",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


def _redirect(start_response: StartResponse, location: str) -> Iterable[bytes]:
    assert urlsplit(location).scheme in {"http", "https"}
    start_response("302 Found", [("Location", location), ("Content-Length", "0")])
    return [b""]


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
