"""Side-effect questions inside the check-in (issue 7): the form asks them only while a medicine
is being started, stores the answers with the check-in (once, whatever the retries), keeps what
was typed when something is missing, shows an urgent "yes" its instruction, and the care team
sees the answers day by day. The JSON API takes them beside the check-in."""

from __future__ import annotations

import datetime as dt
import re
from html import escape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from nervecare.medications import MedicationPlan, PatientFacts, PlanItem, load_drug_knowledge
from nervecare.store.models import CheckInRow, OutboxAlert, SideEffectAnswerRow
from nervecare.store.plans import activate_medication_plan, save_medication_plan
from nervecare.store.service import Store
from nervecare.web.checkin_form import web_sections
from tests.web.helpers import NO_RED_FLAGS, Seeded, csrf_from, sign_in

TODAY = dt.datetime.now(dt.UTC).date()
#: Contract sections, then "Your new medicine" before the last one ("Anything else").
MEDICINE_STEP = len(web_sections()) - 1
BREATHING = "se.gabapentin.breathing"
DIZZINESS = "se.gabapentin.dizziness"
SLEEPINESS = "se.gabapentin.sleepiness"


def start_gabapentin(store: Store, patient_id: int, *, started: dt.date = TODAY) -> None:
    """An active plan: gabapentin 300 mg, up to 900 mg over three days, from `started`."""
    plan = MedicationPlan(
        prescriber="Dr a",
        items=(
            PlanItem(
                drug="gabapentin",
                start_on=started,
                start_daily_mg=300,
                target_daily_mg=900,
                step_mg=300,
                step_every_days=1,
            ),
        ),
    )
    saved = save_medication_plan(
        store.sessions, patient=patient_id, plan=plan, facts=PatientFacts(crcl_ml_min=90)
    )
    activate_medication_plan(store.sessions, plan_id=saved.id)


@pytest.fixture
def starting(app_store: Store, seeded: Seeded) -> Store:
    start_gabapentin(app_store, seeded["a"].patient_id)
    return app_store


def _form(client: TestClient) -> dict[str, str]:
    page = client.get("/checkin").text
    client_id = re.search(r'name="client_id" value="([^"]+)"', page)
    assert client_id
    return {
        "csrf_token": csrf_from(page),
        "client_id": client_id.group(1),
        "leg_pain": "3",
        **NO_RED_FLAGS,
    }


def _to_medicine_step(client: TestClient, data: dict[str, str]) -> str:
    for step in range(MEDICINE_STEP):
        response = client.post("/checkin", data={**data, "step": str(step), "action": "next"})
        assert response.status_code == 200, response.text
    return response.text


def _send(client: TestClient, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        "/checkin",
        data={**data, "step": str(MEDICINE_STEP + 1), "action": "send"},
        follow_redirects=False,
    )


def _answers(store: Store) -> list[tuple[str, bool, str]]:
    with store.sessions() as session:
        rows = session.scalars(select(SideEffectAnswerRow).order_by(SideEffectAnswerRow.id))
        return [(row.effect, row.answer, row.words) for row in rows]


def _checkins(store: Store) -> int:
    with store.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(CheckInRow)) or 0)


def test_without_a_medicine_being_started_the_check_in_has_no_medicine_part(
    client: TestClient, seeded: Seeded
):
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    assert f"Part 1 of {len(web_sections())}" in page
    assert "Your new medicine" not in page


def test_while_starting_a_medicine_the_check_in_asks_about_side_effects(
    client: TestClient, seeded: Seeded, starting: Store
):
    """One more part, before "Anything else": each question yes or no, a few words, why we ask,
    and the source."""
    sign_in(client, seeded["a"].patient)
    assert f"Part 1 of {len(web_sections()) + 1}" in client.get("/checkin").text
    page = _to_medicine_step(client, _form(client))
    assert "<h2>Your new medicine</h2>" in page
    assert "Why we ask" in page
    assert "Have you felt dizzy or unsteady since starting gabapentin?" in page
    assert f'name="{BREATHING}" value="yes"' in page
    assert f'name="{DIZZINESS}.words"' in page
    assert "med_fda_2019_gabapentinoids" in page
    assert "Food and Drug Administration" in page


def test_after_the_start_window_the_questions_are_not_asked(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Weeks after the target dose was reached the medicine is no longer 'being started'."""
    start_gabapentin(app_store, seeded["a"].patient_id, started=TODAY - dt.timedelta(days=60))
    sign_in(client, seeded["a"].patient)
    assert "Your new medicine" not in _to_medicine_step(client, _form(client))


def test_the_answers_are_stored_with_the_check_in(
    client: TestClient, seeded: Seeded, starting: Store
):
    sign_in(client, seeded["a"].patient)
    data = _form(client)
    _to_medicine_step(client, data)
    data.update(
        {BREATHING: "no", DIZZINESS: "yes", f"{DIZZINESS}.words": "when I stand up"}
        | {SLEEPINESS: "no"}
    )
    response = client.post("/checkin", data={**data, "step": str(MEDICINE_STEP)})
    assert response.status_code == 200
    assert "Anything else" in response.text
    assert f'type="hidden" name="{DIZZINESS}.words" value="when I stand up"' in response.text
    sent = _send(client, data)
    assert sent.status_code == 303
    assert _answers(starting) == [
        ("breathing", False, ""),
        ("dizziness", True, "when I stand up"),
        ("sleepiness", False, ""),
    ]
    result = client.get(sent.headers["location"]).text
    assert "Thank you for answering the questions about your new medicine" in result
    assert "act on this now" not in result


def test_a_missing_answer_is_named_and_what_was_typed_is_kept(
    client: TestClient, seeded: Seeded, starting: Store
):
    """Yes or no is needed for each question; the words already typed stay in the form."""
    sign_in(client, seeded["a"].patient)
    data = _form(client)
    _to_medicine_step(client, data)
    data.update({DIZZINESS: "yes", f"{DIZZINESS}.words": "only at night", BREATHING: "no"})
    response = client.post("/checkin", data={**data, "step": str(MEDICINE_STEP)})
    assert response.status_code == 400
    assert "Please check your answers" in response.text
    assert 'href="#se-gabapentin-sleepiness"' in response.text
    assert 'value="only at night"' in response.text
    assert re.search(r'name="se\.gabapentin\.dizziness" value="yes"\s+checked', response.text)
    assert _checkins(starting) == 2  # the two seeded ones only


def test_too_many_words_are_refused_and_kept(client: TestClient, seeded: Seeded, starting: Store):
    sign_in(client, seeded["a"].patient)
    data = _form(client)
    _to_medicine_step(client, data)
    long = "dizzy " * 40
    data.update({BREATHING: "no", DIZZINESS: "yes", SLEEPINESS: "no", f"{DIZZINESS}.words": long})
    response = client.post("/checkin", data={**data, "step": str(MEDICINE_STEP)})
    assert response.status_code == 400
    assert "a few words" in response.text
    assert long.strip() in response.text


def test_a_retried_check_in_stores_the_answers_once(
    client: TestClient, seeded: Seeded, starting: Store
):
    sign_in(client, seeded["a"].patient)
    data = _form(client) | {BREATHING: "no", DIZZINESS: "no", SLEEPINESS: "yes"}
    first, second = _send(client, data), _send(client, data)
    assert first.headers["location"] == second.headers["location"]
    assert len(_answers(starting)) == 3
    assert _checkins(starting) == 3  # two seeded, and this one


def test_an_urgent_yes_raises_the_check_in_and_alerts_the_care_team(
    client: TestClient, seeded: Seeded, starting: Store
):
    """Slow or shallow breathing on a gabapentinoid is potentially life-threatening (FDA 2019):
    the check-in is raised to the level the drug data gives, with the source's instruction, and
    the care team is alerted like for any red flag."""
    sign_in(client, seeded["a"].patient)
    data = _form(client) | {BREATHING: "yes", DIZZINESS: "no", SLEEPINESS: "no"}
    result = client.get(_send(client, data).headers["location"]).text
    assert "Keep going with your recovery plan" not in result
    assert "please act on this now" in result
    assert "Get medical help straight away" in result
    assert "Food and Drug Administration" in result
    with starting.sessions() as session:
        row = session.scalars(select(CheckInRow).order_by(CheckInRow.id.desc())).first()
        assert row is not None
        assert row.level == "emergency"
        alerts = session.scalars(select(OutboxAlert).where(OutboxAlert.checkin_id == row.id)).all()
    assert len(alerts) == 1


def test_a_yes_to_an_ordinary_side_effect_keeps_the_triage(
    client: TestClient, seeded: Seeded, starting: Store
):
    sign_in(client, seeded["a"].patient)
    data = _form(client) | {BREATHING: "no", DIZZINESS: "yes", SLEEPINESS: "yes"}
    _send(client, data)
    with starting.sessions() as session:
        level = session.scalars(select(CheckInRow.level).order_by(CheckInRow.id.desc())).first()
    assert level == "self_care"


def test_the_care_team_sees_the_answers_by_day_yes_highlighted(
    client: TestClient, seeded: Seeded, starting: Store
):
    sign_in(client, seeded["a"].patient)
    data = _form(client) | {BREATHING: "yes", DIZZINESS: "yes", SLEEPINESS: "no"}
    _send(client, data | {f"{DIZZINESS}.words": "mornings"})
    client.cookies.clear()
    sign_in(client, seeded["a"].clinician)
    page = client.get(f"/patients/{seeded['a'].patient_id}/plans").text
    assert "Side-effect answers" in page
    assert TODAY.isoformat() in page
    assert 'class="side-effect-attention"' in page
    assert page.count('class="side-effect-yes"') == 1
    assert "mornings" in page
    assert "Needs prompt medical attention" in page


def test_today_says_the_questions_are_asked_in_the_check_in(
    client: TestClient, seeded: Seeded, starting: Store
):
    sign_in(client, seeded["a"].patient)
    today = client.get("/today").text
    assert "short questions about side effects in today" in today
    assert 'href="/checkin"' in today


def _spanish(client: TestClient) -> None:
    token = csrf_from(client.get("/home").text)
    client.post("/language", data={"csrf_token": token, "language": "es", "next": "/checkin"})


def _gabapentin_text(key: str, field: str) -> str:
    drug = load_drug_knowledge().drug("gabapentin")
    return next(e for e in drug.side_effects if e.key == key).text_for(field, "es")


def test_a_spanish_speaking_patient_reads_the_questions_and_instruction_in_spanish(
    client: TestClient, seeded: Seeded, starting: Store
):
    """The questions' words come from the drug data in the patient's language."""
    sign_in(client, seeded["a"].patient)
    _spanish(client)
    data = _form(client)
    page = _to_medicine_step(client, data)
    assert "Su medicamento nuevo" in page
    assert escape(_gabapentin_text("dizziness", "question")) in page
    data |= {BREATHING: "yes", DIZZINESS: "no", SLEEPINESS: "no"}
    result = client.get(_send(client, data).headers["location"]).text
    assert escape(_gabapentin_text("breathing", "if_yes")) in result


# ------------------------------------------------------------------ the JSON API


def _bearer(client: TestClient) -> dict[str, str]:
    token = client.post(
        "/api/v1/session", json={"username": "patient.a", "password": "correct horse battery"}
    ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


CHECKIN = {"schema_version": "1", "days_since_surgery": 20, "leg_pain": 3}


def test_the_api_takes_side_effect_answers_beside_the_check_in(client: TestClient, starting: Store):
    headers = _bearer(client) | {"Idempotency-Key": "api-1"}
    body = {
        "checkin": CHECKIN,
        "side_effects": [
            {"drug": "gabapentin", "key": "breathing", "answer": True},
            {"drug": "gabapentin", "key": "dizziness", "answer": False, "words": "fine"},
        ],
    }
    response = client.post("/api/v1/checkins", json=body, headers=headers)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["level"] == "emergency"  # the urgent yes raises it
    assert [(s["key"], s["needs_prompt_attention"]) for s in out["side_effects"]] == [
        ("breathing", True),
        ("dizziness", False),
    ]
    assert out["side_effects"][0]["if_yes"].startswith("Get medical help")
    again = client.post("/api/v1/checkins", json=body, headers=headers)
    assert again.status_code == 200
    assert len(_answers(starting)) == 2
    read = client.get(f"/api/v1/checkins/{out['id']}", headers=headers).json()
    assert len(read["side_effects"]) == 2


def test_the_api_refuses_answers_not_due_and_stores_nothing(client: TestClient, starting: Store):
    body = {
        "checkin": CHECKIN,
        "side_effects": [{"drug": "duloxetine", "key": "nausea", "answer": True}],
    }
    response = client.post("/api/v1/checkins", json=body, headers=_bearer(client))
    assert response.status_code == 422
    assert "duloxetine.nausea" in str(response.json()["detail"]["side_effects"])
    bad = {"checkin": CHECKIN, "side_effects": [{"drug": "gabapentin", "key": "dizziness"}]}
    response = client.post("/api/v1/checkins", json=bad, headers=_bearer(client))
    assert response.status_code == 422
    assert "answer" in str(response.json()["detail"]["side_effects"])
    assert _checkins(starting) == 2  # the two seeded ones only
    assert _answers(starting) == []


def test_a_bare_check_in_is_still_a_contract_v1_document(client: TestClient, starting: Store):
    response = client.post("/api/v1/checkins", json=CHECKIN, headers=_bearer(client))
    assert response.status_code == 201
    assert response.json()["side_effects"] == []


def test_answers_next_to_the_check_ins_fields_are_taken_out_of_the_document(
    client: TestClient, starting: Store
):
    """`side_effects` beside the contract fields: stored as answers, not inside the check-in."""
    body = {
        **CHECKIN,
        "side_effects": [{"drug": "gabapentin", "key": "sleepiness", "answer": True}],
    }
    response = client.post("/api/v1/checkins", json=body, headers=_bearer(client))
    assert response.status_code == 201, response.text
    assert [s["key"] for s in response.json()["side_effects"]] == ["sleepiness"]
    assert _answers(starting) == [("sleepiness", True, "")]
    with starting.sessions() as session:
        document = session.get(CheckInRow, response.json()["id"]).document
    assert "side_effects" not in document
