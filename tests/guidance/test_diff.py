"""The version diff: a pure function over two snapshot documents."""

from __future__ import annotations

import copy

import pytest

from dahguide.guidance.diff import describe_rule, diff_documents, display_unit
from tests.guidance.helpers import edited

PLATELETS = "platelet_transfusion_10e9_per_l"


@pytest.fixture
def document(guideline_document):
    return copy.deepcopy(guideline_document)


def test_identical_documents_have_an_empty_diff(guideline_document):
    assert diff_documents(guideline_document, guideline_document).is_empty


def test_publication_metadata_is_not_a_change(guideline_document):
    other = {**guideline_document, "version": "7", "published_at": "2030-01-01", "content_hash": "x"}
    assert diff_documents(guideline_document, other).is_empty


def test_threshold_change_is_shown_as_numbers_with_the_unit(guideline_document):
    new = edited(guideline_document, "thresholds", PLATELETS, value="30")
    change = diff_documents(guideline_document, new).section("thresholds").changed[0]
    assert (change.code, [n.text for n in change.numbers]) == (PLATELETS, ["50 → 30 ×10⁹/L"])


def test_threshold_numbers_compare_by_value_not_by_spelling(guideline_document):
    new = edited(guideline_document, "thresholds", PLATELETS, value="50.000", plausible_min=10.0)
    assert diff_documents(guideline_document, new).is_empty


def test_threshold_unit_change_shows_both_units(guideline_document):
    new = edited(guideline_document, "thresholds", "plex_creatinine_mg_dl", value="300", unit="umol/L",
                 plausible_min="177", plausible_max="530")
    change = diff_documents(guideline_document, new).section("thresholds").changed[0]
    assert change.numbers[0].text == "3.4 mg/dL → 300 umol/L"


def test_wording_change_is_reported_field_by_field(guideline_document):
    new = edited(guideline_document, "recommendations", "platelet_transfusion", title="Transfuse platelets")
    change = diff_documents(guideline_document, new).section("recommendations").changed[0]
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("title", "Platelet transfusion", "Transfuse platelets")
    ]


def test_wording_change_marks_the_changed_words():
    from dahguide.guidance.diff import FieldChange

    change = FieldChange("text", "Give platelets below 50.", "Give platelets below 30.")
    assert change.words == (("same", "Give platelets below"), ("removed", "50."), ("added", "30."))


def test_added_and_removed_recommendations_are_listed(guideline_document, document):
    removed = document["recommendations"].pop(0)
    document["recommendations"].append({**document["recommendations"][0], "code": "new_advice", "title": "New advice"})
    section = diff_documents(guideline_document, document).section("recommendations")
    assert ([i.code for i in section.added], [i.code for i in section.removed]) == (["new_advice"], [removed["code"]])


@pytest.mark.parametrize("key", ["monitoring", "warnings", "disagreements", "citations"])
def test_removed_items_of_every_kind_are_listed(guideline_document, document, key):
    gone = document[key].pop()
    section = diff_documents(guideline_document, document).section(key)
    assert [i.code for i in section.removed] == [gone.get("code", gone.get("key"))]


def test_citation_added_to_an_item_is_listed(guideline_document):
    rec = next(r for r in guideline_document["recommendations"] if r["code"] == "platelet_transfusion")
    citations = [*rec["citations"], "kdigo_2024_aav"]
    new = edited(guideline_document, "recommendations", "platelet_transfusion", citations=citations)
    change = diff_documents(guideline_document, new).section("recommendations").changed[0]
    assert change.citations.added == ("kdigo_2024_aav",)


def test_applicability_change_is_described_in_words(guideline_document):
    rule = [[{"fact": "etiology", "op": "in", "values": ["hsct", "sle"]}]]
    new = edited(guideline_document, "recommendations", "platelet_transfusion", applies_when=rule)
    change = diff_documents(guideline_document, new).section("recommendations").changed[0]
    assert change.rule.added == ("Etiology is one of hsct, sle",)
    assert change.rule.removed == (
        "Active DAH episode is true or unknown and Platelets below the transfusion threshold is true",
    )


def test_fixed_text_change_is_listed(guideline_document):
    new = {**guideline_document, "texts": {**guideline_document["texts"], "disclaimer": "New disclaimer."}}
    section = diff_documents(guideline_document, new).section("texts")
    assert [(c.code, c.fields[0].new) for c in section.changed] == [("disclaimer", "New disclaimer.")]


def test_plasma_exchange_citations_change_is_listed(guideline_document):
    new = {**guideline_document, "plasma_exchange_citations": guideline_document["plasma_exchange_citations"][:-1]}
    change = diff_documents(guideline_document, new).plasma_exchange_citations
    assert change.removed == (guideline_document["plasma_exchange_citations"][-1],)


def test_empty_rule_reads_always():
    assert describe_rule([]) == ("always",)


def test_unit_powers_are_written_as_superscripts():
    assert (display_unit("10^9/L"), display_unit("mg/dL"), display_unit("m^2")) == ("×10⁹/L", "mg/dL", "m²")


@pytest.mark.django_db
def test_a_compiled_copy_has_no_difference_from_its_source(guideline_document):
    from dahguide.guidance.services import guideline_compile, guideline_import

    version = guideline_import(document=guideline_document, publish=False)
    assert diff_documents(guideline_document, guideline_compile(version=version)).is_empty
