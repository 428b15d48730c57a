"""Production mode, imported in a fresh interpreter as the documented environment sets it up.

The access matrix checks the headers of every page in test settings; these tests check what only
production mode switches on (HTTPS, HSTS, secure cookies, the proxy header) and that Django's
deployment checks have nothing to say.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "dahguide.settings",
    "DAHGUIDE_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(45)[:60],
    "ALLOWED_HOSTS": "dahguide.example.org",
}
SETTING_NAMES = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "X_FRAME_OPTIONS",
    "SECURE_REFERRER_POLICY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "CONTENT_SECURITY_POLICY",
    "SESSION_COOKIE_AGE",
    "SESSION_IDLE_TIMEOUT",
    "SESSION_ACTIVITY_INTERVAL",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "PERMISSIONS_POLICY",
)


@pytest.fixture(scope="module")
def production_settings() -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {SETTING_NAMES!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=PRODUCTION_ENV, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_has_no_findings_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=PRODUCTION_ENV,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_redirects_http_to_https(production_settings):
    assert production_settings["SECURE_SSL_REDIRECT"] is True


def test_production_trusts_the_proxys_forwarded_proto_header(production_settings):
    assert production_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_sends_hsts_for_a_year_with_subdomains(production_settings):
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True


def test_production_cookies_are_https_only(production_settings):
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True


def test_production_debug_is_off(production_settings):
    assert production_settings["DEBUG"] is False


def test_production_forbids_framing_and_sends_referrer_policy(production_settings):
    assert production_settings["X_FRAME_OPTIONS"] == "DENY"
    assert production_settings["SECURE_REFERRER_POLICY"] == "same-origin"
    assert production_settings["SECURE_CONTENT_TYPE_NOSNIFF"] is True


def test_production_csp_allows_no_inline_code(production_settings):
    directives = production_settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in json.dumps(directives)


def test_production_session_ends_after_15_idle_minutes_by_default(production_settings):
    assert production_settings["SESSION_IDLE_TIMEOUT"] == 15 * 60
    assert production_settings["SESSION_ACTIVITY_INTERVAL"] == 60
    # Enforced by IdleSessionMiddleware, not by saving the session on every request.
    assert production_settings["SESSION_SAVE_EVERY_REQUEST"] is False
    assert production_settings["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True


def test_production_permissions_policy_switches_off_device_features(production_settings):
    policy = production_settings["PERMISSIONS_POLICY"]
    assert all(policy[feature] == [] for feature in ("camera", "microphone", "geolocation"))


def test_production_refuses_debug():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**PRODUCTION_ENV, "DEBUG": "true"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr
