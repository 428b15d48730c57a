"""The patient's name on the launch confirmation page, as FHIR's HumanName reads it (no database needed)."""

from __future__ import annotations

from dahguide.api.smart.chart import _name


def test_name_skips_a_given_name_sent_as_null():
    # FHIR allows a null in ``given`` when its ``_given`` extension carries the value.
    assert _name({"name": [{"given": [None, "Ann"], "_given": [{"id": "g0"}, None], "family": "Lee"}]}) == "Ann Lee"


def test_name_prefers_the_official_name():
    names = [{"use": "nickname", "given": ["Annie"]}, {"use": "official", "given": ["Ann"], "family": "Lee"}]
    assert _name({"name": names}) == "Ann Lee"
