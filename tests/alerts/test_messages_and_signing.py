"""What alerts say (and leave out), and how webhook requests are signed and verified."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nervecare.alerts.messages import (
    AlertFacts,
    AlertReason,
    ReminderFacts,
    alert_email,
    alert_webhook_body,
    reasons_from_triage,
    reminder_email,
)
from nervecare.alerts.signing import SignatureError, signature_header, verify_signature

FACTS = AlertFacts(
    alert_id=17,
    level="emergency",
    patient_reference="P-00AB12CD",
    team="Spinal team A",
    created_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
    reasons=(
        AlertReason(
            code="cauda_equina.saddle_numbness",
            level="emergency",
            summary="New numbness between the legs",
        ),
    ),
    link="https://care.example/alerts/17",
)


def test_email_carries_id_level_reference_reasons_and_link():
    """The team can tell what the alert is about and open it, without signing in to the mail."""
    email = alert_email(FACTS)
    for expected in ("#17", "EMERGENCY", "P-00AB12CD", "cauda_equina.saddle_numbness", FACTS.link):
        assert expected in email.subject + email.body
    assert email.dedup_key == "alert-17-initial"


def test_subject_line_has_no_clinical_detail():
    """Lock screens show subjects: no reference, reason or summary there."""
    subject = alert_email(FACTS).subject
    assert "P-00AB12CD" not in subject
    assert "numbness" not in subject.lower()


def test_triage_evidence_never_reaches_a_message():
    """The patient's own words (evidence) and routine reasons are dropped from alerts."""
    triage = {
        "reasons": [
            {"code": "a", "level": "emergency", "summary": "S", "evidence": "my own words"},
            {"code": "b", "level": "routine", "summary": "R", "evidence": "x"},
        ]
    }
    reasons = reasons_from_triage(triage)
    assert [reason.code for reason in reasons] == ["a"]
    facts = FACTS.model_copy(update={"reasons": reasons})
    assert "my own words" not in alert_email(facts).body
    assert b"my own words" not in alert_webhook_body(facts)


def test_webhook_body_is_compact_sorted_json_with_the_dedup_key():
    """The body is stable bytes (what is signed) and names the alert for de-duplication."""
    body = alert_webhook_body(FACTS)
    payload = json.loads(body)
    assert payload["alert_id"] == 17
    assert payload["dedup_key"] == "alert-17-initial"
    assert payload["reasons"][0]["code"] == "cauda_equina.saddle_numbness"
    assert body == alert_webhook_body(FACTS)
    assert set(payload) == {
        "schema", "alert_id", "dedup_key", "level", "stage", "patient_reference", "team",
        "created_at", "reasons", "link",
    }  # fmt: skip


def test_escalation_says_so():
    """The second contact learns nobody has acknowledged the alert."""
    email = alert_email(FACTS.model_copy(update={"stage": "escalation"}))
    assert "ESCALATED" in email.subject
    assert "second contact" in email.body


def test_reminder_contains_no_health_information():
    """A reminder names no reference, level or symptom of the patient."""
    email = reminder_email(
        ReminderFacts(patient_reference="P-1", local_date=dt.date(2026, 3, 2), link="http://x/c")
    )
    assert "P-1" not in email.body + email.subject
    assert "http://x/c" in email.body


SECRET = "s3cret-for-tests"  # noqa: S105 - test value


def test_a_signed_body_verifies():
    """The receiver accepts what the sender signed, within the window."""
    header = signature_header(SECRET, timestamp=1_000_000, body=b"{}")
    assert verify_signature(SECRET, header=header, body=b"{}", now=1_000_100) == 1_000_000


@pytest.mark.parametrize(
    ("secret", "body", "now", "message"),
    [
        ("other-secret", b"{}", 1_000_000, "does not match"),
        (SECRET, b'{"x":1}', 1_000_000, "does not match"),
        (SECRET, b"{}", 1_000_301, "tolerance"),
        (SECRET, b"{}", 999_699, "tolerance"),
    ],
)
def test_tampering_wrong_secret_and_replay_are_refused(
    secret: str, body: bytes, now: int, message: str
):
    """A changed body, another secret, or an old (or future) timestamp is refused."""
    header = signature_header(SECRET, timestamp=1_000_000, body=b"{}")
    with pytest.raises(SignatureError, match=message):
        verify_signature(secret, header=header, body=body, now=now)


def test_a_fresh_timestamp_cannot_be_grafted_onto_an_old_signature():
    """The timestamp is signed with the body, so changing it breaks the signature."""
    header = signature_header(SECRET, timestamp=1_000_000, body=b"{}")
    forged = header.replace("t=1000000", "t=2000000")
    with pytest.raises(SignatureError, match="does not match"):
        verify_signature(SECRET, header=forged, body=b"{}", now=2_000_000)


@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=5"])
def test_malformed_headers_are_refused(header: str):
    """A header without a numeric timestamp and a signature is an error, not a crash."""
    with pytest.raises(SignatureError):
        verify_signature(SECRET, header=header, body=b"", now=5)


@given(body=st.binary(max_size=200), timestamp=st.integers(min_value=0, max_value=2**40))
def test_signing_round_trips_for_any_body(body: bytes, timestamp: int):
    """Whatever the bytes, what is signed verifies at the same instant."""
    header = signature_header(SECRET, timestamp=timestamp, body=body)
    assert verify_signature(SECRET, header=header, body=body, now=timestamp) == timestamp
