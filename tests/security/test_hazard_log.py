"""The hazard log's evidence exists: every ``tests/...::test_name`` it cites is a real test."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "safety" / "hazard-log.md"
REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)(?:\[[^\]]*\])?")


def _references() -> list[tuple[str, str]]:
    return sorted(set(REFERENCE.findall(LOG.read_text(encoding="utf-8"))))


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_the_log_cites_tests_for_every_hazard():
    rows = [line for line in LOG.read_text(encoding="utf-8").splitlines() if re.match(r"\| H\d+ ", line)]
    assert len(rows) >= 14
    uncited = [row.split("|")[1].strip() for row in rows if not REFERENCE.search(row)]
    assert uncited == []


@pytest.mark.parametrize(("path", "name"), _references(), ids=lambda value: value)
def test_cited_test_exists(path, name):
    file = ROOT / path
    assert file.is_file(), f"{path} does not exist"
    assert name in _test_functions(file), f"{path} has no test named {name}"


def test_the_reference_pattern_drops_parameters():
    assert REFERENCE.findall("`tests/a/b.py::test_x[chromium-1]`") == [("tests/a/b.py", "test_x")]
