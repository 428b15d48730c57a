"""The plan's recommendation line, sources and disagreement panel, built in Python rather than a partial per item."""

from __future__ import annotations

from dahguide.plans.display import DoseLine, Marker, MissingAnswer, Position, Recommendation, Source
from dahguide.plans.templatetags.plan_tags import positions_panel, recommendation_line, source_links, strip_doses

SECONDARY = Marker("secondary", "S", "secondary source: verify against the original")
KDIGO = Source("KDIGO 2024", "https://kdigo.org", "Kidney Int. 2024;105:S1", None, 1)
HOSTILE = '<script>alert("x")</script>'


def _rec(**changes) -> Recommendation:
    values = dict(
        code="r1",
        title="Rest",
        section="initial_management",
        kind="action",
        timing="now",
        strength="",
        graded=False,
        marker=None,
        text="Rest.",
        why=(),
        caveats=(),
        doses=(),
        positions=(),
        sources=(),
        reviewed="",
    )
    return Recommendation(**{**values, **changes})


def _dose(**changes) -> DoseLine:
    values = dict(
        drug="Methylprednisolone",
        amount="750 mg",
        per="IV once daily for 3 days",
        population="",
        missing=(),
        calculation="30 mg/kg × 25 kg = 750 mg",
        adjustments=(),
        sources_differ=False,
        note="",
        source="ACR/VF 2021",
        marker=None,
    )
    return DoseLine(**{**values, **changes})


WEIGHT = MissingAnswer("weight_kg", "Weight", "/assessments/x/step/patient/?return_to=review#q-weight_kg")


def test_source_links_link_safe_urls_and_mark_secondary_sources():
    html = source_links([KDIGO, Source("BTS", "", "", SECONDARY, 2)])
    assert '<a href="https://kdigo.org" rel="noopener noreferrer">KDIGO 2024</a>' in html
    assert 'BTS <abbr class="vm vm-secondary" title="secondary source: verify against the original">S</abbr>' in html


def test_recommendation_line_puts_title_and_strength_on_the_summary_line():
    html = recommendation_line(_rec(strength="KDIGO 1B", graded=True, marker=SECONDARY))
    summary = html[html.index("<summary>") : html.index("</summary>")]
    assert "Rest" in summary and "vm-secondary" in summary
    assert '<span class="grade gr">Grade: KDIGO 1B</span>' in summary


def test_an_ungraded_statement_looks_different_from_a_graded_recommendation():
    assert '<span class="grade ug">KDIGO practice point (ungraded)</span>' in recommendation_line(
        _rec(strength="KDIGO practice point (ungraded)")
    )
    assert '<span class="grade ug">Ungraded</span>' in recommendation_line(_rec())


def test_recommendation_line_shows_the_dose_with_its_calculation_in_the_disclosure():
    html = recommendation_line(_rec(doses=(_dose(),)))
    body = html[html.index("</summary>") :]
    assert "<strong>Methylprednisolone</strong> 750 mg IV once daily for 3 days" in body
    assert '<span class="calc">30 mg/kg × 25 kg = 750 mg</span>' in body


def test_recommendation_line_escapes_every_value():
    hostile = _rec(
        code='r1" onmouseover="x',
        title=HOSTILE,
        strength=HOSTILE,
        text=f"**Give** it.\n\n{HOSTILE}",
        why=(HOSTILE,),
        reviewed=HOSTILE,
        doses=(_dose(drug=HOSTILE, per=HOSTILE),),
        positions=(Position(HOSTILE, HOSTILE, HOSTILE, None, (KDIGO,)),),
    )
    html = recommendation_line(hostile)
    assert "<script>" not in html
    assert 'onmouseover="' not in html
    assert "<strong>Give</strong>" in html
    assert html.count("&lt;script&gt;") >= 8


def test_recommendation_line_omits_empty_parts():
    html = recommendation_line(_rec())
    for absent in ("doses", "caveats", "why", "disagreement-panel", "Sources", "last reviewed"):
        assert absent not in html


def test_strip_doses_show_ready_doses_and_group_those_waiting_for_the_same_answer():
    waiting = (
        _dose(drug="Cyclophosphamide (IV)", amount="", missing=(WEIGHT,)),
        _dose(drug="Prednisolone (oral)", amount="", missing=(WEIGHT,)),
    )
    html = strip_doses(_rec(doses=(_dose(), *waiting)))
    assert '<span class="dose"><strong>Methylprednisolone</strong> 750 mg IV once daily for 3 days</span>' in html
    assert html.count('class="dose"') == 2
    assert (
        'Cyclophosphamide (IV), Prednisolone (oral): <span class="needed"><a href="/assessments/x/step/patient/'
        '?return_to=review#q-weight_kg">weight</a> needed</span>'
    ) in html


def test_positions_panel_escapes_and_names_its_panel():
    html = positions_panel([Position(HOSTILE, HOSTILE, HOSTILE, None, (KDIGO,))], HOSTILE, "plasma_exchange")
    assert "<script>" not in html
    assert 'id="positions-plasma_exchange"' in html


def test_with_age_unknown_each_dose_says_whom_it_is_for():
    adult = _dose(amount="500–1000 mg", population="adults")
    child = _dose(amount="", population="under 18", missing=(WEIGHT,))
    html = strip_doses(_rec(doses=(adult, child)))
    assert "adults: <strong>Methylprednisolone</strong> 500–1000 mg" in html
    assert 'under 18: Methylprednisolone: <span class="needed">' in html


# -- The plan's lists (criteria, alerts, first actions, cautions, monitoring, references, withheld,
# missing answers, legend): every text escaped, links and marks kept.


def test_every_list_of_the_plan_escapes_its_text_and_keeps_its_links():
    from types import SimpleNamespace as NS

    from dahguide.plans.templatetags import plan_tags as t

    criterion = NS(status="met", symbol="✓", chip=HOSTILE, label=HOSTILE, explanation=HOSTILE, status_label="Met",
                   observed=HOSTILE, threshold=HOSTILE)  # fmt: skip
    alert = NS(severity_label="Critical", text=HOSTILE, detail=HOSTILE, marker=SECONDARY, sources=(KDIGO,))
    monitoring = NS(text=HOSTILE, marker=None, why=(HOSTILE, "b"), sources=(KDIGO,))
    withheld = NS(title=HOSTILE, marker=None, why_not=(HOSTILE,), sources=(KDIGO,))
    rendered = [
        t.criteria_chips([criterion], "criterion"),
        t.criteria_rows([criterion]),
        t.strip_alerts([alert]),
        t.first_action_groups([NS(label=HOSTILE, actions=(_rec(title=HOSTILE),))]),
        t.caution_groups([NS(title=HOSTILE, alerts=(alert,))]),
        t.monitoring_items([monitoring]),
        t.reference_items([Source(HOSTILE, "", HOSTILE, None, 1)]),
        t.withheld_items([withheld]),
        t.missing_items([MissingAnswer("weight_kg", HOSTILE, "/step/")]),
        t.legend_items([Marker("secondary", "S", HOSTILE)]),
    ]
    for html in rendered:
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
    assert '<a href="https://kdigo.org" rel="noopener noreferrer">KDIGO 2024</a>' in rendered[2]
    assert "<strong>met</strong>" in rendered[0] and 'class="chip chip-met criterion"' in rendered[0]
    assert 'href="#rec-r1"' in rendered[3] and "(1)</summary>" in rendered[4]
    assert "Why: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;; b." in rendered[5]
    assert "vm-secondary" in rendered[4] and rendered[9].endswith(". ")
    assert t.withheld_items([withheld], strip=True).count("kdigo.org") == 0
    assert t.legend_items([]) == "" and t.missing_items([]) == ""
