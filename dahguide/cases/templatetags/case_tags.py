"""Template hooks other pages use without importing this app: the nav link to the saved cases.

(The plan page's save form is a wizard plan panel: ``views.save_case_panel``, registered in ``apps``.)
"""

from __future__ import annotations

from typing import Any

from django import template

from dahguide.accounts.roles import PHYSICIAN, RESIDENT, has_role

register = template.Library()


@register.filter
def can_review_cases(user: Any) -> bool:
    """Physicians and residents see saved cases. ``has_role`` caches the roles on the request's user."""
    return has_role(user, PHYSICIAN, RESIDENT)
