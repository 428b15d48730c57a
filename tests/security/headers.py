"""The security headers every response must carry; shared by the access matrix and the header tests."""

from __future__ import annotations

from django.http import HttpResponse

REQUIRED_CSP = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)


def csp_directives(response: HttpResponse) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def security_header_problems(response: HttpResponse, *, authenticated: bool) -> list[str]:
    """What is missing or too weak in a response's security headers (empty when all is well)."""
    problems = []
    header = response.get("Content-Security-Policy")
    if not header:
        problems.append("no Content-Security-Policy header")
    else:
        directives = csp_directives(response)
        for required in REQUIRED_CSP:
            name, *values = required.split()
            if directives.get(name) != values:
                problems.append(f"CSP {name} is {directives.get(name)!r}, expected {values!r}")
        for directive, sources in directives.items():
            weak = [s for s in sources if s in {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"}]
            if weak:
                problems.append(f"CSP {directive} allows {weak}")
    if response.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options is {response.get('X-Frame-Options')!r}, expected 'DENY'")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append(f"Referrer-Policy is {response.get('Referrer-Policy')!r}, expected 'same-origin'")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    policy = response.get("Permissions-Policy", "")
    if not all(f"{feature}=()" in policy for feature in ("camera", "microphone", "geolocation")):
        problems.append(f"Permissions-Policy does not switch off camera, microphone, geolocation: {policy!r}")
    if authenticated:
        cache = {part.strip() for part in response.get("Cache-Control", "").split(",")}
        if not {"no-store", "private"} <= cache:
            problems.append(f"Cache-Control is {response.get('Cache-Control')!r} for a logged-in user (needs no-store)")
    return problems
