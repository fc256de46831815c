"""Browser tests: the real `nervecare serve` driven by Playwright in Debian's Chromium.

The set-up installs what it needs rather than downloading browsers: Chromium from apt (when
missing, running as root with apt-get) and axe-core, at the exact version pinned in
tests/browser/package.json, from the npm registry into <repo>/.cache/npm (git-ignored). Without
them the tests are skipped with the reason, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NPM_PREFIX = REPO / ".cache" / "npm"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


def _ensure_chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        _unavailable(f"{CHROMIUM} is missing (install Debian's chromium package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([apt, "update"], check=True, env=env, capture_output=True, timeout=600)
    subprocess.run(
        [apt, "install", "-y", "chromium"], check=True, env=env, capture_output=True, timeout=900
    )
    if not CHROMIUM.exists():
        _unavailable("apt-get install chromium did not provide /usr/bin/chromium")
    return CHROMIUM


def _axe_version() -> str:
    manifest = json.loads((Path(__file__).parent / "package.json").read_text())
    return str(manifest["dependencies"]["axe-core"])


def _ensure_axe() -> str:
    version = _axe_version()
    script = NPM_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
    installed = NPM_PREFIX / "node_modules" / "axe-core" / "package.json"
    if not script.exists() or json.loads(installed.read_text())["version"] != version:
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is missing: cannot install axe-core for the accessibility checks")
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(NPM_PREFIX),
                f"axe-core@{version}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return script.read_text()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    return _ensure_chromium()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _ensure_axe()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite file the live server uses (for the CLI beside it, as an operator would)."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.sqlite3'}"


@pytest.fixture(scope="session")
def live_server(
    cli_path: Path, tmp_path_factory: pytest.TempPathFactory, live_database_url: str
) -> Iterator[str]:
    """`nervecare serve` (the README's first command) on a fresh SQLite file with the demo."""
    port = _free_port()
    env = {
        **os.environ,
        "NERVECARE_DATABASE_URL": live_database_url,
        "NERVECARE_PRELOAD_NOTES_READER": "false",
    }
    log = tmp_path_factory.mktemp("browser-log") / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [str(cli_path), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nervecare serve did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


def screenshot(page: object, name: str) -> None:
    """Keep a full-page screenshot as a test artefact (artifacts/ is git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def answer_no_red_flags(page: object) -> None:
    """On the bladder, bowel and saddle page, say "none" to each, as a patient without them must
    (the form does not take silence for "none"); elsewhere, do nothing."""
    locate = page.locator  # type: ignore[attr-defined]
    if locate("#q-bladder").count():
        locate("#q-saddle_numbness-none").check()
        locate("#q-bladder-none_of_these").check()
        locate("#q-bowel-none_of_these").check()
