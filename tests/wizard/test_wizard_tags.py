"""The plan's sources, built in Python rather than a partial per recommendation."""

from __future__ import annotations

from dahguide.wizard.templatetags.wizard_tags import citations_block

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
