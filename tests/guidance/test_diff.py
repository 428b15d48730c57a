"""The version diff: a pure function over two snapshot documents."""

from __future__ import annotations

import copy

import pytest

from dahguide.guidance.diff import describe_rule, diff_documents, display_unit
from tests.guidance.helpers import CYCLOPHOSPHAMIDE_BANDS, PAEDIATRIC_PULSE, as_action, edited, without_stance

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
    new = edited(
        guideline_document,
        "thresholds",
        "plex_creatinine_mg_dl",
        value="300",
        unit="umol/L",
        plausible_min="177",
        plausible_max="530",
    )
    change = diff_documents(guideline_document, new).section("thresholds").changed[0]
    assert change.numbers[0].text == "3.4 mg/dL → 300 µmol/L"


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
        "Active DAH episode is true or unknown and Platelets below the transfusion threshold is true "
        "and Bleeding controlled is false or unknown",
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
    from dahguide.guidance.documents import guideline_compile
    from dahguide.guidance.services import guideline_import

    version = guideline_import(document=guideline_document, publish=False)
    assert diff_documents(guideline_document, guideline_compile(version=version)).is_empty


# --- stances and doses, in clinical words ----------------------------------------------------------

PULSE = "glucocorticoid_pulse"


@pytest.fixture
def with_parts(guideline_document):
    return as_action(guideline_document, PULSE, doses=(PAEDIATRIC_PULSE, FIXED_PREDNISOLONE))


FIXED_PREDNISOLONE = {
    **PAEDIATRIC_PULSE,
    "code": "prednisolone_fixed",
    "drug": "Prednisolone",
    "population": "adult",
    "basis": "fixed",
    "amount": "15",
    "max_amount": None,
    "round_to": None,
}


def only_change(old, new, key):
    section = diff_documents(old, new).section(key)
    assert (section.added, section.removed, len(section.changed)) == ((), (), 1)
    return section.changed[0]


def test_stance_change_reads_as_the_modifier_and_both_stances(with_parts):
    new = as_action(
        with_parts,
        PULSE,
        stances={"low_platelets": ("withheld", "Not below the limit.")},
        doses=(PAEDIATRIC_PULSE, FIXED_PREDNISOLONE),
    )
    change = only_change(with_parts, new, "stances")
    assert change.sentences == ("Low platelets: unchanged → withheld",)
    assert [(f.field, f.new) for f in change.fields] == [("text", "Not below the limit.")]


def test_changed_stance_is_labelled_by_its_recommendation_and_modifier(with_parts):
    new = as_action(
        with_parts, PULSE, stances={"pregnant": ("caveat", "Specialist.")}, doses=(PAEDIATRIC_PULSE, FIXED_PREDNISOLONE)
    )
    assert only_change(with_parts, new, "stances").label == "Pulse intravenous methylprednisolone — Pregnancy"


def test_added_stance_says_what_it_is(with_parts):
    old = without_stance(with_parts, PULSE, "on_ecmo")
    section = diff_documents(old, with_parts).section("stances")
    assert [(i.code, i.label) for i in section.added] == [
        (f"{PULSE}__on_ecmo", "Pulse intravenous methylprednisolone — On ECMO: unchanged")
    ]


def test_dose_amount_change_reads_with_its_unit(with_parts):
    new = edited(with_parts, "doses", "prednisolone_fixed", amount="12.5")
    assert only_change(with_parts, new, "doses").sentences == ("amount 15 → 12.5 mg",)


def test_per_kg_amount_reads_per_kg(with_parts):
    new = edited(with_parts, "doses", PAEDIATRIC_PULSE["code"], amount="20")
    assert only_change(with_parts, new, "doses").sentences == ("amount 30 → 20 mg/kg",)


def test_dose_cap_added_reads_from_none(with_parts):
    new = edited(with_parts, "doses", "prednisolone_fixed", max_amount="60")
    assert only_change(with_parts, new, "doses").sentences == ("maximum dose — → 60 mg",)


def test_dose_numbers_compare_by_value(with_parts):
    new = edited(with_parts, "doses", "prednisolone_fixed", amount="15.000")
    assert diff_documents(with_parts, new).section("doses").is_empty


def test_dose_basis_and_population_read_in_words(with_parts):
    new = edited(with_parts, "doses", "prednisolone_fixed", basis="per_kg", population="all")
    assert only_change(with_parts, new, "doses").sentences == (
        "population: Adults → All ages",
        "basis: Fixed amount → Per kg body weight",
    )


def test_dose_is_labelled_by_drug_population_and_recommendation(with_parts):
    new = edited(with_parts, "doses", PAEDIATRIC_PULSE["code"], per="IV once daily")
    assert only_change(with_parts, new, "doses").label == (
        "Methylprednisolone (children), for Pulse intravenous methylprednisolone"
    )


def test_dose_alternatives_change_is_described_band_by_band(with_parts):
    old = edited(with_parts, "doses", "prednisolone_fixed", amount=None, alternatives=[CYCLOPHOSPHAMIDE_BANDS])
    bands = copy.deepcopy(CYCLOPHOSPHAMIDE_BANDS)
    bands["bands"][0]["amount"] = "7.5"
    change = only_change(old, edited(old, "doses", "prednisolone_fixed", alternatives=[bands]), "doses")
    assert change.alternatives.added == (
        "KDIGO 2024 Fig 10, by age (years): above 70 → 7.5 mg; at least 60 → 12.5 mg; otherwise 15 mg; "
        "minus 2.5 mg when eGFR below 30",
    )


def test_recommendation_kind_and_timing_read_in_words(with_parts):
    old = copy.deepcopy(with_parts)
    next(r for r in old["recommendations"] if r["code"] == PULSE).update(kind="statement", timing="")
    change = only_change(old, with_parts, "recommendations")
    assert change.sentences == ("kind: Statement → Action", "timing: none → Now")


def test_a_document_without_kinds_equals_one_with_the_defaults(guideline_document):
    old, new = copy.deepcopy(guideline_document), copy.deepcopy(guideline_document)
    for recommendation in old["recommendations"]:
        for key in ("kind", "timing"):
            recommendation.pop(key, None)
    for recommendation in new["recommendations"]:
        recommendation.update(kind="statement", timing="")
    assert diff_documents(old, new).section("recommendations").is_empty


def test_a_creatinine_threshold_is_diffed_in_both_units(guideline_document):
    new = edited(guideline_document, "thresholds", "plex_creatinine_mg_dl", value="3")
    change = diff_documents(guideline_document, new).section("thresholds").changed[0]
    assert change.numbers[0].text == "3.4 → 3 mg/dL (300.6 → 265.2 µmol/L)"


def test_a_micromolar_creatinine_threshold_reads_in_mg_dl_too(guideline_document):
    new = edited(guideline_document, "thresholds", "cyclophosphamide_creatinine_band_umol_l", value="350")
    change = diff_documents(guideline_document, new).section("thresholds").changed[0]
    assert change.numbers[0].text == "300 → 350 µmol/L (3.39 → 3.96 mg/dL)"


def test_a_platelet_threshold_stays_in_its_one_unit(guideline_document):
    new = edited(guideline_document, "thresholds", "platelet_transfusion_10e9_per_l", value="30")
    assert diff_documents(guideline_document, new).section("thresholds").changed[0].numbers[0].text == "50 → 30 ×10⁹/L"


def test_a_fact_published_under_its_old_name_reads_as_unchanged_in_the_next_draft():
    published = [[{"fact": "age_over_65", "op": "is_true"}]]
    draft = [[{"fact": "older_age_prognosis", "op": "is_true"}]]
    assert (
        describe_rule(published) == describe_rule(draft) == ("Age above the older-age (prognosis) threshold is true",)
    )
