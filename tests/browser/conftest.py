"""Browser tests: the test app served on a free local port, driven by Debian's Chromium
through Playwright, with an axe-core check and a watch on the browser console."""

import contextlib
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from werkzeug.serving import make_server

from app.config import ROOT
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

ANSWERS_A_PAGE_SHOWS = {400, 409, 422}

expect.set_options(timeout=5_000)


@pytest.fixture
def live_server(app):
    """The test app (and so the run's test database) on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    # A missing browser must fail the run, not skip it: a skipped suite hides problems.
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium) before the browser tests.")
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci` (or `make install`) before the browser tests.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class BrowserWatch:
    """Everything the browser complains about: console errors, uncaught exceptions, and
    sub-resources (stylesheets, scripts, images, htmx requests) that fail to load.

    Pages that are meant to answer 401/403 make Chromium log "Failed to load resource" for
    the document itself; the tests check those statuses directly, so that message is only
    ignored for the page's own document."""

    def __init__(self, page: Page):
        self.problems: list[str] = []
        self._documents: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _request_failed(self, request) -> None:
        # A navigation cancels what the previous page was still loading: that is not a fault.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response) -> None:
        if response.request.resource_type == "document":
            self._documents.add(response.url)
        elif response.request.resource_type in ("xhr", "fetch") and response.status in ANSWERS_A_PAGE_SHOWS:
            # A form sent by htmx that is refused (bad input, or a newer version saved) comes
            # back with the form and its messages, which the page swaps in: not a fault.
            self._documents.add(response.url)
        elif response.status >= 400:
            self.problems.append(f"{response.request.resource_type} {response.url} answered {response.status}")

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and url in self._documents:
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def assert_clean(self) -> None:
        assert not self.problems, "The browser reported problems:\n" + "\n".join(f"  - {p}" for p in self.problems)


def _local_only(route) -> None:
    """The test machine has no internet: answer requests for other origins (only the NHS
    typeface, from assets.nhs.uk) with an empty 204 so pages fall back to Arial, quietly."""
    if route.request.url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        route.fulfill(status=204, body="")


def _new_page(browser, *, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB", viewport={"width": 1280, "height": 900})
    context.route("**/*", _local_only)
    page = context.new_page()
    return context, page, BrowserWatch(page)


@pytest.fixture
def browser_watch():
    """The BrowserWatch of each page a test opens, checked when the test ends."""
    watches: list[BrowserWatch] = []
    yield watches
    for watch in watches:
        watch.assert_clean()


@pytest.fixture
def page(browser, browser_watch):
    """A fresh context and page per test; console errors fail the test."""
    context, page, watch = _new_page(browser)
    browser_watch.append(watch)
    yield page
    context.close()


@pytest.fixture
def page_without_javascript(browser, browser_watch):
    context, page, watch = _new_page(browser, javascript=False)
    browser_watch.append(watch)
    yield page
    context.close()


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form, and land on My work."""
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()


def _without_known_design_system_exception(violation: dict) -> dict:
    """The one finding we accept: NHS.UK (like GOV.UK) radios that reveal a conditional
    question carry aria-expanded, which ARIA does not yet allow on a radio. The design
    systems keep it on purpose because screen readers announce it (alphagov/govuk-frontend
    #979, w3c/aria#1404). Only that exact attribute on such a radio is excused."""
    if violation["id"] != "aria-allowed-attr":
        return violation
    kept = [
        node
        for node in violation["nodes"]
        if not (
            "nhsuk-radios__input" in node["html"]
            and "aria-controls=" in node["html"]
            and all("aria-expanded" in check["message"] for check in node["all"] + node["any"] + node["none"])
        )
    ]
    return {**violation, "nodes": kept}


def assert_accessible(page: Page) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA, and best practice) on the page as it is now."""
    # A click that follows a link returns once the navigation has started, not when the next page is
    # there: wait for a loaded document with its main landmark, or axe checks a page half-built. A
    # page without one goes on to fail axe's own landmark rule, with axe's message.
    page.wait_for_load_state("load")
    with contextlib.suppress(PlaywrightTimeout):
        page.locator("main").first.wait_for(state="attached", timeout=5000)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # The page's Content-Security-Policy refuses inline scripts, which is what
        # add_script_tag(path=...) adds; give the injected tag the page's own nonce.
        page.evaluate(
            """source => {
                const script = document.createElement("script");
                script.nonce = document.querySelector("script[nonce]")?.nonce ?? "";
                script.textContent = source;
                document.head.appendChild(script);
            }""",
            AXE_SCRIPT.read_text(encoding="utf-8"),
        )
    assert page.evaluate("() => typeof window.axe !== 'undefined'"), "axe-core did not load into the page"
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = [v for v in (_without_known_design_system_exception(v) for v in results["violations"]) if v["nodes"]]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} – {v['helpUrl']}\n"
        + "\n".join(f"      {node['target']}: {node['failureSummary']}".replace("\n", " ") for node in v["nodes"])
        for v in violations
    ]
    assert not violations, f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:\n" + "\n".join(
        f"  - {line}" for line in report
    )
