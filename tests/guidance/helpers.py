"""Small edits of the real guideline document for the refusal tests."""

from __future__ import annotations

import copy
from typing import Any


def edited(document: dict, kind: str, code: str, **changes: Any) -> dict:
    """A deep copy of ``document`` with one item of ``kind`` (by code or key) changed."""
    doc = copy.deepcopy(document)
    item = next(i for i in doc[kind] if i.get("code", i.get("key")) == code)
    item.update(changes)
    return doc
