"""Ask before alarming, in Chromium: what the notes only possibly say is asked before the result.

A benign note that raises a question, answered No: the self-care page, no alert, a clean home
page, and the answer visible to the clinician. A note with a real sign, confirmed: the emergency
page and an alert. A question left unanswered: a task for the care team after the team's time.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update

from nervecare.demo import DEMO_SIGNINS
from nervecare.demo.cohort import DEMO_TEAM
from nervecare.store.models import CheckInQuestionRow
from tests.browser.conftest import DESKTOP, PHONE, answer_no_red_flags, screenshot

pytestmark = pytest.mark.slow

CLINICIAN, PATIENT = DEMO_SIGNINS
BENIGN = "Nerve pain has settled, only a twinge in the buttock when I sit on hard chairs"
REAL = "Since this morning my bum has gone numb and I can't feel the paper when I wipe"


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Your name for signing in").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _check_in_with_notes(page: Any, base: str, notes: str) -> None:
    """A quiet day on a phone, every red-flag question answered, the words in the notes."""
    page.goto(f"{base}/checkin")
    page.get_by_label("Your worst leg pain in the last 24 hours", exact=False).fill("2")
    for _ in range(10):
        notes_box = page.get_by_label("in your own words", exact=False)
        if notes_box.count():
            notes_box.fill(notes)
        answer_no_red_flags(page)
        send = page.get_by_role("button", name="Send my check-in")
        if send.count():
            # The first note a server reads may wait for the reader still loading in the
            # background (seconds alone, much longer on a loaded CI machine).
            send.click(timeout=180_000)
            return
        page.get_by_role("button", name="Next").click()
    pytest.fail("the check-in never reached its Send button")


def _answer(page: Any, answer: str) -> None:
    for radio in page.get_by_label(answer, exact=True).all():
        radio.check()
    page.get_by_role("button", name="See my result").click()


def _patient(browser: Any, base: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    _sign_in(page, base, PATIENT.username, PATIENT.password)
    page.wait_for_url(f"{base}/home")
    return context, page


def test_a_benign_note_is_asked_about_and_a_no_gives_the_result_without_alarm(
    browser: Any, live_server: str
) -> None:
    context, page = _patient(browser, live_server)
    _check_in_with_notes(page, live_server, BENIGN)
    assert "Before your result" in page.locator("h1").first.inner_text()
    assert "buttock" in page.content()
    assert "emergency department" not in page.locator("main").inner_text()
    screenshot(page, "patient-question-phone")
    _answer(page, "No")
    assert page.locator("h1").first.inner_text().startswith("Thank you. Keep going")
    assert "Your answers are kept" in page.content()
    screenshot(page, "patient-result-after-no-phone")
    page.goto(f"{live_server}/home")
    home = page.locator("main").inner_text()
    assert "Please answer a question" not in home
    assert "emergency department" not in home
    context.close()

    desktop = browser.new_context(viewport=DESKTOP, locale="en-GB")
    clinician = desktop.new_page()
    _sign_in(clinician, live_server, CLINICIAN.username, CLINICIAN.password)
    clinician.wait_for_url(f"{live_server}/dashboard")
    clinician.goto(f"{live_server}/patients/1")
    text = clinician.locator("main").inner_text()
    assert "Answered no" in text
    assert clinician.locator("mark", has_text="buttock").count() >= 1
    screenshot(clinician, "clinician-patient-answered-no-desktop")
    desktop.close()


def test_a_real_sign_confirmed_gives_the_emergency_page(browser: Any, live_server: str) -> None:
    context, page = _patient(browser, live_server)
    _check_in_with_notes(page, live_server, REAL)
    heading = page.locator("h1").first.inner_text()
    if heading.startswith("Before your result"):  # the reader may ask, or know it plainly
        _answer(page, "Yes")
    assert "Go to the emergency department now" in page.locator("h1").first.inner_text()
    screenshot(page, "patient-result-confirmed-emergency-phone")
    context.close()


def test_an_unanswered_question_becomes_a_task_for_the_team(
    browser: Any, live_server: str, live_database_url: str, cli_path: Path
) -> None:
    subprocess.run(
        [
            str(cli_path),
            *("alerts", "team", DEMO_TEAM, "--url", live_database_url),
            *("--confirm-minutes", "1"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    context, page = _patient(browser, live_server)
    _check_in_with_notes(page, live_server, BENIGN)
    assert "Before your result" in page.locator("h1").first.inner_text()
    page.goto(f"{live_server}/home")
    assert "Please answer a question" in page.locator("main").inner_text()
    context.close()
    # A minute passes (the team's time to answer), without the test waiting for it.
    engine = create_engine(live_database_url)
    with engine.begin() as connection:
        connection.execute(
            update(CheckInQuestionRow)
            .where(CheckInQuestionRow.answer.is_(None))
            .values(due_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    engine.dispose()

    desktop = browser.new_context(viewport=DESKTOP, locale="en-GB")
    clinician = desktop.new_page()
    _sign_in(clinician, live_server, CLINICIAN.username, CLINICIAN.password)
    clinician.wait_for_url(f"{live_server}/dashboard")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        clinician.goto(f"{live_server}/patients/1")
        if "Not answered: a task for the team" in clinician.locator("main").inner_text():
            break
        time.sleep(1)
    else:
        pytest.fail("the unanswered question did not become a task within a minute of its time")
    clinician.goto(f"{live_server}/alerts")
    assert "Unconfirmed (the patient has not answered)" in clinician.locator("main").inner_text()
    screenshot(clinician, "clinician-unanswered-task-desktop")
    desktop.close()
