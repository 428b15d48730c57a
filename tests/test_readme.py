"""The README's two set-up commands are the ones the project really uses."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Set-up", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines() if line.strip()]


def test_readme_gives_exactly_two_setup_commands():
    assert _setup_commands() == ["bin/setup", "bin/test"]


def test_ci_runs_the_readme_test_command_on_sqlite_and_postgresql():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = _setup_commands()[1]
    runs = [i for i, line in enumerate(ci.splitlines()) if line.strip() == test_command]
    assert len(runs) == 2
    assert "DATABASE_URL=postgres" in "\n".join(ci.splitlines()[runs[0] : runs[1]])


def test_setup_command_loads_guideline_and_demo_accounts_then_serves():
    setup = (ROOT / "bin" / "setup").read_text()
    steps = [m.group(1) for m in re.finditer(r"manage\.py (\w+)", setup)]
    assert steps[:3] == ["migrate", "load_guideline", "seed_demo"]
    assert steps[-1] == "runserver"


def _collected(*args: str, second_pass: bool) -> str:
    import os
    import subprocess

    env = {**os.environ, "DAHGUIDE_SECOND_DATABASE_PASS": "1" if second_pass else ""}
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "pytest"), "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout


def test_the_second_database_pass_runs_the_tests_that_use_the_database():
    files = ("tests/engine/test_units.py", "tests/security/test_backup_restore.py", "tests/cases/test_list.py")
    first, second = _collected(*files, second_pass=False), _collected(*files, second_pass=True)
    assert "tests/engine/test_units.py::" in first
    assert "tests/engine/test_units.py::" not in second  # pure Python: the same on any database
    assert "test_migrate_from_empty_then_backup_and_restore_round_trip[postgresql]" in second
    assert "test_migrate_from_empty_then_backup_and_restore_round_trip[sqlite]" in first
    assert "round_trip[sqlite]" not in second  # a SQLite file of its own: the same in either pass
    assert second.count("tests/cases/test_list.py::") == first.count("tests/cases/test_list.py::") > 0


def test_ci_marks_only_the_postgresql_pass_as_the_second_one():
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.index("export DAHGUIDE_SECOND_DATABASE_PASS=1") > ci.index("export DATABASE_URL=postgres")


def test_the_second_database_pass_leaves_the_browser_run_out():
    import os
    import subprocess

    env = {**os.environ, "DAHGUIDE_SECOND_DATABASE_PASS": "1", "CHROMIUM_PATH": "/bin/true"}
    result = subprocess.run(
        [str(ROOT / "bin" / "test"), "tests/browser/test_login_page.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0
    assert "browser tests: in the first pass only" in result.stdout
    assert "test session starts" not in result.stdout  # no pytest run at all
