"""Log-in hooks of the idle logout (dahguide/accounts/idle.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from dahguide.accounts import idle


@receiver(user_logged_in, dispatch_uid="dahguide.accounts.idle_start")
def start_idle_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    session[idle.LAST_ACTIVITY] = idle.now()
    # What someone else was typing before their idle logout is never offered to this user.
    idle.drop_kept_input_of_others(session, user.pk)
