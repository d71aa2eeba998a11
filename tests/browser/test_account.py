"""A person's own account in a real browser, by keyboard: setting up an authenticator app at first
sign-in, its recovery codes, the code asked for at the next sign-in, and changing their password,
each page checked with axe."""

from datetime import UTC, datetime

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.conftest import PASSWORD
from tests.factories import World

pytestmark = pytest.mark.browser


def _code(secret: str, steps_from_now: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + steps_from_now)


def _password_sign_in(page, live_server) -> None:
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Username").fill("nurse")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password", exact=True).press("Enter")


def test_second_factor_set_up_sign_in_and_password_change_by_keyboard(app, db, live_server, page):
    app.config["SECOND_FACTOR_DEMO_SKIP"] = False
    World(db)
    _password_sign_in(page, live_server)

    expect(page.get_by_role("heading", level=1, name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_alt_text("QR code holding the key below")).to_be_visible()
    assert_accessible(page)
    uri = page.get_by_role("link", name="Open in an authenticator app on this device").get_attribute("href")
    secret = pyotp.parse_uri(uri).secret
    page.get_by_label("Code").fill("000000" if _code(secret) != "000000" else "111111")
    page.get_by_label("Code").press("Enter")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Code").fill(_code(secret))
    page.get_by_label("Code").press("Enter")

    expect(page.get_by_role("heading", level=1, name="Your authenticator app is set up")).to_be_visible()
    expect(page.locator(".app-recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()

    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", level=1, name="Change your password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("sunshine12345")
    page.get_by_label("New password again").fill("sunshine12345")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("commonly used password")
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    _password_sign_in(page, live_server)
    expect(page.get_by_role("heading", level=1, name="Enter your authenticator code")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill(_code(secret, +1))  # the set-up's code was spent: the next one
    page.get_by_label("Code").press("Enter")
    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
