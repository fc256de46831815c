"""Issue 6 on the care team's pages: "did this alert lead to action?" on resolving, delivery
state and problems with "Send again" and a delivery log, silent patients, the team's alert
burden, and the patient's daily reminder."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecare.store.models import (
    AlertDelivery,
    AuditEntry,
    OutboxAlert,
    Patient,
    PatientReminder,
    PatientSummary,
)
from nervecare.store.service import Store
from tests.web.helpers import Seeded, csrf_from, sign_in

ERROR = "SMTP 550: mailbox unavailable"


def _signed_in(client: TestClient, seeded: Seeded) -> str:
    """Sign in team a's clinician; the CSRF token for their forms."""
    sign_in(client, seeded["a"].clinician)
    return csrf_from(client.get("/alerts").text)


def _set_delivery(store: Store, alert_id: int, **values: object) -> None:
    with store.sessions.begin() as session:
        alert = session.get(OutboxAlert, alert_id)
        assert alert is not None
        for name, value in values.items():
            setattr(alert, name, value)


def _actions(store: Store, action: str) -> list[AuditEntry]:
    with store.sessions.begin() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return list(entries)


def _dead_letter(store: Store, alert_id: int) -> None:
    _set_delivery(store, alert_id, state="failed", attempts=5, last_error=ERROR)


# --- resolving: did this alert lead to action? -------------------------------------------


def test_resolving_needs_an_answer_on_action(client: TestClient, seeded: Seeded, app_store: Store):
    """Without yes or no the alert stays open."""
    token = _signed_in(client, seeded)
    response = client.post(
        f"/alerts/{seeded['a'].alert_id}/resolve", data={"csrf_token": token, "note": "Phoned"}
    )
    assert response.status_code == 400
    with app_store.sessions.begin() as session:
        alert = session.get(OutboxAlert, seeded["a"].alert_id)
        assert alert is not None
        assert alert.resolved_at is None
        assert alert.actionable is None


@pytest.mark.parametrize(("answer", "stored"), [("yes", True), ("no", False)])
def test_resolving_stores_whether_the_alert_led_to_action(
    client: TestClient, seeded: Seeded, app_store: Store, answer: str, stored: bool
):
    """The answer is kept on the alert with its resolution and note."""
    token = _signed_in(client, seeded)
    client.post(
        f"/alerts/{seeded['a'].alert_id}/resolve",
        data={"csrf_token": token, "note": "Phoned", "actionable": answer},
    )
    with app_store.sessions.begin() as session:
        alert = session.get(OutboxAlert, seeded["a"].alert_id)
        assert alert is not None
        assert alert.resolved_at is not None
        assert alert.resolution_note == "Phoned"
        assert alert.actionable is stored
    (entry,) = _actions(app_store, "alert.resolved")
    assert entry.detail["actionable"] is stored


def test_the_resolve_form_asks_about_action(client: TestClient, seeded: Seeded):
    """Each open alert asks "Did this alert lead to action?" with a required yes/no."""
    _signed_in(client, seeded)
    page = client.get("/alerts").text
    assert "Did this alert lead to action?" in page
    assert 'name="actionable" value="yes" required' in page


# --- delivery state -------------------------------------------------------------------------


def test_each_alert_can_be_linked_to(client: TestClient, seeded: Seeded):
    """Alert messages link to /alerts#alert-<id>: the id is on the alert."""
    _signed_in(client, seeded)
    assert f'id="alert-{seeded["a"].alert_id}"' in client.get("/alerts").text


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"state": "pending", "attempts": 0}, "waiting to be delivered"),
        ({"state": "delivering", "attempts": 0}, "being delivered now"),
        ({"state": "delivered", "attempts": 1}, "delivered"),
        (
            {
                "state": "pending",
                "attempts": 2,
                "next_attempt_at": dt.datetime(2030, 1, 2, 3, 4, tzinfo=dt.UTC),
                "last_error": ERROR,
            },
            "retrying after 2 failed attempts, next try at 2030-01-02 03:04 UTC",
        ),
        (
            {"state": "failed", "attempts": 5, "last_error": ERROR},
            "failed after 5 attempts",
        ),
    ],
)
@pytest.mark.parametrize("path", ["/alerts", "/dashboard"])
def test_alerts_show_their_delivery_state(
    *,
    client: TestClient,
    seeded: Seeded,
    app_store: Store,
    values: dict[str, object],
    words: str,
    path: str,
):
    """Every alert says where its delivery stands, with the next try or the last error."""
    _set_delivery(app_store, seeded["a"].alert_id, **values)
    _signed_in(client, seeded)
    page = client.get(path).text
    assert words in page
    if values.get("last_error"):
        assert ERROR in page


@pytest.mark.parametrize("path", ["/alerts", "/dashboard"])
def test_dead_letters_are_listed_first_among_delivery_problems(
    client: TestClient, seeded: Seeded, app_store: Store, path: str
):
    """A failed alert heads the "Delivery problems" section, with its error and Send again."""
    _dead_letter(app_store, seeded["a"].alert_id)
    _signed_in(client, seeded)
    page = client.get(path).text
    problems = page.split('id="delivery-heading"')[1].split("</section>")[0]
    assert "Delivery problems (1)" in page
    assert "P-a" in problems
    assert ERROR in problems
    assert f'action="/alerts/{seeded["a"].alert_id}/send-again"' in problems
    assert page.index("Delivery problems") < page.index(
        "Open alerts" if path == "/dashboard" else 'class="alerts"'
    )


def test_other_teams_delivery_problems_are_not_shown(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Team b's dead letter does not appear on team a's pages."""
    _dead_letter(app_store, seeded["b"].alert_id)
    _signed_in(client, seeded)
    page = client.get("/dashboard").text
    assert "Delivery problems (0)" in page
    assert "P-b" not in page


def test_send_again_puts_a_dead_letter_back_in_the_outbox(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Send again makes the alert pending from its first attempt, and is audited."""
    _dead_letter(app_store, seeded["a"].alert_id)
    token = _signed_in(client, seeded)
    response = client.post(
        f"/alerts/{seeded['a'].alert_id}/send-again",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/alerts#alert-{seeded['a'].alert_id}"
    with app_store.sessions.begin() as session:
        alert = session.get(OutboxAlert, seeded["a"].alert_id)
        assert alert is not None
        assert (alert.state, alert.attempts) == ("pending", 0)
    (entry,) = _actions(app_store, "alert.requeued")
    assert entry.actor == f"clinician:{seeded['a'].clinician}"


def test_send_again_refuses_an_alert_that_has_not_failed(client: TestClient, seeded: Seeded):
    """Only a dead letter can be sent again; anything else is a conflict and changes nothing."""
    token = _signed_in(client, seeded)
    response = client.post(f"/alerts/{seeded['a'].alert_id}/send-again", data={"csrf_token": token})
    assert response.status_code == 409


def test_the_delivery_log_lists_every_attempt(client: TestClient, seeded: Seeded, app_store: Store):
    """The log shows each attempt with its channel, receiver, outcome and error."""
    alert_id = seeded["a"].alert_id
    started = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    with app_store.sessions.begin() as session:
        for attempt, (outcome, error) in enumerate([("failed", ERROR), ("delivered", None)], 1):
            session.add(
                AlertDelivery(
                    alert_id=alert_id,
                    stage="initial",
                    channel="email",
                    target="team-a@example.org",
                    attempt=attempt,
                    worker="w1",
                    started_at=started,
                    finished_at=started,
                    outcome=outcome,
                    error=error,
                )
            )
    _signed_in(client, seeded)
    page = client.get(f"/alerts/{alert_id}/deliveries")
    assert page.status_code == 200
    assert page.text.count("team-a@example.org") == 2
    assert ERROR in page.text
    assert "2030-01-02 03:04:05" in page.text


def test_the_delivery_log_is_linked_from_each_alert(client: TestClient, seeded: Seeded):
    """Each alert in the queue links to its delivery log."""
    _signed_in(client, seeded)
    assert f'href="/alerts/{seeded["a"].alert_id}/deliveries"' in client.get("/alerts").text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/alerts/{alert}/send-again"),
        ("POST", "/alerts/{alert}/resolve"),
        ("POST", "/patients/{patient}/reminder"),
    ],
)
def test_new_forms_need_the_csrf_token(
    client: TestClient, seeded: Seeded, app_store: Store, method: str, path: str
):
    """Send again, resolve and the reminder form are refused without the session's token."""
    _dead_letter(app_store, seeded["a"].alert_id)
    sign_in(client, seeded["a"].clinician)
    target = path.format(alert=seeded["a"].alert_id, patient=seeded["a"].patient_id)
    data = {
        "note": "x",
        "actionable": "yes",
        "email": "a@example.org",
        "remind_at": "18:00",
        "time_zone": "Europe/London",
    }
    for token in ({}, {"csrf_token": "not-the-token"}):
        response = client.post(target, data={**data, **token}, follow_redirects=False)
        assert response.status_code == 403
    with app_store.sessions.begin() as session:
        alert = session.get(OutboxAlert, seeded["a"].alert_id)
        assert alert is not None
        assert (alert.state, alert.resolved_at) == ("failed", None)
        assert session.get(PatientReminder, seeded["a"].patient_id) is None


# --- silent patients and alert burden -------------------------------------------------------


def _silent_section(page: str) -> str:
    return page.split('id="silent-heading"')[1].split("</section>", maxsplit=1)[0]


def test_a_patient_silent_for_two_days_is_listed(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """No check-in for three days puts the patient in their own section on the dashboard."""
    three_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    with app_store.sessions.begin() as session:
        for team in ("a", "b"):
            summary = session.get(PatientSummary, seeded[team].patient_id)
            assert summary is not None
            summary.last_recorded_at = three_days_ago
    _signed_in(client, seeded)
    section = _silent_section(client.get("/dashboard").text)
    assert f'href="/patients/{seeded["a"].patient_id}"' in section
    assert three_days_ago.strftime("%Y-%m-%d %H:%M") in section
    assert "P-b" not in section


def test_a_patient_who_checked_in_today_is_not_silent(client: TestClient, seeded: Seeded):
    """The seeded patient checked in just now: the section says everyone has."""
    _signed_in(client, seeded)
    section = _silent_section(client.get("/dashboard").text)
    assert "Every patient has checked in within the last two days." in section


def test_a_patient_never_checked_in_counts_from_enrolment(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Someone enrolled three days ago with no check-in is silent since enrolment."""
    with app_store.sessions.begin() as session:
        patient = session.get(Patient, seeded["a"].patient_id)
        summary = session.get(PatientSummary, seeded["a"].patient_id)
        assert patient is not None
        assert summary is not None
        patient.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        session.delete(summary)  # a patient without check-ins has no summary yet
    _signed_in(client, seeded)
    assert "no check-in since enrolment on" in _silent_section(client.get("/dashboard").text)


def test_the_dashboard_shows_the_teams_alert_burden(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Alerts per patient-week and the share that led to action, over the last four weeks."""
    with app_store.sessions.begin() as session:
        patient = session.get(Patient, seeded["a"].patient_id)
        assert patient is not None
        patient.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(weeks=4)
    token = _signed_in(client, seeded)
    client.post(
        f"/alerts/{seeded['a'].alert_id}/resolve",
        data={"csrf_token": token, "note": "Seen", "actionable": "yes"},
    )
    page = client.get("/dashboard").text
    burden = page.split('id="burden-heading"')[1].split("</section>")[0]
    assert "Alert burden, last 4 weeks" in page
    row = burden.split("Team a")[1].split("</tr>")[0]
    assert "<td>0.25</td>" in row  # one alert in four patient-weeks
    assert "100% (1)" in row
    assert "Team b" not in burden


# --- the patient's daily reminder -----------------------------------------------------------


def _reminder(client: TestClient, seeded: Seeded, **values: str) -> int:
    token = _signed_in(client, seeded)
    data = {
        "csrf_token": token,
        "email": "patient.a@example.org",
        "remind_at": "18:30",
        "time_zone": "Europe/Madrid",
        "enabled": "yes",
        **values,
    }
    path = f"/patients/{seeded['a'].patient_id}/reminder"
    return client.post(path, data=data, follow_redirects=False).status_code


def test_a_clinician_sets_the_daily_reminder(client: TestClient, seeded: Seeded, app_store: Store):
    """The reminder's address, local time and zone are stored, audited and shown."""
    assert _reminder(client, seeded) == 303
    with app_store.sessions.begin() as session:
        row = session.get(PatientReminder, seeded["a"].patient_id)
        assert row is not None
        assert (row.email, row.remind_at, row.time_zone, row.enabled) == (
            "patient.a@example.org",
            dt.time(18, 30),
            "Europe/Madrid",
            True,
        )
    (entry,) = _actions(app_store, "reminder.set")
    assert entry.actor == f"clinician:{seeded['a'].clinician}"
    page = client.get(f"/patients/{seeded['a'].patient_id}").text
    assert "patient.a@example.org at 18:30 (Europe/Madrid)" in page


def test_a_reminder_can_be_switched_off(client: TestClient, seeded: Seeded, app_store: Store):
    """Leaving "Send the reminder" unticked keeps the settings but sends nothing."""
    assert _reminder(client, seeded, enabled="") == 303
    with app_store.sessions.begin() as session:
        row = session.get(PatientReminder, seeded["a"].patient_id)
        assert row is not None
        assert row.enabled is False


@pytest.mark.parametrize(
    "values",
    [
        {"email": "not an address"},
        {"email": ""},
        {"remind_at": "25:00"},
        {"remind_at": "six pm"},
        {"time_zone": "Mars/Olympus"},
        {"time_zone": ""},
    ],
)
def test_a_wrong_reminder_is_refused_and_nothing_is_stored(
    client: TestClient, seeded: Seeded, app_store: Store, values: dict[str, str]
):
    """A bad address, time or zone gets a clear error on the page and stores nothing."""
    token = _signed_in(client, seeded)
    data = {
        "csrf_token": token,
        "email": "patient.a@example.org",
        "remind_at": "18:30",
        "time_zone": "Europe/Madrid",
        **values,
    }
    response = client.post(f"/patients/{seeded['a'].patient_id}/reminder", data=data)
    assert response.status_code == 400
    assert "Please check the email address" in response.text
    with app_store.sessions.begin() as session:
        assert session.get(PatientReminder, seeded["a"].patient_id) is None
    assert _actions(app_store, "reminder.set") == []


def test_the_delivery_log_says_when_nothing_was_tried(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """With no attempt recorded, the log page says so and still shows the last error."""
    _set_delivery(app_store, seeded["a"].alert_id, attempts=2, last_error="no receiver")
    _signed_in(client, seeded)
    page = client.get(f"/alerts/{seeded['a'].alert_id}/deliveries").text
    assert "No attempt to reach a receiver is recorded yet." in page
    assert "no receiver" in page


def test_the_new_sections_are_in_spanish_too(client: TestClient, seeded: Seeded, app_store: Store):
    """A Spanish-speaking clinician reads delivery problems, silence, burden and reminder in es."""
    _dead_letter(app_store, seeded["a"].alert_id)
    token = _signed_in(client, seeded)
    client.post("/language", data={"csrf_token": token, "language": "es"})
    dashboard = client.get("/dashboard").text
    assert "Problemas de entrega (1)" in dashboard
    assert "fallida tras 5 intentos" in dashboard
    assert "Carga de alertas, últimas 4 semanas" in dashboard
    assert "¿Dio lugar esta alerta a alguna actuación?" in dashboard
    assert (
        "Recordatorio diario de registro" in client.get(f"/patients/{seeded['a'].patient_id}").text
    )
