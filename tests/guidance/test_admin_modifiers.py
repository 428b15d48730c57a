"""Stances and doses in the admin: edited on their recommendation's page while the version is a draft."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dahguide.guidance import labels
from dahguide.guidance.models import Dose, GuidelineVersion, Recommendation, Stance
from dahguide.guidance.services import guideline_import
from tests.guidance.helpers import PAEDIATRIC_PULSE, as_action, form_data

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status
PULSE = "glucocorticoid_pulse"


def make_action(version: GuidelineVersion) -> Recommendation:
    """The glucocorticoid pulse of ``version`` as an action: one unchanged stance per modifier, one dose."""
    recommendation = Recommendation.objects.get(version=version, code=PULSE)
    Recommendation.objects.filter(pk=recommendation.pk).update(kind="action", timing="now")
    Stance.objects.filter(version=version, recommendation=PULSE).delete()
    Dose.objects.filter(version=version, recommendation=PULSE).delete()
    Stance.objects.bulk_create(
        Stance(version=version, code=f"{PULSE}__{m}", recommendation=PULSE, modifier=m, stance="unchanged")
        for m in labels.MODIFIERS.values
    )
    fields = {k: v for k, v in PAEDIATRIC_PULSE.items() if k not in {"citations", "recommendation"}}
    Dose.objects.create(version=version, recommendation=PULSE, **fields)
    recommendation.refresh_from_db()
    return recommendation


@pytest.fixture
def pulse(editor_draft) -> Recommendation:
    return make_action(editor_draft)


@pytest.fixture
def published_pulse(db, guideline_document) -> Recommendation:
    """The same action in a published version: imported as a draft and published (published rows never change)."""
    version = guideline_import(document=as_action(guideline_document, PULSE, doses=(PAEDIATRIC_PULSE,)), publish=True)
    return Recommendation.objects.get(version=version, code=PULSE)


def change_url(obj) -> str:
    return reverse(f"admin:guidance_{obj._meta.model_name}_change", args=[obj.pk])


def page_form(client, recommendation) -> dict[str, list[str]]:
    return form_data(client.get(change_url(recommendation)), "recommendation_form")


def row(data: dict[str, list[str]], prefix: str, field: str, value: str) -> int:
    """The index of the inline row whose ``field`` is ``value``."""
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    return next(i for i in range(total) if data.get(f"{prefix}-{i}-{field}") == [value])


def set_stance(data, modifier: str, stance: str, text: str) -> dict[str, list[str]]:
    i = row(data, "stances", "modifier", modifier)
    return {**data, f"stances-{i}-stance": [stance], f"stances-{i}-text": [text]}


def stance(recommendation, modifier: str) -> Stance:
    return Stance.objects.get(version=recommendation.version, recommendation=recommendation.code, modifier=modifier)


# --- the recommendation's page -------------------------------------------------------------------


def test_action_page_shows_one_stance_row_per_modifier(client, admin_user, pulse):
    client.force_login(admin_user)
    data = page_form(client, pulse)
    total = int(data["stances-TOTAL_FORMS"][0])
    assert sorted(data[f"stances-{i}-modifier"][0] for i in range(total)) == sorted(labels.MODIFIERS.values)


def test_action_page_offers_a_row_for_each_missing_modifier(client, admin_user, pulse):
    Stance.objects.filter(version=pulse.version, modifier__in=["pregnant", "on_ecmo"], recommendation=PULSE).delete()
    client.force_login(admin_user)
    data = page_form(client, pulse)
    extra = range(int(data["stances-INITIAL_FORMS"][0]), int(data["stances-TOTAL_FORMS"][0]))
    assert [data[f"stances-{i}-modifier"][0] for i in extra] == ["pregnant", "on_ecmo"]


def test_editor_withholds_an_action_for_a_modifier(client, admin_user, pulse):
    client.force_login(admin_user)
    data = set_stance(page_form(client, pulse), "low_platelets", "withheld", "Not below the platelet limit.")
    assert client.post(change_url(pulse), data).status_code == 302
    changed = stance(pulse, "low_platelets")
    assert (changed.stance, changed.text) == ("withheld", "Not below the platelet limit.")


def test_stance_edit_is_kept_in_history_with_its_author(client, admin_user, pulse):
    client.force_login(admin_user)
    client.post(change_url(pulse), set_stance(page_form(client, pulse), "on_ecmo", "caveat", "Anticoagulated circuit."))
    record = stance(pulse, "on_ecmo").history.first()
    assert (record.stance, record.history_user) == ("caveat", admin_user)


def test_untouched_rows_are_not_saved(client, admin_user, pulse):
    client.force_login(admin_user)
    client.post(change_url(pulse), set_stance(page_form(client, pulse), "on_ecmo", "caveat", "Circuit."))
    assert Stance.history.filter(history_type="~").count() == 1


def test_a_missing_stance_filled_in_gets_the_conventional_code(client, admin_user, pulse):
    stance(pulse, "pregnant").delete()
    client.force_login(admin_user)
    data = set_stance(page_form(client, pulse), "pregnant", "caveat", "Specialist input.")
    assert client.post(change_url(pulse), data).status_code == 302
    assert stance(pulse, "pregnant").code == f"{PULSE}__pregnant"


def test_a_withheld_stance_without_text_is_refused_on_the_page(client, admin_user, pulse):
    client.force_login(admin_user)
    response = client.post(change_url(pulse), set_stance(page_form(client, pulse), "low_platelets", "withheld", ""))
    assert response.status_code == 200
    assert "A stance of “withheld” needs a text" in response.content.decode()
    assert stance(pulse, "low_platelets").stance == "unchanged"


def test_two_rows_for_one_modifier_are_refused_on_the_page(client, admin_user, pulse):
    stance(pulse, "pregnant").delete()
    client.force_login(admin_user)
    data = set_stance(page_form(client, pulse), "pregnant", "caveat", "Specialist input.")
    i = row(data, "stances", "modifier", "pregnant")
    data[f"stances-{i}-modifier"] = ["on_ecmo"]
    response = client.post(change_url(pulse), data)
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_two_new_rows_for_one_modifier_are_refused_together(client, admin_user, pulse):
    Stance.objects.filter(version=pulse.version, modifier__in=["pregnant", "on_ecmo"], recommendation=PULSE).delete()
    client.force_login(admin_user)
    data = set_stance(set_stance(page_form(client, pulse), "pregnant", "caveat", "A."), "on_ecmo", "caveat", "B.")
    data[f"stances-{row(data, 'stances', 'modifier', 'on_ecmo')}-modifier"] = ["pregnant"]
    response = client.post(change_url(pulse), data)
    assert "duplicate data for version, recommendation and modifier" in response.content.decode()
    assert not Stance.objects.filter(version=pulse.version, recommendation=PULSE, modifier="pregnant").exists()


def test_editor_changes_a_dose_amount(client, admin_user, pulse):
    client.force_login(admin_user)
    data = page_form(client, pulse)
    i = row(data, "doses", "code", PAEDIATRIC_PULSE["code"])
    assert client.post(change_url(pulse), {**data, f"doses-{i}-amount": ["20"]}).status_code == 302
    assert Dose.objects.get(version=pulse.version, code=PAEDIATRIC_PULSE["code"]).amount == Decimal("20")


def test_a_dose_with_bad_alternatives_is_refused_on_the_page(client, admin_user, pulse):
    client.force_login(admin_user)
    data = page_form(client, pulse)
    i = row(data, "doses", "code", PAEDIATRIC_PULSE["code"])
    bad = '[{"label": "KDIGO", "band_on": "height_cm", "bands": [{"otherwise": true, "amount": "15"}]}]'
    response = client.post(change_url(pulse), {**data, f"doses-{i}-amount": [""], f"doses-{i}-alternatives": [bad]})
    assert response.status_code == 200
    assert "band_on must be one of" in response.content.decode()


def test_a_stance_edit_returns_a_submitted_version_to_draft(client, admin_user, pulse, move_to):
    move_to(pulse.version, Status.SUBMITTED)
    client.force_login(admin_user)
    client.post(change_url(pulse), set_stance(page_form(client, pulse), "on_ecmo", "caveat", "Circuit."))
    pulse.version.refresh_from_db()
    assert pulse.version.status == Status.DRAFT


def test_a_statement_page_has_no_stance_rows(client, admin_user, editor_draft):
    statement = Recommendation.objects.filter(version=editor_draft, kind="statement").first()
    Stance.objects.filter(version=editor_draft, recommendation=statement.code).delete()
    client.force_login(admin_user)
    assert "stances-TOTAL_FORMS" not in client.get(change_url(statement)).content.decode()


def test_stances_left_on_a_statement_are_shown_to_be_removed(client, admin_user, pulse):
    Recommendation.objects.filter(pk=pulse.pk).update(kind="statement")
    client.force_login(admin_user)
    assert 'name="stances-0-DELETE"' in client.get(change_url(pulse)).content.decode()


def test_a_new_recommendation_gets_its_stances_once_saved(client, admin_user, editor_draft):
    client.force_login(admin_user)
    html = client.get(reverse("admin:guidance_recommendation_add")).content.decode()
    assert "stances-TOTAL_FORMS" not in html


def test_version_page_indexes_each_recommendation_with_a_link(client, admin_user, pulse):
    client.force_login(admin_user)
    html = client.get(change_url(pulse.version)).content.decode()
    assert f'<a href="{change_url(pulse)}"><code>{PULSE}</code></a>' in html


def test_version_page_names_the_stances_an_action_still_lacks(client, admin_user, pulse):
    Stance.objects.filter(version=pulse.version, modifier__in=["pregnant", "on_ecmo"], recommendation=PULSE).delete()
    client.force_login(admin_user)
    html = client.get(change_url(pulse.version)).content.decode()
    assert "Missing for: Pregnancy, On ECMO" in html


# --- published content ---------------------------------------------------------------------------


def test_published_action_shows_its_stances_read_only(client, admin_user, published_pulse):
    client.force_login(admin_user)
    html = client.get(change_url(published_pulse)).content.decode()
    assert "Stances: what each patient modifier does" in html
    assert 'name="stances-0-stance"' not in html


def test_a_stance_of_the_published_version_cannot_be_saved(client, admin_user, published_pulse):
    published = stance(published_pulse, "low_platelets")
    client.force_login(admin_user)
    response = client.post(change_url(published), {"stance": "withheld", "text": "No."})
    assert response.status_code == 403
    assert stance(published_pulse, "low_platelets").stance == "unchanged"


def test_a_dose_of_the_published_version_cannot_be_saved(client, admin_user, published_pulse):
    dose = Dose.objects.get(version=published_pulse.version, code=PAEDIATRIC_PULSE["code"])
    client.force_login(admin_user)
    assert client.post(change_url(dose), {"amount": "20"}).status_code == 403


# --- the stance and dose pages -------------------------------------------------------------------


def test_stance_page_saves_a_draft_stance(client, admin_user, pulse):
    item = stance(pulse, "kidney_impairment")
    client.force_login(admin_user)
    data = form_data(client.get(change_url(item)), "stance_form")
    response = client.post(change_url(item), {**data, "stance": ["dose_adjusted"], "text": ["Reduce the dose."]})
    assert response.status_code == 302
    assert stance(pulse, "kidney_impairment").stance == "dose_adjusted"


@pytest.mark.parametrize("model", [Stance, Dose], ids=["stance", "dose"])
def test_history_page_opens(client, admin_user, pulse, model):
    client.force_login(admin_user)
    item = model.objects.filter(version=pulse.version).first()
    assert client.get(reverse(f"admin:guidance_{model._meta.model_name}_history", args=[item.pk])).status_code == 200


def test_content_editor_edits_stances_on_the_recommendation_page(client, content_editor, pulse):
    client.force_login(content_editor)
    data = set_stance(page_form(client, pulse), "low_platelets", "withheld", "Not below the platelet limit.")
    assert client.post(change_url(pulse), data).status_code == 302
    assert stance(pulse, "low_platelets").stance == "withheld"


def test_reviewer_reads_but_cannot_change_a_stance(client, clinical_reviewer, pulse):
    client.force_login(clinical_reviewer)
    item = pulse.version.stances.first()
    assert client.get(reverse("admin:guidance_stance_change", args=[item.pk])).status_code == 200
    assert not clinical_reviewer.has_perm("guidance.change_stance")
