"""The plan's sources and recommendation cards, built in Python rather than a partial per recommendation."""

from __future__ import annotations

from dahguide.wizard.templatetags.wizard_tags import citations_block, positions_panel, recommendation_card

KDIGO = {"label": "KDIGO 2024", "reference": "Kidney Int. 2024;105:S1", "safe_url": "https://kdigo.org", "caveat": ""}


def test_citations_block_is_empty_without_sources():
    assert citations_block([]) == ""


def test_citations_block_links_the_label_and_lists_the_full_reference():
    html = citations_block([KDIGO])
    assert '<a href="https://kdigo.org" rel="noopener noreferrer">KDIGO 2024</a>' in html
    assert "<li>KDIGO 2024: Kidney Int. 2024;105:S1</li>" in html


def test_citations_block_escapes_the_reference():
    html = citations_block([{**KDIGO, "reference": "<script>alert(1)</script>"}])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# --- the recommendation card and the disagreement panel ------------------------------------------

HOSTILE = '<script>alert("x")</script>'
POSITION = {"source": HOSTILE, "strength": HOSTILE, "caveat": HOSTILE, "position": HOSTILE, "citations": [KDIGO]}
REC = {
    "code": 'r1" onmouseover="x', "title": HOSTILE, "strength": HOSTILE, "caveat": HOSTILE,
    "text": f"**Give** it.\n\n{HOSTILE}", "why": [HOSTILE, "Age over 65"], "citations": [KDIGO],
    "disagreements": [POSITION], "last_reviewed_display": HOSTILE,
}


def test_recommendation_card_escapes_every_value():
    html = recommendation_card(REC)
    assert "<script>" not in html
    assert "onmouseover=\"" not in html
    assert html.count("&lt;script&gt;") >= 9  # title, grade, caveat, 1 why, panel's 4, review date (markdown: nh3)
    assert 'id="rec-r1&quot; onmouseover=&quot;x"' in html
    assert "<strong>Give</strong>" in html


def test_recommendation_card_shows_ungraded_and_omits_empty_parts():
    html = recommendation_card({"code": "r2", "title": "Rest", "strength": "", "caveat": "", "text": "Rest.",
                                "why": [], "citations": [], "disagreements": [], "last_reviewed_display": ""})
    assert '<span class="badge text-bg-light border grade">Ungraded</span>' in html
    for absent in ("caveat", "why-list", "disagreement-panel", "Sources", "last reviewed"):
        assert absent not in html


def test_positions_panel_escapes_heading_and_positions():
    html = positions_panel([POSITION], HOSTILE, "plasma_exchange")
    assert "<script>" not in html
    assert 'aria-labelledby="positions-plasma_exchange"' in html
    assert '<a href="https://kdigo.org" rel="noopener noreferrer">KDIGO 2024</a>' in html
