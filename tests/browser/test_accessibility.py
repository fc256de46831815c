"""axe-core on every page, on a phone and a desktop: no serious or critical violations."""

from __future__ import annotations

from typing import Any

import pytest

from nervecare.demo import DEMO_SIGNINS
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.slow

CLINICIAN, PATIENT = DEMO_SIGNINS
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: (who, path); the result page is the patient's latest check-in.
PAGES: tuple[tuple[str | None, str], ...] = (
    (None, "/signin"),
    (None, "/enrol"),
    (None, "/learn"),
    (None, "/learn/recovery"),
    (None, "/learn/treatments"),
    (None, "/learn/warning-signs"),
    ("patient", "/home"),
    ("patient", "/checkin"),
    ("patient", "/checkins/latest"),
    ("clinician", "/dashboard"),
    ("clinician", "/alerts"),
    ("clinician", "/alerts/1/deliveries"),
    ("clinician", "/patients/1"),
    ("clinician", "/patients/new"),
)


def _sign_in(page: Any, base: str, who: str) -> None:
    account = PATIENT if who == "patient" else CLINICIAN
    page.goto(f"{base}/signin")
    page.get_by_label("Your name for signing in").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def _serious(page: Any, axe_source: str) -> list[str]:
    page.evaluate(axe_source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_21_AA,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize(("who", "path"), PAGES)
def test_no_serious_accessibility_violations(
    *, browser: Any, live_server: str, axe_source: str, who: str | None, path: str, viewport: str
):
    """WCAG 2.1 A and AA rules of axe-core find nothing serious or critical."""
    context = browser.new_context(viewport=PHONE if viewport == "phone" else DESKTOP)
    page = context.new_page()
    try:
        if who is not None:
            _sign_in(page, live_server, who)
        if path == "/checkins/latest":
            page.goto(f"{live_server}/home")
            link = page.locator("a[href^='/checkins/']").first
            path = str(link.get_attribute("href"))
        page.goto(f"{live_server}{path}")
        name = (who or "public") + path.replace("/", "-").rstrip("-") + f"-{viewport}"
        screenshot(page, name)
        problems = _serious(page, axe_source)
    finally:
        context.close()
    assert problems == []


@pytest.mark.parametrize("path", ["/signin", "/learn/warning-signs", "/checkin"])
def test_spanish_pages_are_accessible_too(
    *, browser: Any, live_server: str, axe_source: str, path: str
):
    """A Spanish-speaking browser gets Spanish pages (lang="es"), equally accessible."""
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    page = context.new_page()
    try:
        if path == "/checkin":
            _sign_in_es(page, live_server)
        page.goto(f"{live_server}{path}")
        assert page.locator("html").get_attribute("lang") == "es"
        screenshot(page, "es" + path.replace("/", "-") + "-phone")
        problems = _serious(page, axe_source)
    finally:
        context.close()
    assert problems == []


def _sign_in_es(page: Any, base: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("Su nombre para iniciar sesión").fill(PATIENT.username)
    page.get_by_label("Contraseña").fill(PATIENT.password)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()
