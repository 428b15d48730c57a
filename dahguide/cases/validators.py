"""Refuse obvious patient identifiers in a case label.

A label is a memory aid ("GPA, high flow, day 3"), never a way to find the patient. The checks
catch what is typed by habit — a record number, a date of birth, the words that announce them —
and report every reason at once (like Django's password validators). They cannot catch a name:
the warning beside the field asks for none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import ValidationError

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DIGIT_RUN = re.compile(r"\d{6,}")
_DIGIT_GROUPS = re.compile(r"\d+(?:[ \-]\d+)+")
_DATE = re.compile(
    r"\b\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?[ \-]?{_MONTHS}[ \-,]*\d{{2,4}}\b"
    rf"|\b{_MONTHS} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{2,4}}\b",
    re.IGNORECASE,
)
_IDENTIFIER_WORD = re.compile(
    r"\b(?:mrn|dob|d\.o\.b|nhs|ssn|born|hospital (?:no|number)|record (?:no|number))\b", re.IGNORECASE
)


def _long_grouped_number(value: str) -> bool:
    """Digit groups split by spaces or dashes that add up to 9+ digits, e.g. an NHS number "943 476 5919"."""
    return any(sum(c.isdigit() for c in m.group()) >= 9 for m in _DIGIT_GROUPS.finditer(value))


_RULES: tuple[tuple[Callable[[str], bool], str, str], ...] = (
    (
        lambda v: bool(_DIGIT_RUN.search(v)),
        "label_digit_run",
        "Six or more digits in a row look like a record or phone number.",
    ),
    (
        _long_grouped_number,
        "label_digit_groups",
        "A long number split into groups looks like a record or health-service number.",
    ),
    (
        lambda v: bool(_DATE.search(v)),
        "label_date",
        "Dates are not allowed: a date of birth or of admission can identify a patient.",
    ),
    (
        lambda v: bool(_IDENTIFIER_WORD.search(v)),
        "label_identifier_word",
        "Words such as MRN, DOB or NHS announce an identifier.",
    ),
)
LABEL_WARNING = (
    "Do not enter names, record numbers or dates of birth. "
    "Describe the case instead, for example “GPA, high-flow oxygen, day 3”."
)


def validate_label_has_no_identifiers(value: str) -> None:
    errors = [ValidationError(message, code=code) for test, code, message in _RULES if test(value or "")]
    if errors:
        raise ValidationError(errors)
