"""Reads never import writes: services build on selectors, both on documents, and no import hides
a cycle inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import dahguide.guidance

GUIDANCE = Path(dahguide.guidance.__file__).parent
SELECTORS = "dahguide.guidance.selectors"
SERVICES = "dahguide.guidance.services"


def imported(module: str) -> set[str]:
    """Every module the file imports, at the top or inside a function."""
    tree = ast.parse((GUIDANCE / f"{module}.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # from package import module
    return names


def test_documents_import_neither_selectors_nor_services() -> None:
    assert imported("documents") & {SELECTORS, SERVICES} == set()


def test_selectors_do_not_import_services() -> None:
    assert SERVICES not in imported("selectors")
