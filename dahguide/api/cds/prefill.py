"""The card's link into the wizard: the mapped answers, signed, in the URL.

The token holds intake answers only (no name, record number or birth date), is signed with the
SECRET_KEY (it cannot be forged or edited) and expires after ``MAX_AGE_SECONDS``. Opening the
link shows what will be filled in; the physician confirms, and a draft is created (a GET never
creates anything).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core import signing

from dahguide.engine.intake import INPUT_NAMES

SALT = "dahguide.api.cds.prefill"
MAX_AGE_SECONDS = 12 * 60 * 60


@dataclass(frozen=True)
class Prefill:
    answers: dict[str, str]  # raw answers per input name, as the wizard stores them
    used: list[str]  # what the EHR sent, in words
    stale: list[str]  # values not used because they were too old
    read_at: str  # ISO time the EHR data were read


def dumps(*, answers: Mapping[str, str], used: list[str], stale: list[str], read_at: str) -> str:
    payload = {"a": dict(answers), "u": used, "s": stale, "t": read_at}
    return signing.dumps(payload, salt=SALT, compress=True)


def loads(token: str) -> Prefill | None:
    """The prefill, or None for a token that is forged, edited or expired."""
    if not token or len(token) > 20_000:
        return None
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    answers = {k: str(v) for k, v in (payload.get("a") or {}).items() if k in INPUT_NAMES}
    return Prefill(answers, list(payload.get("u") or []), list(payload.get("s") or []), str(payload.get("t") or ""))
