"""A newcomer's first commands work as written: bin/test routes its arguments, bin/setup checks Python.

These run the real scripts (bin/test runs pytest inside pytest, with a selection small enough to be
quick); the README's two commands themselves are checked in tests/test_readme.py.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT_HEADER = "== unit, view and property tests"
BROWSER_HEADER = "== browser tests"


def _bin_test(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TEST_WORKERS": "0"}
    return subprocess.run(["bin/test", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_a_unit_test_path_runs_only_the_unit_run():
    result = _bin_test("tests/test_readme.py", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert UNIT_HEADER in result.stdout
    assert BROWSER_HEADER not in result.stdout


def test_a_browser_test_path_runs_only_the_browser_run():
    result = _bin_test("tests/browser/test_login_page.py", "--collect-only", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout + result.stderr
    assert UNIT_HEADER not in result.stdout
    assert BROWSER_HEADER in result.stdout


def test_an_option_that_selects_unit_tests_only_exits_0():
    # -k goes to both runs; the browser run then selects nothing (pytest's exit 5), which is fine.
    result = _bin_test(
        "tests/test_readme.py",
        "tests/browser/test_login_page.py",
        "-k",
        "test_readme_gives_exactly_two_setup_commands",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert UNIT_HEADER in result.stdout and BROWSER_HEADER in result.stdout
    assert "test_readme_gives_exactly_two_setup_commands" in result.stdout


def test_nothing_selected_at_all_exits_5_and_says_so():
    result = _bin_test("tests/test_readme.py", "-k", "no_test_has_this_name", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 5
    assert "No test matched the arguments given." in result.stdout


def _fake_bin(tmp_path: Path, name: str, body: str) -> None:
    path = tmp_path / name
    path.write_text(f"#!/usr/bin/env bash\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def _ensure_python(tmp_path: Path, py: str) -> subprocess.CompletedProcess[str]:
    # Not root, whoever runs the suite: the script must say what to install, not install it.
    _fake_bin(tmp_path, "id", "echo 1000")
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", f". bin/lib/venv.sh; ensure_python {py}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_setup_names_the_package_when_pythons_venv_module_is_missing(tmp_path):
    # A Debian 12 python3 without python3-venv: everything imports but venv/ensurepip.
    _fake_bin(
        tmp_path,
        "python3-no-venv",
        """case "$*" in
  *ensurepip*) exit 1 ;;
  *print*) echo 3.11 ;;
  *) exit 0 ;;
esac""",
    )
    result = _ensure_python(tmp_path, "python3-no-venv")
    assert result.returncode == 1
    assert "sudo apt-get install python3.11-venv" in result.stderr


def test_setup_refuses_a_python_older_than_3_11(tmp_path):
    _fake_bin(
        tmp_path,
        "python3-old",
        """case "$*" in
  *version_info*) exit 1 ;;
  --version) echo "Python 3.9.2" ;;
esac""",
    )
    result = _ensure_python(tmp_path, "python3-old")
    assert result.returncode == 1
    assert "needs Python 3.11 or newer" in result.stderr and "3.9.2" in result.stderr


def test_setup_says_when_there_is_no_python_at_all(tmp_path):
    result = _ensure_python(tmp_path, "no-such-python3")
    assert result.returncode == 1
    assert "install Python 3.11 or newer" in result.stderr


@pytest.mark.parametrize("path", ["README.md", "docs"])
def test_user_facing_docs_name_no_issue_numbers(path):
    import re

    files = [ROOT / path] if path.endswith(".md") else sorted((ROOT / path).rglob("*.md"))
    found = [
        f"{f.relative_to(ROOT)}: {m.group(0)}"
        for f in files
        for m in re.finditer(r"\bissues? #?\d+", f.read_text(), re.I)
    ]
    assert found == []


def test_readme_runs_manage_py_from_the_virtualenv():
    readme = (ROOT / "README.md").read_text()
    import re

    bare = [m.group(0) for m in re.finditer(r"(?<![/\w.])python3? manage\.py \w+", readme)]
    assert bare == []
