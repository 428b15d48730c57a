from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from dahguide.engine.vocabulary import PLEX_CRITERIA
from dahguide.guidance.models import GuidelineVersion
from tests.conftest import GUIDELINE_FILE

pytestmark = pytest.mark.django_db

INTAKE = {
    "age_years": 58,
    "etiology": "mpa",
    "anca_type": "mpo",
    "active_dah": True,
    "oxygen_support": "supplemental_oxygen",
    "spo2_percent": 86,
    "creatinine_value": 3.9,
    "creatinine_unit": "mg/dL",
}


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def intake_file(tmp_path):
    def write(data) -> str:
        path = tmp_path / "intake.json"
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return str(path)

    return write


def test_evaluate_prints_the_plan_with_all_four_criteria(published_guideline, intake_file):
    out, _ = run("evaluate", intake_file(INTAKE))
    plan = json.loads(out)
    assert [c["code"] for c in plan["plasma_exchange"]["criteria"]] == list(PLEX_CRITERIA)


def test_evaluate_names_the_published_guideline_version(published_guideline, intake_file):
    out, _ = run("evaluate", intake_file(INTAKE))
    assert json.loads(out)["guideline"]["content_hash"] == published_guideline.content_hash


def test_evaluate_reads_standard_input_for_dash(published_guideline, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(INTAKE)))
    out, _ = run("evaluate", "-")
    assert "plasma_exchange" in json.loads(out)


def test_evaluate_invalid_intake_exits_1_with_errors_on_stderr(published_guideline, intake_file):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("evaluate", intake_file({**INTAKE, "spo2_percent": 140}), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "spo2_percent" in json.loads(err.getvalue())["errors"]


def test_evaluate_invalid_json_exits_1_with_errors_on_stderr(published_guideline, intake_file):
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("evaluate", intake_file("{not json"), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert "not valid JSON" in json.loads(err.getvalue())["errors"]["__all__"][0]


def test_evaluate_without_published_guideline_exits_2(intake_file):
    with pytest.raises(CommandError, match="load_guideline") as exc:
        run("evaluate", intake_file(INTAKE))
    assert exc.value.returncode == 2


def test_load_guideline_publishes_the_fixture_as_version_1():
    run("load_guideline")
    assert GuidelineVersion.objects.get().status == GuidelineVersion.Status.PUBLISHED


def test_load_guideline_twice_loads_once():
    run("load_guideline")
    out, _ = run("load_guideline")
    assert GuidelineVersion.objects.count() == 1
    assert "already published" in out


def test_load_guideline_force_new_version_publishes_version_2():
    run("load_guideline")
    run("load_guideline", "--force-new-version", "--file", str(GUIDELINE_FILE))
    assert list(GuidelineVersion.objects.order_by("number").values_list("status", flat=True)) == [
        GuidelineVersion.Status.RETIRED,
        GuidelineVersion.Status.PUBLISHED,
    ]


def test_load_guideline_lists_every_problem_of_an_invalid_file(tmp_path, guideline_document):
    document = json.loads(json.dumps(guideline_document))
    document["thresholds"][0]["value"] = "-1"
    path = tmp_path / "guideline.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError, match="outside the plausible range"):
        run("load_guideline", "--file", str(path))
