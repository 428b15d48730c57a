"""Template hooks other pages use without importing this app: the nav link and the plan page's save form."""

from __future__ import annotations

from typing import Any

from django import template

from dahguide.accounts.roles import PHYSICIAN, RESIDENT, has_role
from dahguide.cases.forms import AmendCaseForm, SaveCaseForm
from dahguide.cases.selectors import draft_case_link

register = template.Library()


@register.filter
def can_review_cases(user: Any) -> bool:
    """Physicians and residents see saved cases. ``has_role`` caches the roles on the request's user."""
    return has_role(user, PHYSICIAN, RESIDENT)


@register.inclusion_tag("cases/_save_form.html")
def save_case_form(draft: Any, plan: dict[str, Any]) -> dict[str, Any]:
    """On the wizard's plan page: save the plan as a case, or as the next revision of the case it amends."""
    link = draft_case_link(draft=draft)
    initial = {"content_hash": plan["guideline"]["content_hash"]}
    form = AmendCaseForm(initial=initial) if link.amend_case else SaveCaseForm(initial=initial)
    return {"draft": draft, "form": form, "amend_case": link.amend_case, "saved_case_id": link.saved_case_id,
            "saved_number": link.saved_number}
