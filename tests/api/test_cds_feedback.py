"""CDS Hooks 2.0 feedback: the cards' overrideReasons, the endpoint's authentication, accepted and
overridden outcomes, idempotency, bad input (clear 400s, never a 5xx) and no patient data stored."""

from __future__ import annotations

import pytest

from dahguide.feedback.models import CdsCard, CdsFeedback, Impression, Reason
from dahguide.feedback.selectors import version_stats

from .conftest import CDS_SERVICE_URL, cds_auth, example, post_json

pytestmark = pytest.mark.django_db

FEEDBACK_URL = "/cds-services/dah-treatment/feedback"
WHEN = "2026-03-10T12:05:00Z"


@pytest.fixture
def cards(client, published_guideline, hook_time):
    response = post_json(client, CDS_SERVICE_URL, example("gpa_on_oxygen"), **cds_auth())
    assert response.status_code == 200
    return response.json()["cards"]


def by_topic(cards, topic):
    return next(c for c in cards if c["source"]["topic"]["code"] == topic)


def overridden(card, reason="not_available", comment="", system=None):
    item = {
        "card": card["uuid"],
        "outcome": "overridden",
        "outcomeTimestamp": WHEN,
        "overrideReason": {
            "reason": {"system": system or card["overrideReasons"][0]["system"], "code": reason},
            "userComment": comment,
        },
    }
    return item


def accepted(card):
    return {"card": card["uuid"], "outcome": "accepted", "outcomeTimestamp": WHEN, "acceptedSuggestions": []}


def send(client, *items, **headers):
    return post_json(client, FEEDBACK_URL, {"feedback": list(items)}, **(headers or cds_auth(aud=CDS_SERVICE_URL)))


# -- Cards ---------------------------------------------------------------------------------------


def test_every_card_offers_the_bedside_reasons_as_codings(cards):
    for card in cards:
        assert [(r["code"], r["display"]) for r in card["overrideReasons"]] == Reason.choices


def test_override_reasons_share_one_code_system(cards):
    assert {r["system"] for c in cards for r in c["overrideReasons"]} == {cards[0]["overrideReasons"][0]["system"]}
    assert cards[0]["overrideReasons"][0]["system"].endswith("/CodeSystem/dahguide-override-reason")


def test_each_card_is_kept_by_its_uuid_without_patient_data(cards):
    stored = CdsCard.objects.get(uuid=cards[0]["uuid"])
    fields = {f.name for f in CdsCard._meta.concrete_fields}
    assert fields == {"uuid", "guideline_version", "topic", "issuer", "issued_at"}
    assert (stored.topic, stored.guideline_version) == ("decision", 1)


def test_the_give_now_card_stands_for_the_actions_for_now(cards):
    give_now = by_topic(cards, "give_now")
    codes = set(Impression.objects.filter(card_id=give_now["uuid"]).values_list("recommendation_code", flat=True))
    assert "glucocorticoid_pulse" in codes and "plasma_exchange_dah_regimen" not in codes


def test_the_decision_card_stands_for_the_plasma_exchange_recommendations(cards):
    codes = set(
        Impression.objects.filter(card_id=by_topic(cards, "decision")["uuid"]).values_list(
            "recommendation_code", flat=True
        )
    )
    assert codes and all(code.startswith("plasma_exchange") for code in codes)


# -- Authentication ------------------------------------------------------------------------------


def test_an_anonymous_call_gets_401(client, cards):
    response = post_json(client, FEEDBACK_URL, {"feedback": [accepted(cards[0])]})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_signed_with_another_secret_gets_401(client, cards):
    wrong = "not-the-secret-but-long-enough-0123456789abcdef"
    response = send(client, accepted(cards[0]), **cds_auth(aud=CDS_SERVICE_URL, secret=wrong))
    assert response.status_code == 401


def test_a_token_for_another_audience_gets_401(client, cards):
    response = send(client, accepted(cards[0]), **cds_auth(aud="https://elsewhere.example/cds-services/x"))
    assert response.status_code == 401


def test_a_token_is_accepted_once(client, cards):
    headers = cds_auth(aud=CDS_SERVICE_URL)
    assert send(client, accepted(cards[0]), **headers).status_code == 200
    assert send(client, accepted(cards[0]), **headers).status_code == 401


def test_the_feedback_url_is_an_accepted_audience_too(client, cards):
    response = send(client, accepted(cards[0]), **cds_auth(aud=f"http://testserver{FEEDBACK_URL}"))
    assert response.status_code == 200


def test_a_card_sent_to_another_client_is_refused(client, settings, cards):
    settings.CDS_HOOKS_CLIENTS = {**settings.CDS_HOOKS_CLIENTS, "other-ehr": "another-shared-secret-0123456789abcdef"}
    response = send(
        client,
        accepted(cards[0]),
        **cds_auth(aud=CDS_SERVICE_URL, iss="other-ehr", secret="another-shared-secret-0123456789abcdef"),
    )
    assert response.status_code == 400
    assert not CdsFeedback.objects.exists()


# -- Outcomes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", Reason.values)
def test_an_override_is_stored_with_each_reason(client, cards, reason):
    response = send(client, overridden(cards[0], reason, "No apheresis on site."))
    assert response.status_code == 200 and response.json() == {"stored": 1, "already_stored": 0}
    stored = CdsFeedback.objects.get(card_id=cards[0]["uuid"])
    assert (stored.outcome, stored.reason_code, stored.user_comment) == ("overridden", reason, "No apheresis on site.")


def test_an_override_without_a_reason_is_stored_as_no_reason_given(client, cards):
    item = {"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": WHEN}
    assert send(client, item).status_code == 200
    assert CdsFeedback.objects.get().reason_code == ""


def test_an_acceptance_is_stored(client, cards):
    assert send(client, accepted(cards[1])).status_code == 200
    assert CdsFeedback.objects.get().outcome == "accepted"


def test_the_same_feedback_twice_is_stored_once(client, cards):
    first = send(client, overridden(cards[0], "contraindicated"))
    again = send(client, overridden(cards[0], "contraindicated"))
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"stored": 0, "already_stored": 1}
    assert CdsFeedback.objects.count() == 1


def test_a_different_outcome_for_an_answered_card_is_a_conflict(client, cards):
    send(client, overridden(cards[0], "contraindicated"))
    response = send(client, accepted(cards[0]))
    assert response.status_code == 409
    assert CdsFeedback.objects.get().outcome == "overridden"


def test_one_bad_item_stores_none(client, cards):
    response = send(client, accepted(cards[0]), {**accepted(cards[1]), "outcome": "ignored"})
    assert response.status_code == 400
    assert "feedback[1].outcome" in response.json()["problems"]
    assert not CdsFeedback.objects.exists()


def test_an_override_counts_for_the_cards_recommendations(client, cards):
    give_now = by_topic(cards, "give_now")
    send(client, overridden(give_now, "patient_preference"))
    row = next(r for r in version_stats(number=1).recommendations if r.code == "glucocorticoid_pulse")
    assert (row.ehr.shown, row.ehr.by_reason) == (1, {"patient_preference": 1})


# -- Bad input -----------------------------------------------------------------------------------


BAD_BODIES = {
    "not an object": [1, 2],
    "no feedback array": {"cards": []},
    "empty feedback": {"feedback": []},
    "item not an object": {"feedback": ["x"]},
    "card not a uuid": {"feedback": [{"card": "12", "outcome": "accepted", "outcomeTimestamp": WHEN}]},
    "timestamp without zone": {
        "feedback": [
            {
                "card": "8c1f0a53-76fa-4d8e-9a43-0f0a4f1bd0a1",
                "outcome": "accepted",
                "outcomeTimestamp": "2026-03-10T12:05:00",
            }
        ]
    },
    "timestamp missing": {"feedback": [{"card": "8c1f0a53-76fa-4d8e-9a43-0f0a4f1bd0a1", "outcome": "accepted"}]},
    "too many": {"feedback": [{"card": "x"}] * 101},
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_a_malformed_body_is_a_clear_400(client, cards, name):
    response = post_json(client, FEEDBACK_URL, BAD_BODIES[name], **cds_auth(aud=CDS_SERVICE_URL))
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b'{"feedback": NaN}'])
def test_a_body_that_is_not_json_is_a_clear_400(client, cards, body):
    response = post_json(client, FEEDBACK_URL, body, **cds_auth(aud=CDS_SERVICE_URL))
    assert response.status_code == 400


def test_an_unknown_card_is_a_clear_400(client, cards):
    response = send(client, {**accepted(cards[0]), "card": "8c1f0a53-76fa-4d8e-9a43-0f0a4f1bd0a1"})
    assert response.status_code == 400
    assert "was not issued" in response.json()["problems"]["feedback[0].card"]


def test_a_reason_outside_the_code_list_is_a_clear_400(client, cards):
    response = send(client, overridden(cards[0], "too_expensive"))
    assert response.status_code == 400
    assert "overrideReasons" in response.json()["problems"]["feedback[0].overrideReason.reason"]


def test_a_reason_of_another_code_system_is_a_clear_400(client, cards):
    response = send(client, overridden(cards[0], system="http://snomed.info/sct"))
    assert response.status_code == 400


def test_a_reason_with_an_acceptance_is_a_clear_400(client, cards):
    item = {**accepted(cards[0]), "overrideReason": overridden(cards[0])["overrideReason"]}
    assert send(client, item).status_code == 400


def test_a_comment_with_a_record_number_is_refused_and_nothing_stored(client, cards):
    response = send(client, overridden(cards[0], "other", "MRN 12345678 declined"))
    assert response.status_code == 400
    assert "patient identifier" in response.json()["problems"]["feedback[0].overrideReason.userComment"]
    assert not CdsFeedback.objects.exists()


def test_an_overlong_comment_is_a_clear_400(client, cards):
    assert send(client, overridden(cards[0], "other", "x" * 2001)).status_code == 400


def test_feedback_allows_cross_origin_calls(client):
    response = client.options(FEEDBACK_URL)
    assert response.status_code == 204 and response["Access-Control-Allow-Origin"] == "*"


def test_feedback_stays_within_a_query_bound(client, cards, django_assert_max_num_queries):
    items = [overridden(c, "other", "Team decision.") for c in cards]
    # The cards with their feedback, then one insert in a savepoint (its SAVEPOINT and RELEASE count).
    with django_assert_max_num_queries(4):
        assert send(client, *items).status_code == 200
