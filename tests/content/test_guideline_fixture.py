"""The initial guideline fixture is complete, well formed and honest about its sources.

Pure Python: loads ``fixtures/guideline.json`` through ``Snapshot.from_dict`` without Django.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dahguide.engine import vocabulary  # noqa: E402
from dahguide.engine.content import Snapshot  # noqa: E402

FIXTURE = REPO / "fixtures" / "guideline.json"
DESIGN_DOC = REPO / "docs" / "design" / "engine-and-content.md"
SOURCE_MD = REPO.parent / "shared" / "clinical" / "SOURCE.md"

# The catalogue of docs/design/engine-and-content.md, fixed here so the test still guards the
# fixture when the doc is not at hand; a second test checks the doc still agrees.
RECOMMENDATION_CODES = {
    "stop_anticoagulant",
    "reversal_vitamin_k_antagonist",
    "reversal_dabigatran",
    "reversal_factor_xa_inhibitor",
    "reversal_unfractionated_heparin",
    "reversal_lmwh",
    "lung_protective_ventilation",
    "prone_positioning",
    "expert_centre_life_threatening",
    "ecmo_centre_contact",
    "bronchoscopy_bal",
    "fibrinogen_replacement",
    "raised_inr_without_anticoagulant",
    "coagulopathy_immune_serology",
    "pulmonary_renal_empirical",
    "drug_induced_aav_checks",
    "mechanical_prophylaxis",
    "respiratory_support",
    "glucocorticoid_pulse",
    "assess_oxygenation",
    "no_biopsy_delay",
    "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide",
    "cyclophosphamide_when_creatinine_over_4",
    "rituximab_preference_factors",
    "induction_other_autoimmune",
    "avacopan_steroid_sparing",
    "plasma_exchange_dah_regimen",
    "plasma_exchange_renal_regimen",
    "plasma_exchange_anti_gbm_regimen",
    "platelet_transfusion",
    "antifibrinolytic_refractory",
    "intrapulmonary_rfviia_refractory",
    "ecmo_rescue",
    "anti_gbm_induction",
    "double_positive_maintenance_plan",
    "sle_refractory_ivig_plasma_exchange",
    "hsct_supportive_care",
    "infection_antimicrobials",
    "drug_or_toxin_withdraw",
    "unknown_cause_workup",
    "prognosis_hypoxemia",
    "prognosis_older_age",
    "prognosis_respiratory_support",
    "prognosis_kidney_involvement",
    "prognosis_lung_involvement_over_50_percent",
    "prognosis_hemoptysis_rate",
    "prognosis_no_hypoxemia",
    "refractory_expert_centre",
    "refractory_aav_switch_agent",
    "maintenance_after_remission",
    "kidney_transplant_timing",
    "thromboprophylaxis_once_bleeding_controlled",
}
MONITORING_CODES = {
    "monitor_clinical_symptoms",
    "monitor_oxygenation",
    "monitor_imaging",
    "monitor_blood_counts_cyclophosphamide",
    "monitor_igg_rituximab",
    "monitor_liver_tests_avacopan",
    "monitor_anca_not_alone",
    "monitor_maintenance_start",
}
RED_FLAG_CODES = {
    "pregnancy_test_before_cytotoxics",
    "exclude_infection",
    "pjp_prophylaxis",
    "hbv_screening",
    "cyclophosphamide_cautions",
    "avacopan_cautions",
    "avacopan_limited_evidence_ventilated",
    "plasma_exchange_cautions",
    "rituximab_cautions",
    "glucocorticoid_reduced_taper",
    "hsct_high_dose_steroids_uncertain",
    "no_anticoagulation_while_bleeding",
    "rfviia_antifibrinolytic_off_label",
    "ecmo_expert_centre",
    "pregnancy_specialist",
    "paediatric_dosing",
    "egpa_evidence_gap",
    "drug_induced_anca",
    "inactive_episode",
}
DATA_QUALITY_CODES = {
    "spo2_below_plausible",
    "pao2_fio2_ratio_contradicts_spo2",
    "creatinine_unit_implausible",
    "creatinine_borderline",
    "spo2_implausible",
    "pao2_fio2_ratio_implausible",
    "platelets_unit_implausible",
    "spo2_without_oxygen_support",
    "missing_data",
    "anti_gbm_positive_reclassify",
    "chronic_dialysis_renal_criteria_not_applicable",
}
THRESHOLD_CODES = {
    "vte_prophylaxis_min_platelets",
    "cyclophosphamide_older_age_years",
    "inr_raised",
    "fibrinogen_low_g_per_l",
    "fibrinogen_low_pregnancy_g_per_l",
    "ecmo_contact_pf",
    "ecmo_referral_pf",
    "cyclophosphamide_creatinine_band_umol_l",
    "hypoxemia_spo2_percent",
    "hypoxemia_pf_ratio_mmhg",
    "severe_dah_room_air_spo2_percent",
    "plex_creatinine_mg_dl",
    "creatinine_borderline_margin_mg_dl",
    "cyclophosphamide_creatinine_mg_dl",
    "platelet_transfusion_10e9_per_l",
    "transplant_remission_months",
    "older_age_years",
    "paediatric_age_years",
    "egfr_low_ml_min",
}
TEXT_CODES = {
    "plex_decision_consider_refractory",
    "disclaimer",
    "plex_decision_recommended",
    "plex_decision_consider",
    "plex_decision_not_indicated",
    "plex_decision_insufficient_data",
    "criterion_creatinine_over_3_4_mg_dl",
    "criterion_dialysis_or_rapidly_rising_creatinine",
    "criterion_dah_with_hypoxemia",
    "criterion_anti_gbm_disease",
}
RECOMMENDATION_DISAGREEMENT_TOPICS = {
    "induction_glucocorticoid_plus_rituximab_or_cyclophosphamide",
    "cyclophosphamide_when_creatinine_over_4",
    "avacopan_steroid_sparing",
    "sle_refractory_ivig_plasma_exchange",
    "maintenance_after_remission",
}
# The marker each non-primary verification level must carry in the text shown to the reader.
CAVEAT_MARKERS = {"secondary": "secondary source", "unverified": "not verified"}


@pytest.fixture(scope="module")
def raw() -> dict:
    with FIXTURE.open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def snapshot(raw: dict) -> Snapshot:
    return Snapshot.from_dict(raw)


def _items(raw: dict):
    """Every cited item with the field that holds its reader-facing text."""
    for kind, text_field in (
        ("recommendations", "text"),
        ("monitoring", "text"),
        ("warnings", "text"),
        ("disagreements", "position"),
    ):
        for item in raw[kind]:
            yield kind, item, item[text_field]


def _reader_texts(raw: dict) -> list[str]:
    texts = [text for _, _, text in _items(raw)]
    texts += [r["title"] for r in raw["recommendations"]]
    texts += list(raw["texts"].values())
    texts += [t["label"] for t in raw["thresholds"]] + [t["note"] for t in raw["thresholds"]]
    return texts


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w%µ≤≥<>]+", " ", text.lower()).split()


def test_fixture_is_valid_json_with_the_initial_version_header(raw):
    assert raw["version"] == "1"
    assert raw["title"] == "DAH Guide treatment guidance"
    assert raw["published_at"] == ""
    assert raw["content_hash"] == ""


def test_snapshot_loads_every_item(raw, snapshot):
    assert len(snapshot.citations) == len(raw["citations"])
    assert len(snapshot.thresholds) == len(raw["thresholds"])
    assert len(snapshot.recommendations) == len(raw["recommendations"])
    assert len(snapshot.monitoring) == len(raw["monitoring"])
    assert len(snapshot.warnings) == len(raw["warnings"])
    assert len(snapshot.disagreements) == len(raw["disagreements"])


def test_codes_and_citation_keys_are_unique(raw):
    for kind in ("recommendations", "monitoring", "warnings", "disagreements"):
        codes = [i["code"] for i in raw[kind]]
        assert len(codes) == len(set(codes)), kind
    keys = [c["key"] for c in raw["citations"]]
    assert len(keys) == len(set(keys))


def test_every_item_cites_at_least_one_known_source(raw, snapshot):
    for kind, item, _ in _items(raw):
        if item.get("kind") != "data_quality":
            assert item["citations"], f"{kind} {item['code']} has no citation"
        for key in item["citations"]:
            assert key in snapshot.citations, f"{kind} {item['code']} cites unknown {key}"


def test_data_quality_warnings_cite_no_unrelated_clinical_source(raw):
    # They are the product's own checks of what was typed; only the borderline-creatinine note is
    # about a guideline's threshold (KDIGO 2024), so only it cites one.
    for warning in raw["warnings"]:
        if warning["kind"] == "data_quality":
            expected = ["kdigo_2024_aav"] if warning["code"] == "creatinine_borderline" else []
            assert warning["citations"] == expected, warning["code"]


def test_thresholds_and_plasma_exchange_cite_only_known_sources(snapshot):
    for threshold in snapshot.thresholds.values():
        for key in threshold.citations:
            assert key in snapshot.citations, threshold.code
    assert snapshot.plasma_exchange_citations
    for key in snapshot.plasma_exchange_citations:
        assert key in snapshot.citations


def test_citations_are_complete_and_link_safely(snapshot):
    for citation in snapshot.citations.values():
        assert re.fullmatch(r"[a-z0-9_]+", citation.key)
        assert citation.label and citation.reference
        assert citation.url == "" or citation.url.startswith("https://")
        assert citation.verification in vocabulary.VERIFICATION


def test_every_applies_when_is_a_valid_rule(raw):
    for kind, item, _ in _items(raw):
        assert vocabulary.validate_rule(item.get("applies_when", [])) == [], f"{kind} {item['code']}"


def test_sections_severities_kinds_and_verification_are_valid(raw):
    for r in raw["recommendations"]:
        assert r["section"] in vocabulary.SECTIONS, r["code"]
    for w in raw["warnings"]:
        assert w["severity"] in vocabulary.SEVERITIES, w["code"]
        assert w["kind"] in {"red_flag", "data_quality"}, w["code"]
    for kind, item, _ in _items(raw):
        assert item["verification"] in vocabulary.VERIFICATION, f"{kind} {item['code']}"


def test_recommendations_carry_strength_order_and_review_date(snapshot):
    for r in snapshot.recommendations:
        assert isinstance(r.strength, str)
        assert r.title and r.text
        assert isinstance(r.order, int)
        assert date(2026, 11, 25) <= date.fromisoformat(r.last_reviewed) <= date(2026, 12, 2)


def test_every_catalogue_code_is_present(raw):
    assert {r["code"] for r in raw["recommendations"]} >= RECOMMENDATION_CODES
    assert {m["code"] for m in raw["monitoring"]} >= MONITORING_CODES
    red_flags = {w["code"] for w in raw["warnings"] if w["kind"] == "red_flag"}
    data_quality = {w["code"] for w in raw["warnings"] if w["kind"] == "data_quality"}
    assert red_flags >= RED_FLAG_CODES
    assert data_quality >= DATA_QUALITY_CODES
    assert {t["code"] for t in raw["thresholds"]} >= THRESHOLD_CODES
    assert set(raw["texts"]) >= TEXT_CODES
    assert all(raw["texts"][code].strip() for code in TEXT_CODES)


def test_hard_coded_catalogue_matches_the_design_doc():
    if not DESIGN_DOC.exists():
        pytest.skip("design doc not available")
    doc = DESIGN_DOC.read_text(encoding="utf-8")
    thresholds = set(re.findall(r"^\| `(\w+)` \|", doc, flags=re.M))
    assert thresholds == THRESHOLD_CODES
    catalogue = doc.split("## Content catalogue", 1)[1]
    recs_part, rest = catalogue.split("Monitoring checklist", 1)
    monitoring_part, red_flag_part = rest.split("Red flags", 1)
    recs = set(re.findall(r"^\s+- `(\w+)`:", recs_part, flags=re.M)) | set(re.findall(r"`(prognosis_\w+)`", recs_part))
    assert recs == RECOMMENDATION_CODES
    assert set(re.findall(r"`(monitor_\w+)`", monitoring_part)) == MONITORING_CODES
    assert set(re.findall(r"`(\w+)`", red_flag_part)) - {"warnings"} == RED_FLAG_CODES
    dq_part = doc.split("### Data-quality warnings", 1)[1].split("The engine adds", 1)[0]
    assert set(re.findall(r"`(\w+)`", dq_part)) - {"data_quality"} == DATA_QUALITY_CODES
    texts_part = doc.split("### Texts the engine reads", 1)[1].split("###", 1)[0]
    assert set(re.findall(r"`(\w+)`", texts_part)) - {"texts"} == TEXT_CODES


def test_thresholds_sit_inside_their_editing_range(snapshot):
    for threshold in snapshot.thresholds.values():
        assert threshold.plausible_min <= threshold.value <= threshold.plausible_max, threshold.code
        assert threshold.unit and threshold.label


def test_design_doc_threshold_defaults_are_kept(snapshot):
    expected = {
        "hypoxemia_spo2_percent": "90",
        "hypoxemia_pf_ratio_mmhg": "300",
        "severe_dah_room_air_spo2_percent": "85",
        "plex_creatinine_mg_dl": "3.4",
        "creatinine_borderline_margin_mg_dl": "0.1",
        "cyclophosphamide_creatinine_mg_dl": "4",
        "platelet_transfusion_10e9_per_l": "50",
        "transplant_remission_months": "6",
        "older_age_years": "65",
        "paediatric_age_years": "18",
        "egfr_low_ml_min": "30",
    }
    for code, value in expected.items():
        assert snapshot.threshold(code) == Decimal(value), code


def test_unverified_thresholds_say_so(snapshot):
    platelets = snapshot.thresholds["platelet_transfusion_10e9_per_l"]
    assert "expert practice, not a verified guideline target" in platelets.note.lower()
    for code in ("hypoxemia_spo2_percent", "hypoxemia_pf_ratio_mmhg"):
        assert "app-level definition pending clinical sign-off" in snapshot.thresholds[code].note.lower()


def test_non_primary_items_carry_their_caveat_in_the_text(raw):
    for kind, item, text in _items(raw):
        marker = CAVEAT_MARKERS.get(item["verification"])
        if marker:
            assert marker in text.lower(), f"{kind} {item['code']} ({item['verification']}) lacks '{marker}'"


def test_no_sentence_of_the_seed_is_copied(raw):
    if not SOURCE_MD.exists():
        pytest.skip("SOURCE.md not available")
    seed = _words(SOURCE_MD.read_text(encoding="utf-8"))
    seed_runs = {tuple(seed[i : i + 8]) for i in range(len(seed) - 7)}
    for text in _reader_texts(raw):
        words = _words(text)
        for i in range(len(words) - 7):
            run = tuple(words[i : i + 8])
            assert run not in seed_runs, f"copied from SOURCE.md: {' '.join(run)!r}"


def test_data_quality_texts_apply_only_through_the_engine(raw):
    for w in raw["warnings"]:
        if w["kind"] == "data_quality":
            assert w["applies_when"] == [], w["code"]


def _warning_codes(snapshot: Snapshot, **answers) -> set[str]:
    from dahguide.engine.intake import parse_intake
    from dahguide.engine.plan import evaluate

    plan = evaluate(parse_intake(answers, implausible="unknown"), snapshot).to_dict()
    return {w["code"] for w in plan["warnings"]}


def test_infection_red_flag_applies_even_with_no_answers(snapshot):
    assert "exclude_infection" in _warning_codes(snapshot)


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        ({}, True),  # bleeding control unknown in an active episode: warn
        ({"bleeding_controlled": False}, True),
        ({"bleeding_controlled": True}, False),
        ({"active_dah": False}, False),  # remission: nothing is bleeding
    ],
)
def test_anticoagulation_caution_follows_bleeding_control(snapshot, answers, shown):
    assert ("no_anticoagulation_while_bleeding" in _warning_codes(snapshot, **answers)) is shown


def test_pregnancy_red_flag_is_critical(raw):
    warnings = {w["code"]: w for w in raw["warnings"]}
    assert warnings["pregnancy_specialist"]["severity"] == "critical"


def test_avacopan_is_limited_to_gpa_and_mpa_with_high_steroid_risk(raw):
    recs = {r["code"]: r for r in raw["recommendations"]}
    for group in recs["avacopan_steroid_sparing"]["applies_when"]:
        etiology = [c for c in group if c["fact"] == "etiology"]
        assert etiology and set(etiology[0]["values"]) <= {"gpa", "mpa"}
        assert {"fact": "high_steroid_toxicity_risk", "op": "is_true", "values": []} in group
    assert "does not eliminate glucocorticoid" in recs["avacopan_steroid_sparing"]["text"]


def test_eular_2022_takes_no_position_on_plasma_exchange(raw):
    for d in raw["disagreements"]:
        if d["topic"] == "plasma_exchange":
            assert "eular_2022" not in d["citations"] and d["source"] != "EULAR 2022"
    for r in raw["recommendations"]:
        if r["section"] == "plasma_exchange":
            assert "eular_2022" not in r["citations"]


def test_category_i_is_shown_only_for_anti_gbm_disease(raw):
    for kind, item, text in _items(raw):
        if "Category I " in text or "Category I." in text or "Category I (" in text:
            facts = {(c["fact"], tuple(c["values"])) for g in item["applies_when"] for c in g}
            assert ("anti_gbm_disease", ()) in facts or ("plasma_exchange_decision", ("recommended",)) in facts, (
                f"{kind} {item['code']}"
            )


def test_plasma_exchange_positions_cover_every_source_and_spare_pure_anti_gbm(raw):
    positions = [d for d in raw["disagreements"] if d["topic"] == "plasma_exchange"]
    sources = {d["source"] for d in positions}
    assert {
        "KDIGO 2024",
        "ACR/VF 2021",
        "BMJ Rapid Recommendation 2022",
        "EULAR/ERA-EDTA 2016",
        "ASFA 2023",
        "PEXIVAS DAH analysis (Fussner 2024)",
    } <= sources
    for d in positions:
        assert d["applies_when"], d["code"]
        shows_for_pure_anti_gbm = any(
            all(c["fact"] != "etiology" or "anti_gbm" in c["values"] for c in group) for group in d["applies_when"]
        )
        if shows_for_pure_anti_gbm:
            assert any(
                c["fact"] == "anti_gbm_disease" and c["op"] == "is_true" for group in d["applies_when"] for c in group
            ), d["code"]


def test_each_disagreement_topic_has_several_positions(raw):
    topics: dict[str, set[str]] = {}
    for d in raw["disagreements"]:
        topics.setdefault(d["topic"], set()).add(d["source"])
    assert set(topics) >= RECOMMENDATION_DISAGREEMENT_TOPICS | {"plasma_exchange"}
    recommendation_codes = {r["code"] for r in raw["recommendations"]}
    for topic, sources in topics.items():
        assert topic == "plasma_exchange" or topic in recommendation_codes
        assert len(sources) >= 2, topic
