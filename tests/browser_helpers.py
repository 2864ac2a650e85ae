"""Plumbing for the browser journeys (tests/test_browser_journeys.py): the real app served on a free
port from a background thread, Debian's Chromium driven by Playwright, a screenshot per step and
the console watched for Content-Security-Policy violations and script errors.

Nothing is downloaded: Playwright's Python package brings its own driver and the browser is
/usr/bin/chromium (``.ci/run`` installs the Debian package when it is missing). Without either the
journeys skip and say why.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TALENT_TEST_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("TALENT_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
TIMEOUT_MS = 15_000


def skip_reason() -> str | None:
    """Why the journeys cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    return None


class LiveServer:
    """The application served by werkzeug on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, app):
        from werkzeug.serving import make_server
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def url(self, path: str) -> str:
        return self.base + path


def compile_translations(target: Path) -> Path:
    """Compile translations/*/LC_MESSAGES/messages.po into ``target`` (the same catalogs ``make
    translations`` builds), so the journeys see the current catalogs whether or not they were
    compiled in the working tree."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    source = Path(__file__).resolve().parent.parent / "translations"
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        out = target / po.parent.parent.name / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        with (out / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    return target


@pytest.fixture(scope="module")
def catalogs(app, tmp_path_factory):
    """The current translation catalogs, compiled for this module (the working tree may hold none)."""
    from talent.extensions import babel
    config = app.extensions["babel"]
    saved = config.translation_directories
    config.translation_directories = [str(compile_translations(tmp_path_factory.mktemp("translations")))]
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield
    config.translation_directories = saved
    with app.app_context():
        babel.domain_instance.cache.clear()



@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, one per test module."""
    skip_without_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live(app, monkeypatch, catalogs):
    """The app on 127.0.0.1:<port> with real CSRF tokens; URLs built for that host."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with LiveServer(app) as server:
        monkeypatch.setitem(app.config, "SERVER_NAME", f"127.0.0.1:{server.port}")
        monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", server.base)
        yield server


def translation_of(language: str, message: str) -> str:
    """What the catalog of ``language`` says for ``message`` (the source text when untranslated)."""
    from babel.messages.pofile import read_po
    po = Path(__file__).resolve().parent.parent / "translations" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    entry = catalog.get(message)
    return entry.string if entry is not None and entry.string else message


@dataclass
class Journey:
    """One browser page walking through a journey: numbered screenshots in ``folder`` and every
    console error and uncaught script error collected for the checks at the end."""

    page: object
    folder: Path
    server: LiveServer
    step: int = 0
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[tuple[str, str]] = field(default_factory=list)
    failed_responses: list[tuple[str, int]] = field(default_factory=list)
    expected_failures: set[tuple[str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.page_errors.append((self.page.url, str(error))))
        self.page.on("response", self._response)
        # data-confirm buttons ask window.confirm(); a user answers OK.
        self.page.on("dialog", lambda dialog: dialog.accept())

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((self.page.url, message.text))

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed_responses.append((response.url.removeprefix(self.server.base), response.status))

    def expect_failure(self, path: str, status: int) -> None:
        """A page the journey means to get refused (a form re-rendered with 422, say)."""
        self.expected_failures.add((path, status))

    def goto(self, path: str):
        response = self.page.goto(self.server.url(path))
        assert response is not None and response.status < 400, (path, response and response.status)
        return response

    def shot(self, name: str) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower()).strip('-')}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def csp_violations(self) -> list[tuple[str, str]]:
        return [(url, text) for url, text in self.console_errors
                if "Content Security Policy" in text or "Content-Security-Policy" in text]

    def assert_clean_console(self) -> None:
        """No CSP violation (an inline script or style slipped in), no uncaught script error, no
        other console error, and no resource refused unless the journey meant it (a 422 form)
        or it is the browser's own guess at /favicon.ico."""
        assert not self.csp_violations(), f"CSP violations (page, message): {self.csp_violations()}"
        assert not self.page_errors, f"script errors (page, message): {self.page_errors}"
        others = [(url, text) for url, text in self.console_errors
                  if not text.startswith("Failed to load resource")]
        assert not others, f"console errors (page, message): {others}"
        unexpected = [(path, status) for path, status in self.failed_responses
                      if (path, status) not in self.expected_failures and path != "/favicon.ico"]
        assert not unexpected, f"refused requests (path, status): {unexpected}"


def journey_folder(test_name: str) -> Path:
    folder = ARTIFACTS / "journeys" / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(journey: Journey, email: str, password: str) -> None:
    """The sign-in form by its field ids, which hold in every language."""
    page = journey.page
    journey.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"still on the sign-in page: {page.url}"


def skip_without_browser() -> None:
    reason = skip_reason()
    if reason:
        print(f"browser journeys skipped: {reason}")
        pytest.skip(reason)
