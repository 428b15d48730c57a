"""Idle logout on shared ward computers, without a database write on every read.

The session records when its user was last active, at most once every
``SESSION_ACTIVITY_INTERVAL`` seconds (a minute by default), so a read costs no write; the idle
rule (``SESSION_IDLE_TIMEOUT``) is enforced on every request from that record. The session row
itself lives longer (``SESSION_COOKIE_AGE``) so that, when the idle logout ends a session, the
server still knows whose it was and can keep what that user was typing for them: the form they
were sending is kept in the new, anonymous session and offered back only to the same user after
they log in again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, QueryDict

LAST_ACTIVITY = "_idle_last_activity"
KEPT = "_idle_kept_input"
# Sent by static/js/app.js with a form the user was typing in when the countdown ran out.
IDLE_LOGOUT_FIELD = "_idle_logout"
# Never kept: the token belongs to the ended session, the rest is how the form was sent.
NOT_KEPT = frozenset({"csrfmiddlewaretoken", IDLE_LOGOUT_FIELD, "action"})
# A form bigger than this is not kept (a comment field holds a few thousand characters).
MAX_KEPT_CHARS = 50_000

PageFor = Callable[..., str]


def now() -> int:
    return int(time.time())


def last_activity(session: SessionBase) -> int | None:
    value = session.get(LAST_ACTIVITY)
    return value if isinstance(value, int) else None


def remaining(session: SessionBase, at: int) -> int:
    """Seconds until the idle logout, as the server will enforce it."""
    last = last_activity(session)
    if last is None:
        return settings.SESSION_IDLE_TIMEOUT
    return max(0, last + settings.SESSION_IDLE_TIMEOUT - at)


def is_expired(session: SessionBase, at: int) -> bool:
    last = last_activity(session)
    return last is not None and at - last >= settings.SESSION_IDLE_TIMEOUT


def record_activity(session: SessionBase, at: int) -> bool:
    """Note activity now; write the session only when the last record is a minute old (or none)."""
    last = last_activity(session)
    if last is not None and at - last < settings.SESSION_ACTIVITY_INTERVAL:
        return False
    session[LAST_ACTIVITY] = at
    return True


def keeps_input(page: PageFor) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view whose form is kept through an idle logout; ``page(**url_kwargs)`` is the page
    that shows the form again (and calls ``take_kept_input``)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.idle_keep_page = page  # type: ignore[attr-defined]
        return view

    return mark


def kept_page(view: Callable[..., Any], kwargs: Mapping[str, Any]) -> str | None:
    page: PageFor | None = getattr(view, "idle_keep_page", None)
    return page(**kwargs) if page else None


def keep_input(session: SessionBase, *, user_id: int, action: str, data: QueryDict, at: int) -> bool:
    """Keep a posted form for ``user_id`` in ``session``; False when there was nothing to keep."""
    fields = {key: values for key, values in data.lists() if key not in NOT_KEPT}
    if not any(value.strip() for values in fields.values() for value in values):
        return False
    if sum(len(value) for values in fields.values() for value in values) > MAX_KEPT_CHARS:
        return False
    session[KEPT] = {"user": user_id, "action": action, "data": fields, "at": at}
    return True


def take_kept_input(request: HttpRequest, action: str) -> QueryDict | None:
    """The form the logged-in user was sending to ``action`` when the idle logout came, once.

    Someone else logging in on the same computer never sees it (and it is dropped)."""
    kept = request.session.get(KEPT)
    if not isinstance(kept, dict) or kept.get("action") != action:
        return None
    del request.session[KEPT]
    if kept.get("user") != request.user.pk:
        return None
    data = QueryDict(mutable=True)
    for key, values in (kept.get("data") or {}).items():
        data.setlist(key, [str(value) for value in values])
    return data


def drop_kept_input_of_others(session: SessionBase, user_id: int) -> None:
    kept = session.get(KEPT)
    if isinstance(kept, dict) and kept.get("user") != user_id:
        del session[KEPT]
