"""The log-in lockout: the real client behind the proxy, the per-account slowdown, how long, unlocking.

Proxy settings come from the environment as an operator sets them (``TRUSTED_PROXY_COUNT``), read
by importing the settings in a fresh interpreter, then applied to this process.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import F, Max, Sum
from django.test import override_settings
from django.urls import reverse

from dahguide.accounts.lockout import slowdown_delay, slowdown_remaining, wait_text

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"
PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the app from it
WARD_A, WARD_B = "10.20.1.11", "10.20.1.12"
PROXY_SETTINGS = (
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_TRUSTED_IPS",
    "IPWARE_STRICT",
)


def settings_from_env(env: dict[str, str]) -> dict:
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {PROXY_SETTINGS!r} if hasattr(settings, n)}}))"
    )
    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "dahguide.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], env={**base, **env}, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    return {name: tuple(v) if isinstance(v, list) and name.endswith("ORDER") else v for name, v in values.items()}


@pytest.fixture(scope="module")
def behind_one_proxy() -> dict:
    return settings_from_env({"TRUSTED_PROXY_COUNT": "1"})


@pytest.fixture
def nurse(django_user_model):
    return django_user_model.objects.create_user("nurse", password=PASSWORD)


def _login(client, password: str, *, remote: str = "127.0.0.1", forwarded: str | None = None, username="nurse"):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def _pass_time(seconds: float) -> None:
    """As if the recorded failures happened ``seconds`` earlier."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def _failures() -> tuple[int, object]:
    totals = AccessAttempt.objects.aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    return totals["n"] or 0, totals["last"]


# -- The client address behind the proxy ------------------------------------------------------


def test_without_a_trusted_proxy_forwarded_headers_are_ignored():
    assert settings_from_env({})["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)


def test_settings_refuse_trusted_proxy_addresses_that_do_not_match_the_count():
    with pytest.raises(AssertionError, match="TRUSTED_PROXY_IPS"):
        settings_from_env({"TRUSTED_PROXY_COUNT": "1", "TRUSTED_PROXY_IPS": "10.0.0.2"})


def test_failures_from_one_ward_computer_do_not_lock_out_another_behind_the_proxy(client, nurse, behind_one_proxy):
    with override_settings(**behind_one_proxy):
        for _ in range(5):
            _login(client, "wrong", remote=PROXY, forwarded=WARD_A)
        _pass_time(120)  # past the short per-account slowdown; the lockout of ward A lasts 15 minutes
        assert _login(client, "wrong", remote=PROXY, forwarded=WARD_A).status_code == 429
        assert _login(client, PASSWORD, remote=PROXY, forwarded=WARD_B).status_code == 302


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, nurse, behind_one_proxy):
    with override_settings(**behind_one_proxy):
        for n in range(5):  # the proxy appends the real address after whatever the client sent
            _login(client, "wrong", remote=PROXY, forwarded=f"203.0.113.{n}, {WARD_A}")
        _pass_time(120)
        assert _login(client, PASSWORD, remote=PROXY, forwarded=f"{WARD_B}, {WARD_A}").status_code == 429


def test_without_a_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_lockout(client, nurse):
    for n in range(5):
        _login(client, "wrong", remote=WARD_A, forwarded=f"203.0.113.{n}")
    _pass_time(120)
    assert _login(client, PASSWORD, remote=WARD_A, forwarded=WARD_B).status_code == 429


# -- The per-account slowdown across addresses --------------------------------------------------


def test_failures_from_many_addresses_slow_the_account_down(client, nurse):
    for n in range(5):
        _login(client, "wrong", remote=f"198.51.100.{n}")
    response = _login(client, PASSWORD, remote="198.51.100.99")
    assert response.status_code == 429
    assert "Try again in 2 seconds" in response.content.decode()
    assert response["Retry-After"] == "2"


def test_a_slowed_down_attempt_is_refused_without_checking_the_password(client, nurse):
    for n in range(5):
        _login(client, "wrong", remote=f"198.51.100.{n}")
    before = _failures()
    _login(client, "wrong", remote="198.51.100.99")
    assert _failures() == before  # neither counted nor restarting the delay


def test_the_owner_logs_in_once_the_slowdown_delay_has_passed(client, nurse):
    for n in range(5):
        _login(client, "wrong", remote=f"198.51.100.{n}")
    _pass_time(3)
    assert _login(client, PASSWORD, remote="198.51.100.99").status_code == 302


def test_the_slowdown_grows_with_each_failure():
    assert [slowdown_delay(n) for n in range(4, 10)] == [0, 2, 4, 8, 16, 32]


def test_the_slowdown_is_capped_at_a_minute():
    assert slowdown_delay(10_000) == 60


def test_many_failures_keep_the_owner_waiting_at_most_a_minute(nurse):
    AccessAttempt.objects.create(username="nurse", ip_address="198.51.100.1", user_agent="x", failures_since_start=500)
    _pass_time(61)
    assert slowdown_remaining("nurse") == 0


# -- How long, and unlocking --------------------------------------------------------------------


def test_the_locked_out_page_says_how_long_the_lockout_lasts(client, nurse):
    for _ in range(5):
        _login(client, "wrong")
    _pass_time(120)
    response = _login(client, PASSWORD)
    assert "Try again in 13 minutes" in response.content.decode()


def test_attempts_during_a_lockout_do_not_extend_it(client, nurse):
    for _ in range(5):
        _login(client, "wrong")
    _pass_time(120)
    before = _failures()
    _login(client, "wrong")
    assert _failures() == before


def test_wait_text_rounds_minutes_up():
    assert [wait_text(1), wait_text(59), wait_text(60), wait_text(61), wait_text(900)] == [
        "1 second",
        "59 seconds",
        "1 minute",
        "2 minutes",
        "15 minutes",
    ]


def test_an_administrator_unlocks_an_account_from_the_user_admin(client, nurse, admin_user):
    for _ in range(5):
        _login(client, "wrong")
    client.force_login(admin_user)
    client.post(reverse("admin:auth_user_changelist"), {"action": "unlock_login", ACTION_CHECKBOX_NAME: [nurse.pk]})
    client.logout()
    assert _login(client, PASSWORD).status_code == 302


def test_a_slowed_down_attempt_is_logged_with_its_address(client, nurse, caplog):
    for n in range(5):
        _login(client, "wrong", remote=f"198.51.100.{n}")
    with caplog.at_level(logging.INFO, logger="dahguide.security"):
        _login(client, PASSWORD, remote="198.51.100.99")
    slowed = next(r for r in caplog.records if getattr(r, "event", "") == "login_slowed")
    assert (slowed.username, slowed.client_ip) == ("nurse", "198.51.100.99")
