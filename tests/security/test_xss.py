"""Every free-text field, filled with XSS payloads, is neutralised on every page that shows it.

Free text: the wizard's inputs (echoed back when invalid, in the step, the "plan so far" panel and
the conversion line); the guideline content editors write (titles, markdown text, positions,
sources, citation labels), shown in the plan, the admin and the review pages; saved cases' labels,
comments, sign-off comments and checklist notes, shown in the case list, page, print and export.
A new free-text field gets its payload test here.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dahguide.engine.intake import STEPS
from dahguide.wizard import services
from dahguide.wizard.answers import HELPER_INPUTS, STEP_CODES
from tests.security.payloads import XSS_PAYLOADS, executable_markup
from tests.wizard.conftest import VALID, complete_steps

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def test_the_checker_finds_each_payload_when_it_is_not_neutralised():
    # A test that cannot fail is a defect: each payload, used unsafely, must be flagged: as raw
    # HTML, through markdown without the sanitiser, or as a link's address.
    import markdown

    inert_anyway = ("xss-ent", "xss-tpl", "xss-mdimg")  # entities, template syntax, a quoted image URL
    for payload in XSS_PAYLOADS:
        if any(marker in payload for marker in inert_anyway):
            continue
        unsafe = [f"<p>{payload}</p>", markdown.markdown(payload), f'<a href="{payload}">x</a>']
        assert any(executable_markup(page) for page in unsafe), payload


def test_the_checker_passes_the_payloads_escaped():
    from django.utils.html import escape

    assert [p for p in XSS_PAYLOADS if executable_markup(f"<p>{escape(p)}</p>")] == []


# -- The wizard -----------------------------------------------------------------------------------


def _draft_at(physician, code: str):
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    before = STEP_CODES[: STEP_CODES.index(code)]
    answers = {k: v for c in before for k, v in VALID[c].items()}
    return services.draft_save_answers(draft=draft, answers=answers, current_step=code, complete=before)


@pytest.mark.parametrize("code", STEP_CODES)
def test_payloads_in_every_step_input_are_escaped_when_echoed_back(client, physician, code):
    client.force_login(physician)
    step = next(s for s in STEPS if s.code == code)
    names = [*step.input_names, *HELPER_INPUTS.get(code, ())]
    for payload, htmx in itertools.product(XSS_PAYLOADS, (False, True)):
        draft = _draft_at(physician, code)
        response = client.post(
            reverse("wizard:step", args=[draft.pk, code]),
            {**{name: payload for name in names}, "action": "next"},
            headers=HTMX if htmx else {},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="error-summary"' in page  # the payload really was refused and echoed
        assert executable_markup(page) == [], (payload, htmx)
        # The same answers shown again after a refresh (GET of the saved draft).
        again = client.get(reverse("wizard:step", args=[draft.pk, code])).content.decode()
        assert executable_markup(again) == [], payload


def test_payloads_in_the_plan_so_far_and_conversion_queries_are_escaped(client, physician, published_guideline):
    client.force_login(physician)
    draft = _draft_at(physician, "kidney")
    names = [name for step in STEPS for name in step.input_names]
    for payload, htmx in itertools.product(XSS_PAYLOADS, (False, True)):
        headers = HTMX if htmx else {}
        query = {name: payload for name in names}
        preview = client.get(reverse("wizard:preview", args=[draft.pk]), query, headers=headers)
        assert executable_markup(preview.content.decode()) == [], payload
        for target in ("creatinine_value", "pao2_fio2_ratio", "creatinine_rising_rapidly"):
            convert = client.get(
                reverse("wizard:convert", args=[draft.pk]),
                {**query, "for": target, "pao2": payload, "fio2": payload, "baseline_creatinine_value": payload},
                headers=headers,
            )
            text = convert.content.decode()
            assert executable_markup(text) == [], payload
            if htmx:
                assert "<" not in text  # swapped into the page as HTML by htmx


def test_payload_in_the_return_target_is_not_echoed(client, physician):
    client.force_login(physician)
    draft = _draft_at(physician, "patient")
    for payload in XSS_PAYLOADS:
        response = client.get(reverse("wizard:step", args=[draft.pk, "patient"]), {"return_to": payload})
        assert executable_markup(response.content.decode()) == []
        assert 'name="return_to"' not in response.content.decode()


# -- Guideline content ---------------------------------------------------------------------------

# Free-text fields of each kind of content item (fixtures/guideline.json): short ones (at most
# 100 characters) take a payload instead of their text, long ones one on each side of it.
CONTENT_TEXT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    #                  short                              long
    "citations": (("label",), ("reference",)),
    "thresholds": (("label",), ("note",)),
    "recommendations": (("title", "strength"), ("text",)),
    "monitoring": ((), ("text",)),
    "warnings": ((), ("text",)),
    "disagreements": (("source", "strength"), ("position",)),
}


def payload_document(document: dict[str, Any]) -> dict[str, Any]:
    """The guideline with a payload (cycling through the set) in every free-text field."""
    doc = copy.deepcopy(document)
    payloads = itertools.cycle(XSS_PAYLOADS)
    doc["title"] = next(payloads)
    for kind, (short, long) in CONTENT_TEXT_FIELDS.items():
        for item in doc[kind]:
            for name in short:
                if item.get(name):
                    item[name] = next(payloads)
            for name in long:
                if item.get(name):
                    item[name] = f"{next(payloads)} {item[name]} {next(payloads)}"
    doc["texts"] = {code: f"{next(payloads)} {text}" for code, text in doc["texts"].items()}
    return doc


def test_a_script_url_is_refused_as_a_citation_link(guideline_document):
    from dahguide.guidance.services import guideline_import

    doc = copy.deepcopy(guideline_document)
    doc["citations"][0]["url"] = "javascript:alert('xss-url')"
    with pytest.raises(ValidationError, match="URL"):
        guideline_import(document=doc, publish=True)


@pytest.fixture
def payload_guideline(db, guideline_document):
    from dahguide.guidance.selectors import clear_snapshot_cache
    from dahguide.guidance.services import guideline_import

    clear_snapshot_cache()
    yield guideline_import(document=payload_document(guideline_document), publish=True)
    clear_snapshot_cache()


def test_payloads_in_published_content_are_neutralised_in_the_plan(client, physician, payload_guideline):
    client.force_login(physician)
    draft = services.draft_create(owner=physician, first_step=STEP_CODES[0])
    complete_steps(client, draft)
    page = client.get(reverse("wizard:plan", args=[draft.pk])).content.decode()
    assert executable_markup(page) == []
    # The content really was shown (as text): many of the markers reach the page.
    assert sum(f"xss-{m}" in page for m in ("script", "img", "svg", "md", "a", "dt", "rtl")) >= 5


def test_payloads_in_content_are_neutralised_in_the_plan_so_far(client, physician, payload_guideline):
    client.force_login(physician)
    draft = _draft_at(physician, "course")
    for headers in ({}, HTMX):
        page = client.get(reverse("wizard:preview", args=[draft.pk]), headers=headers).content.decode()
        assert executable_markup(page) == []


@pytest.fixture
def payload_draft_version(payload_guideline, content_editor):
    """A draft version with payloads in its own items, beside the published payload version."""
    from dahguide.guidance.models import Disagreement, Recommendation
    from dahguide.guidance.workflow import version_create_draft

    version = version_create_draft(user=content_editor, title=XSS_PAYLOADS[1])
    Recommendation.objects.filter(version=version).update(text=XSS_PAYLOADS[5], title=XSS_PAYLOADS[0])
    Disagreement.objects.filter(version=version).update(position=XSS_PAYLOADS[3])
    return version


def _admin_pages(version) -> list[str]:
    from dahguide.guidance.models import Citation, Disagreement, Recommendation

    recommendation = Recommendation.objects.filter(version=version).first()
    return [
        reverse("admin:guidance_guidelineversion_changelist"),
        reverse("admin:guidance_guidelineversion_change", args=[version.pk]),
        reverse("admin:guidance_guidelineversion_review", args=[version.pk]),
        reverse("admin:guidance_guidelineversion_golden", args=[version.pk]),
        reverse("admin:guidance_guidelineversion_impact", args=[version.pk]),
        reverse("admin:guidance_guidelineversion_diff"),
        reverse("admin:guidance_recommendation_changelist"),
        reverse("admin:guidance_recommendation_change", args=[recommendation.pk]),
        reverse("admin:guidance_recommendation_history", args=[recommendation.pk]),
        reverse("admin:guidance_disagreement_change", args=[Disagreement.objects.filter(version=version).first().pk]),
        reverse("admin:guidance_citation_change", args=[Citation.objects.filter(version=version).first().pk]),
    ]


@pytest.mark.parametrize("role", ["content_editor", "clinical_reviewer"])
def test_payloads_in_content_are_neutralised_in_the_admin_and_review_pages(
    client, request, payload_draft_version, role
):
    client.force_login(request.getfixturevalue(role))
    for url in _admin_pages(payload_draft_version):
        response = client.get(url)
        assert response.status_code == 200, url
        assert executable_markup(response.content.decode()) == [], url


# -- Saved cases: labels, comments, sign-off comments, checklist notes ---------------------------


def _save_case_through_the_page(client, physician, label: str):
    from tests.cases.conftest import finished_draft

    draft = finished_draft(physician)
    return client.post(
        reverse("cases:save", args=[draft.pk]),
        {"label": label, "content_hash": published_content_hash()},
    )


def published_content_hash() -> str:
    from dahguide.guidance.selectors import get_published_snapshot

    return get_published_snapshot().content_hash


def test_payloads_in_case_labels_are_neutralised_wherever_cases_are_shown(
    client, physician, resident, published_guideline
):
    from dahguide.cases.models import Case

    client.force_login(physician)
    for payload in XSS_PAYLOADS:
        response = _save_case_through_the_page(client, physician, payload)
        assert executable_markup(response.content.decode()) == [], payload  # refused: the form again
    saved = list(Case.objects.values_list("pk", "label"))
    assert len(saved) >= len(XSS_PAYLOADS) // 2  # most payloads are labels the validator accepts
    client.force_login(resident)
    pages = [reverse("cases:list"), reverse("cases:list") + "?q=%3Cscript%3E", reverse("cases:export")]
    for pk, _label in saved:
        pages += [reverse(name, args=[pk]) for name in ("cases:detail", "cases:print", "cases:reevaluate")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert executable_markup(body.decode()) == [], url
        if url == reverse("cases:export"):
            assert b"xss-" not in body  # the export carries no free text at all


def test_payloads_in_comments_sign_offs_and_checklist_notes_are_neutralised(
    client, physician, resident, published_guideline
):
    from tests.cases.conftest import save_case

    case = save_case(physician)
    detail = reverse("cases:detail", args=[case.pk])
    client.force_login(resident)
    for payload in XSS_PAYLOADS:
        client.post(reverse("cases:comment", args=[case.pk]), {"text": payload})
    client.force_login(physician)
    client.post(
        reverse("cases:signoff", args=[case.pk]),
        {
            "revision": "1",
            "decision": "disagree",
            "reason_code": "other",
            "comment": XSS_PAYLOADS[1],
        },
    )
    client.post(
        reverse("cases:checklist", args=[case.pk, "monitor_oxygenation"]), {"ticked": "true", "note": XSS_PAYLOADS[0]}
    )
    for headers in ({}, HTMX):
        page = client.get(detail, headers=headers).content.decode()
        assert executable_markup(page) == []
    page = client.get(detail).content.decode()
    assert page.count("xss-") >= len(XSS_PAYLOADS)  # the comments are there, as text
    assert executable_markup(client.get(reverse("cases:print", args=[case.pk])).content.decode()) == []
