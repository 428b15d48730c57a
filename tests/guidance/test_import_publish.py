from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from dahguide.engine import vocabulary
from dahguide.engine.content import Snapshot
from dahguide.guidance.documents import canonical_document, content_hash, guideline_compile
from dahguide.guidance.models import GuidelineVersion, Recommendation, RecommendationCondition, Threshold
from dahguide.guidance.services import guideline_import, guideline_publish
from tests.guidance.helpers import edited

pytestmark = pytest.mark.django_db

PUBLISHED = GuidelineVersion.Status.PUBLISHED
RETIRED = GuidelineVersion.Status.RETIRED


def test_fixture_loads_as_published_version_1(published_guideline):
    assert (published_guideline.number, published_guideline.status) == (1, PUBLISHED)


def test_published_version_stores_its_snapshot_hash(published_guideline):
    assert published_guideline.content_hash == published_guideline.snapshot["content_hash"]
    assert len(published_guideline.content_hash) == 64


def test_published_snapshot_parses_for_the_engine(published_guideline):
    snapshot = Snapshot.from_dict(published_guideline.snapshot)
    assert snapshot.threshold("plex_creatinine_mg_dl") == Decimal("3.4")


def test_compile_round_trip_equals_the_fixture(guideline_document):
    version = guideline_import(document=guideline_document, publish=False)
    assert canonical_document(guideline_compile(version=version)) == canonical_document(guideline_document)


def test_compile_keeps_citation_order_primary_source_first(guideline_document):
    version = guideline_import(document=guideline_document, publish=False)
    compiled = {t["code"]: t["citations"] for t in guideline_compile(version=version)["thresholds"]}
    assert all(compiled[t["code"]] == t["citations"] for t in guideline_document["thresholds"])


def test_every_recommendation_in_the_loaded_content_has_a_citation(published_guideline):
    uncited = Recommendation.objects.filter(version=published_guideline, citations=None)
    assert list(uncited.values_list("code", flat=True)) == []


def test_content_hash_ignores_publication_metadata_and_item_order(guideline_document):
    shuffled = copy.deepcopy(guideline_document)
    shuffled["recommendations"].reverse()
    shuffled["published_at"] = "2030-01-01T00:00:00+00:00"
    assert content_hash(shuffled) == content_hash(guideline_document)


def test_content_hash_changes_with_a_threshold(guideline_document):
    changed = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="40")
    assert content_hash(changed) != content_hash(guideline_document)


def test_second_publish_retires_the_first(published_guideline, guideline_document):
    second = guideline_import(document=guideline_document, publish=True)
    published_guideline.refresh_from_db()
    assert (published_guideline.status, second.status) == (RETIRED, PUBLISHED)


def test_only_one_version_is_published_after_two_publications(published_guideline, guideline_document):
    guideline_import(document=guideline_document, publish=True)
    assert GuidelineVersion.objects.filter(status=PUBLISHED).count() == 1


def test_database_refuses_a_second_published_version(published_guideline):
    # A plain QuerySet: past the model's frozen guard (frozen.py), down to the database constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet(GuidelineVersion).bulk_create([GuidelineVersion(number=2, title="Rogue", status=PUBLISHED)])


@pytest.mark.parametrize("status", [PUBLISHED, RETIRED])
def test_publish_refuses_a_published_or_retired_version(published_guideline, status):
    QuerySet(GuidelineVersion).filter(pk=published_guideline.pk).update(status=status)  # past the guard
    with pytest.raises(ValidationError, match="never published"):
        guideline_publish(version=published_guideline)


def test_import_without_publish_leaves_a_draft_without_snapshot(guideline_document):
    version = guideline_import(document=guideline_document, publish=False)
    assert (version.status, version.snapshot) == (GuidelineVersion.Status.DRAFT, None)


def test_publish_refuses_content_missing_a_threshold_the_engine_reads(guideline_document):
    doc = copy.deepcopy(guideline_document)
    doc["thresholds"] = [t for t in doc["thresholds"] if t["code"] != "plex_creatinine_mg_dl"]
    with pytest.raises(ValidationError, match="plex_creatinine_mg_dl"):
        guideline_import(document=doc, publish=True)


def test_import_refuses_a_threshold_outside_its_plausible_range_naming_the_unit(guideline_document):
    doc = edited(guideline_document, "thresholds", "plex_creatinine_mg_dl", value="340")
    with pytest.raises(ValidationError) as exc:
        guideline_import(document=doc, publish=False)
    assert any("340 mg/dL is outside the plausible range" in m and "mg/dL)" in m for m in exc.value.messages)


def test_refused_import_saves_nothing(guideline_document):
    doc = edited(guideline_document, "thresholds", "plex_creatinine_mg_dl", value="340")
    with pytest.raises(ValidationError):
        guideline_import(document=doc, publish=True)
    assert not GuidelineVersion.objects.exists()


def test_import_reports_every_problem_at_once(guideline_document):
    doc = edited(guideline_document, "thresholds", "plex_creatinine_mg_dl", value="340")
    doc = edited(doc, "recommendations", "platelet_transfusion", citations=["no_such_citation"])
    with pytest.raises(ValidationError) as exc:
        guideline_import(document=doc, publish=False)
    assert len(exc.value.messages) == 2


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"fact": "blood_colour", "op": "is_true", "values": []}, "not a fact the engine knows"),
        ({"fact": "hypoxemia", "op": "is_maybe", "values": []}, "cannot be used with 'hypoxemia'"),
        ({"fact": "etiology", "op": "in", "values": ["lupus"]}, "'lupus' not allowed for 'etiology'"),
    ],
    ids=["unknown_fact", "unknown_operator", "unknown_value"],
)
def test_import_refuses_an_invalid_condition(guideline_document, condition, expected):
    doc = edited(guideline_document, "recommendations", "platelet_transfusion", applies_when=[[condition]])
    with pytest.raises(ValidationError) as exc:
        guideline_import(document=doc, publish=False)
    assert any("Group 1, condition 1" in m and expected in m for m in exc.value.messages)


def test_import_writes_renamed_facts_under_their_current_names(guideline_document):
    """A document written under the old names (an export of older published content) becomes a
    draft in today's names, in rules and in dose reductions alike."""
    text = json.dumps(guideline_document)
    for old, new in vocabulary.RENAMED_FACTS.items():
        text = text.replace(f'"fact": "{new}"', f'"fact": "{old}"')
    old_document = json.loads(text)
    assert old_document != guideline_document

    version = guideline_import(document=old_document, publish=False)
    assert canonical_document(guideline_compile(version=version)) == canonical_document(guideline_document)
    facts = set(RecommendationCondition.objects.filter(recommendation__version=version).values_list("fact", flat=True))
    assert {"older_age_prognosis", "egfr_low"} <= facts and not facts & set(vocabulary.RENAMED_FACTS)


def test_import_refuses_an_unknown_item_field(guideline_document):
    doc = edited(guideline_document, "recommendations", "platelet_transfusion", verfication="primary")
    with pytest.raises(ValidationError, match="unknown field"):
        guideline_import(document=doc, publish=False)


def test_import_refuses_a_disagreement_about_an_unknown_recommendation(guideline_document):
    code = next(d["code"] for d in guideline_document["disagreements"])
    doc = edited(guideline_document, "disagreements", code, topic="no_such_recommendation")
    with pytest.raises(ValidationError, match="no_such_recommendation"):
        guideline_import(document=doc, publish=False)


def test_threshold_outside_plausible_range_is_refused_with_its_unit(published_guideline):
    threshold = Threshold(
        version=published_guideline,
        code="new_cut_off",
        label="New",
        value=Decimal("340"),
        unit="mg/dL",
        plausible_min=Decimal("2"),
        plausible_max=Decimal("6"),
    )
    with pytest.raises(ValidationError, match=r"outside the plausible range for this threshold \(2–6 mg/dL\)"):
        threshold.full_clean()


@pytest.mark.parametrize(
    ("fact", "op", "values"),
    [("blood_colour", "is_true", []), ("hypoxemia", "in", []), ("etiology", "in", ["lupus"])],
    ids=["unknown_fact", "wrong_operator", "unknown_value"],
)
def test_condition_with_unknown_fact_operator_or_value_is_refused(published_guideline, fact, op, values):
    recommendation = Recommendation.objects.filter(version=published_guideline).first()
    condition = RecommendationCondition(recommendation=recommendation, group=1, fact=fact, op=op, values=values)
    with pytest.raises(ValidationError):
        condition.full_clean()


def test_condition_on_a_yes_no_fact_accepts_blank_values(published_guideline):
    recommendation = Recommendation.objects.filter(version=published_guideline).first()
    condition = RecommendationCondition(recommendation=recommendation, fact="hypoxemia", op="is_true", values=None)
    condition.full_clean()
    assert condition.values == []


def test_every_fact_of_the_engine_is_a_condition_choice():
    field = RecommendationCondition._meta.get_field("fact")
    assert {value for value, _ in field.choices} == set(vocabulary.FACTS)


def test_content_edit_is_kept_in_history(guideline_document):
    draft = guideline_import(document=guideline_document, publish=False)
    recommendation = Recommendation.objects.filter(version=draft).first()
    recommendation.title = "Reworded"
    recommendation.save()
    assert recommendation.history.first().title == "Reworded"
