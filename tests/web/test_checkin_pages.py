"""The patient's check-in form, result page and confirm step, through the real app."""

from __future__ import annotations

import re
import time

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from nervecare.store.models import CheckInQuestionRow, CheckInRow, OutboxAlert
from nervecare.store.service import Store
from nervecare.web.checkin_form import web_sections
from tests.web.helpers import NO_RED_FLAGS, Seeded, csrf_from, sign_in


def _h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found
    return found.group(1).strip()


def _send_all(client: TestClient, answers: dict[str, object]) -> str:
    """Walk every section with `answers`, send, and return the result page's URL."""
    page = client.get("/checkin").text
    data: dict[str, object] = {
        "csrf_token": csrf_from(page),
        "client_id": re.search(r'name="client_id" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
        **NO_RED_FLAGS,
        **answers,
    }
    sections = web_sections()
    for step in range(len(sections)):
        last = step == len(sections) - 1
        data.update(step=str(step), action="send" if last else "next")
        response = client.post("/checkin", data=data, follow_redirects=False)
        if last or response.status_code == 303:  # an emergency is sent at once
            assert response.status_code == 303, response.text
            return str(response.headers["location"])
        assert response.status_code == 200, response.text
    raise AssertionError("unreachable")


def _alerts(store: Store, checkin_url: str) -> int:
    """How many alerts the check-in at this result address has raised."""
    checkin_id = int(checkin_url.rstrip("/").rsplit("/", 1)[-1])
    with store.sessions.begin() as session:
        query = select(func.count()).where(OutboxAlert.checkin_id == checkin_id)
        return int(session.scalar(query) or 0)


def _checkins(store: Store, patient_id: int) -> int:
    with store.sessions.begin() as session:
        query = select(func.count()).select_from(CheckInRow)
        return int(session.scalar(query.where(CheckInRow.patient_id == patient_id)) or 0)


def test_the_form_shows_one_section_at_a_time(client: TestClient, seeded: Seeded):
    """The first page asks only the first section's questions; the record answers the rest."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    assert 'name="leg_pain"' in page
    assert 'id="q-bladder"' not in page
    assert 'name="days_since_surgery"' not in page


def test_a_missing_answer_is_named_and_nothing_is_stored(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Leaving the required pain score empty shows the problem on the same section."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    response = client.post(
        "/checkin", data={"csrf_token": csrf_from(page), "step": "0", "action": "next"}
    )
    assert response.status_code == 400
    assert "Please answer this question." in response.text
    assert _checkins(app_store, seeded["a"].patient_id) == 1


@pytest.mark.parametrize("value", ["11", "-1", "five", "4.5"])
def test_an_out_of_range_pain_score_is_refused(client: TestClient, seeded: Seeded, value: str):
    """Pain is a whole number from 0 to 10."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    response = client.post(
        "/checkin",
        data={"csrf_token": csrf_from(page), "step": "0", "action": "next", "leg_pain": value},
    )
    assert response.status_code == 400
    assert "whole number from 0 to 10" in response.text


def test_an_emergency_result_says_go_to_the_emergency_department_first(
    client: TestClient, seeded: Seeded
):
    """For an emergency the first heading is what to do now, before anything else."""
    sign_in(client, seeded["a"].patient)
    result = client.get(_send_all(client, {"leg_pain": "6", "bladder": ["retention"]})).text
    assert _h1(result).startswith("Go to the emergency department now, or call 999")
    assert result.index("emergency department") < result.index('id="why"')


def test_an_urgent_result_gives_the_teams_number(client: TestClient, seeded: Seeded):
    """For an urgent result the first line says to call the team today, with its number."""
    sign_in(client, seeded["a"].patient)
    result = client.get(_send_all(client, {"leg_pain": "5", "temperature_c": "38.6"})).text
    assert _h1(result) == "Call your surgical team today on 0100 a."


@pytest.mark.parametrize("pause_s", [0.0, 1.1], ids=["at-once", "a-second-later"])
def test_a_check_in_sent_twice_is_stored_once(
    client: TestClient, seeded: Seeded, app_store: Store, pause_s: float
):
    """The form's client id makes a double submission store one check-in, also when the retry
    comes in a later second (the server's clock must not make it a different check-in)."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    data = {
        "csrf_token": csrf_from(page),
        "client_id": "same-form",
        "leg_pain": "3",
        **NO_RED_FLAGS,
        "step": str(len(web_sections()) - 1),
        "action": "send",
    }
    first = client.post("/checkin", data=data, follow_redirects=False)
    time.sleep(pause_s)
    second = client.post("/checkin", data=data, follow_redirects=False)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["location"] == second.headers["location"]
    assert _checkins(app_store, seeded["a"].patient_id) == 2


def test_going_back_keeps_the_answers(client: TestClient, seeded: Seeded):
    """Back shows the previous section with what was answered."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    token = csrf_from(page)
    client.post("/checkin", data={"csrf_token": token, "step": "0", "leg_pain": "7"})
    back = client.post(
        "/checkin", data={"csrf_token": token, "step": "1", "action": "back", "leg_pain": "7"}
    )
    assert 'name="leg_pain" inputmode="numeric" value="7"' in back.text


@pytest.fixture
def possible_saddle(client: TestClient, seeded: Seeded) -> str:
    """A check-in whose only worrying words are ones the notes reader is unsure of."""
    sign_in(client, seeded["a"].patient)
    return _send_all(
        client,
        {
            "leg_pain": "2",
            "notes": (
                "Nerve pain has settled, only a twinge in the buttock when I sit on hard chairs"
            ),
        },
    )


def _answer(client: TestClient, url: str, answer: str) -> Response:
    page = client.get(url).text
    keys = re.findall(r'name="answer-([^"]+)"', page)
    data = {"csrf_token": csrf_from(page)} | {f"answer-{key}": answer for key in set(keys)}
    return client.post(f"{url}/answers", data=data, follow_redirects=True)


def test_a_possible_sign_in_the_notes_is_asked_before_any_result(
    client: TestClient, possible_saddle: str, app_store: Store, seeded: Seeded
):
    """The question comes first: no result, no emergency, no alert until the patient answers."""
    page = client.get(possible_saddle).text
    assert "Before your result" in page
    assert "buttock" in page  # the patient's own words are quoted
    assert "emergency department" not in page
    assert _alerts(app_store, possible_saddle) == 0


def test_answering_no_gives_the_result_records_the_answer_and_raises_nothing(
    client: TestClient, possible_saddle: str, app_store: Store, seeded: Seeded
):
    response = _answer(client, possible_saddle, "no")
    assert _h1(response.text).startswith("Thank you. Keep going")
    assert "Your answers are kept" in response.text
    assert _alerts(app_store, possible_saddle) == 0
    with app_store.sessions.begin() as session:
        answers = session.scalars(
            select(CheckInQuestionRow.answer).where(
                CheckInQuestionRow.patient_id == seeded["a"].patient_id
            )
        ).all()
    assert answers
    assert set(answers) == {"no"}


def test_answering_yes_makes_the_sign_definite_and_alerts_the_team(
    client: TestClient, possible_saddle: str, app_store: Store, seeded: Seeded
):
    response = _answer(client, possible_saddle, "yes")
    assert _h1(response.text).startswith("Go to the emergency department now")
    assert _alerts(app_store, possible_saddle) == 1


def test_not_sure_counts_as_yes(
    client: TestClient, possible_saddle: str, app_store: Store, seeded: Seeded
):
    response = _answer(client, possible_saddle, "not_sure")
    assert _h1(response.text).startswith("Go to the emergency department now")


def test_an_answer_sent_twice_is_kept_once(
    client: TestClient, possible_saddle: str, app_store: Store, seeded: Seeded
):
    page = client.get(possible_saddle).text
    keys = set(re.findall(r'name="answer-([^"]+)"', page))
    data = {"csrf_token": csrf_from(page)} | {f"answer-{key}": "yes" for key in keys}
    client.post(f"{possible_saddle}/answers", data=data)
    again = client.post(f"{possible_saddle}/answers", data=data, follow_redirects=True)
    assert again.status_code == 200
    assert _alerts(app_store, possible_saddle) == 1


def test_an_unanswered_question_waits_on_the_home_page(client: TestClient, possible_saddle: str):
    home = client.get("/home").text
    assert "Please answer a question about your last check-in" in home
    _answer(client, possible_saddle, "no")
    assert "Please answer a question" not in client.get("/home").text


def test_the_home_page_draws_the_pain_chart_on_the_server(client: TestClient, seeded: Seeded):
    """The chart is SVG in the page, with a text description, and no script needed."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/home").text
    assert '<svg class="chart"' in page
    assert "<desc" in page


def test_an_emergency_answer_sends_at_once(client: TestClient, seeded: Seeded):
    """Once the answers so far make it an emergency, the patient is not asked any more."""
    sign_in(client, seeded["a"].patient)
    page = client.get("/checkin").text
    data = {"csrf_token": csrf_from(page), "client_id": "early", "leg_pain": "5"}
    client.post("/checkin", data={**data, "step": "0", "action": "next"})
    client.post("/checkin", data={**data, "step": "1", "action": "next"})
    response = client.post(
        "/checkin",
        data={**data, "step": "2", "action": "next", "bladder": ["retention"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    result = client.get(response.headers["location"]).text
    assert _h1(result).startswith("Go to the emergency department now")


def _section_index(field: str) -> int:
    return next(
        i for i, s in enumerate(web_sections()) if any(q.field == field for q in s.questions)
    )


def _post_red_flag_section(client: TestClient, answers: dict[str, object]) -> Response:
    page = client.get("/checkin").text
    step = _section_index("bladder")
    data = {"csrf_token": csrf_from(page), "client_id": "red-flags", "leg_pain": "3", **answers}
    return client.post(
        "/checkin", data={**data, "step": str(step), "action": "next"}, follow_redirects=False
    )


def test_the_bladder_bowel_and_saddle_questions_ask_about_now(client: TestClient, seeded: Seeded):
    sign_in(client, seeded["a"].patient)
    form = client.get("/checkin").text
    before = str(_section_index("bladder") - 1)
    data = {"csrf_token": csrf_from(form), "leg_pain": "3", "step": before, "action": "next"}
    page = client.post("/checkin", data=data).text
    for field in ("saddle_numbness", "bladder", "bowel"):
        legend = re.search(rf'id="q-{field}".*?<legend>(.*?)</legend>', page, re.S)
        assert legend, field
        assert legend.group(1).startswith("Right now"), legend.group(1)
        assert "(required)" in legend.group(1)
    assert "Since your operation" not in page


@pytest.mark.parametrize("left_out", ["saddle_numbness", "bladder", "bowel"])
def test_a_red_flag_question_left_untouched_is_asked_again(
    client: TestClient, seeded: Seeded, left_out: str
):
    """Silence is not "none": the patient must tick "None of these" (or a problem)."""
    sign_in(client, seeded["a"].patient)
    answers = {field: value for field, value in NO_RED_FLAGS.items() if field != left_out}
    response = _post_red_flag_section(client, answers)
    assert response.status_code == 400
    assert f'href="#q-{left_out}"' in response.text  # listed among the answers to check
    assert "Please answer this question." in response.text


def test_none_of_these_is_an_answer(client: TestClient, seeded: Seeded):
    sign_in(client, seeded["a"].patient)
    response = _post_red_flag_section(client, NO_RED_FLAGS)
    assert response.status_code == 200
    assert "Please check your answers" not in response.text


def test_none_of_these_with_a_problem_ticked_must_be_settled(client: TestClient, seeded: Seeded):
    """Both boxes is a contradiction about a red flag: ask, do not guess either way."""
    sign_in(client, seeded["a"].patient)
    both = NO_RED_FLAGS | {"bowel": ["none_of_these", "constipation"]}
    response = _post_red_flag_section(client, both)
    assert response.status_code == 400
    assert "None of these" in response.text
    assert 'href="#q-bowel"' in response.text


def test_an_emergency_answer_is_not_held_back_by_a_question_left_unanswered(
    client: TestClient, seeded: Seeded, app_store: Store
):
    """Retention ticked, the bowel question skipped: sent at once, as an emergency."""
    sign_in(client, seeded["a"].patient)
    response = _post_red_flag_section(client, {"saddle_numbness": "none", "bladder": "retention"})
    assert response.status_code == 303
    result = client.get(response.headers["location"]).text
    assert _h1(result).startswith("Go to the emergency department now")
