"""End to end in Chromium: a clinician starts gabapentin, the patient answers "Your new medicine"
inside the check-in on a phone (a missing answer is named, what was typed stays), and the care
team sees the yes highlighted. axe-core finds nothing serious on the new pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nervecare.demo import DEMO_SIGNINS
from tests.browser.conftest import DESKTOP, PHONE, answer_no_red_flags, screenshot
from tests.browser.test_accessibility import _serious

pytestmark = pytest.mark.slow

CLINICIAN, PATIENT = DEMO_SIGNINS


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Your name for signing in").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _demo_patient_plans(page: Any, base: str) -> str:
    page.goto(f"{base}/dashboard")
    row = page.locator("th", has_text="DEMO-001").first
    href = row.locator("a[href^='/patients/']").first.get_attribute("href")
    found = re.match(r"^/patients/(\d+)", str(href))
    assert found, href
    return f"{base}/patients/{found.group(1)}/plans"


def test_a_patient_answers_the_new_medicine_questions_in_the_check_in(
    browser: Any, live_server: str, axe_source: str
):
    desktop = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = desktop.new_page()
    _sign_in(page, live_server, CLINICIAN.username, CLINICIAN.password)
    plans = _demo_patient_plans(page, live_server)
    page.goto(plans)
    page.select_option("#drug_0", "gabapentin")
    page.fill("#start_0", "300")
    page.fill("#target_0", "900")
    page.fill("#step_0", "300")
    page.fill("#every_0", "1")
    page.fill("#crcl", "90")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(plans)
    page.get_by_label("I have read the warnings and accept them").check()
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(plans)
    assert "active" in page.locator("article.plan").first.inner_text()

    phone = browser.new_context(viewport=PHONE, locale="en-GB")
    patient = phone.new_page()
    _sign_in(patient, live_server, PATIENT.username, PATIENT.password)
    patient.goto(f"{live_server}/today")
    assert "short questions about side effects" in patient.content()
    patient.goto(f"{live_server}/checkin")
    patient.get_by_label("Your worst leg pain in the last 24 hours", exact=False).fill("3")
    for _ in range(4):  # pain, legs and feet, bladder and bowel, wound and general health
        answer_no_red_flags(patient)
        patient.get_by_role("button", name="Next").click()
        patient.wait_for_load_state()
    assert patient.locator("h2", has_text="Your new medicine").count() == 1
    assert "Why we ask" in patient.content()
    assert _serious(patient, axe_source) == []
    screenshot(patient, "patient-checkin-new-medicine-phone")

    patient.locator("#se-gabapentin-breathing-no").check()
    patient.locator("#se-gabapentin-dizziness-yes").check()
    patient.locator("#se-gabapentin-dizziness-words").fill("when I stand up")
    patient.get_by_role("button", name="Next").click()  # sleepiness not answered
    assert "Please check your answers" in patient.locator("#problems").inner_text()
    assert patient.locator("#se-gabapentin-dizziness-words").input_value() == "when I stand up"
    assert patient.locator("#se-gabapentin-dizziness-yes").is_checked()
    assert _serious(patient, axe_source) == []
    screenshot(patient, "patient-checkin-new-medicine-problem-phone")

    patient.locator("#se-gabapentin-sleepiness-no").check()
    patient.get_by_role("button", name="Next").click()
    assert patient.locator("h2", has_text="Anything else").count() == 1
    patient.get_by_role("button", name="Send my check-in").click()
    patient.wait_for_url(re.compile(r".*/checkins/\d+$"))
    assert "Thank you for answering the questions about your new medicine" in patient.content()
    assert _serious(patient, axe_source) == []
    screenshot(patient, "patient-result-new-medicine-phone")
    phone.close()

    page.goto(plans)
    yes_row = page.locator("tr.side-effect-yes")
    assert yes_row.count() == 1
    assert "when I stand up" in yes_row.inner_text()
    assert _serious(page, axe_source) == []
    screenshot(page, "clinician-plans-side-effects-desktop")
    desktop.close()
