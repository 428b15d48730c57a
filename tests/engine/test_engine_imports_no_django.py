"""The clinical engine is pure Python: importing it never imports Django (STYLE.md)."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import dahguide.engine

ENGINE = Path(dahguide.engine.__file__).parent
REPO = ENGINE.parents[1]
MODULES = sorted(f"dahguide.engine.{m.name}" for m in pkgutil.iter_modules([str(ENGINE)]))


def test_engine_has_the_expected_modules() -> None:
    expected = {"content", "vocabulary", "units", "intake", "facts", "rules", "plasma_exchange", "plan"}
    assert {m.rsplit(".", 1)[1] for m in MODULES} >= expected


def test_engine_imports_no_django() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    completed = subprocess.run(  # noqa: S603 (fixed interpreter and code)
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": "", "PYTHONPATH": str(REPO)},
    )
    assert completed.stdout.strip() == ""


def test_engine_source_never_mentions_a_django_import() -> None:
    pattern = re.compile(r"^\s*(import\s+django|from\s+django)", re.MULTILINE)
    offenders = [p.name for p in ENGINE.glob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
