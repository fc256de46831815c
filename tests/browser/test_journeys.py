"""End to end in Chromium: a patient's emergency check-in, and a clinician acknowledging it."""

from __future__ import annotations

from typing import Any

import pytest

from nervecare.demo import DEMO_SIGNINS
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.slow

CLINICIAN, PATIENT = DEMO_SIGNINS


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Your name for signing in").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_patient_reports_an_emergency_and_a_clinician_acknowledges_it(
    browser: Any, live_server: str
):
    """Check-in by sections on a phone, emergency advice first, alert acknowledged on desktop."""
    phone = browser.new_context(viewport=PHONE, locale="en-GB")
    page = phone.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    _sign_in(page, live_server, PATIENT.username, PATIENT.password)
    page.wait_for_url(f"{live_server}/home")
    screenshot(page, "patient-home-phone")
    page.get_by_role("link", name="Start today's check-in").click()
    page.get_by_label("Your worst leg pain in the last 24 hours", exact=False).fill("6")
    screenshot(page, "patient-checkin-phone")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # legs and feet: nothing to report
    page.get_by_label("I can't pass urine even though I need to", exact=False).check()
    page.get_by_role("button", name="Next").click()  # an emergency answer: sent at once
    headline = page.locator("h1").first
    assert "Go to the emergency department now" in headline.inner_text()
    assert page.locator("main > *").first.get_attribute("class") == "headline emergency"
    screenshot(page, "patient-result-emergency-phone")
    assert not [e for e in errors if "Content Security Policy" in e]
    phone.close()

    desktop = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = desktop.new_page()
    _sign_in(page, live_server, CLINICIAN.username, CLINICIAN.password)
    page.wait_for_url(f"{live_server}/dashboard")
    screenshot(page, "clinician-dashboard-desktop")
    page.goto(f"{live_server}/alerts")
    alert = page.locator(".alert-item", has_text="DEMO-001").first
    alert.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"{live_server}/alerts")
    alert = page.locator(".alert-item", has_text="DEMO-001").first
    assert "acknowledged" in alert.inner_text()
    screenshot(page, "clinician-alerts-desktop")
    alert.get_by_label("What was done (note)").fill("Phoned the patient: on the way to A&E.")
    alert.get_by_label("Yes", exact=True).check()  # did this alert lead to action?
    alert.get_by_role("button", name="Resolve").click()
    page.wait_for_url(f"{live_server}/alerts")
    page.goto(f"{live_server}/alerts?resolved=true")
    assert "Phoned the patient" in page.content()
    page.locator(".alert-item", has_text="DEMO-001").get_by_role("link").first.click()
    screenshot(page, "clinician-patient-desktop")
    desktop.close()
