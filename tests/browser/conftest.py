"""Playwright in Debian's Chromium against pytest-django's live server.

One browser per test process (launching Chromium is the slow part), a fresh context per test (no
cookies leak between tests), and `sign_in()` going through the real sign-in form. The live server
serves static files through django.contrib.staticfiles, so pages load exactly the CSS and JS they
ship, under the site's Content-Security-Policy.
"""

import os
from pathlib import Path

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one
# unless told the code is in fact synchronous (it is: one thread drives the browser, the live
# server answers in its own thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import translation  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.factories import PASSWORD  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install (it installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fr-CA", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def watched_page(context):
    """A new page that records script errors, CSP refusals and failed loads in `page.problems`."""
    page = context.new_page()
    page.problems = []

    def console(msg):
        # Failed loads are recorded with their URL below; the console line does not say which.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            page.problems.append(f"console: {msg.text}")

    def response(response):
        # Pages are checked by their own status; the back office has no icon, so Chromium asks for
        # /favicon.ico there (portal pages link theirs).
        request = response.request
        if (
            response.status >= 400
            and request.resource_type != "document"
            and not request.url.endswith("/favicon.ico")
        ):
            page.problems.append(f"{response.status} on {request.url}")

    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on("console", console)
    page.on("response", response)
    return page


@pytest.fixture
def page(context):
    """A page of a fresh context; tests assert `page.problems` is empty."""
    return watched_page(context)


@pytest.fixture
def anonymous_page(browser, live_server):
    """A page in a second, signed-out context, for pages a signed-in user is sent away from."""
    context = browser.new_context(base_url=live_server.url, locale="fr-CA")
    context.set_default_timeout(TIMEOUT_MS)
    yield watched_page(context)
    context.close()


def url(name: str, language: str, **kwargs) -> str:
    """The path of a named URL in the given language (/fr/... or /en/...)."""
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


def text(message: str, language: str) -> str:
    """A catalogue string as the user reads it in `language` (so tests follow the translations)."""
    with translation.override(language):
        return translation.gettext(message)


def sign_in(
    page, user, *, language: str = "fr", password: str = PASSWORD, next_url: str = "", second_step=True
):
    """Sign `user` in through the real form, in `language`; returns once the next page loaded.

    Agents then confirm with the code of their authenticator app (two-step verification is
    mandatory for them), computed here from the device's secret as the app would; with
    `second_step=False` they stay on the verification page.
    """
    device = authenticator(user) if user.is_staff else None
    target = url("accounts:login", language) + (f"?next={next_url}" if next_url else "")
    page.goto(target)
    page.get_by_label(text("Email address", language)).fill(user.email)
    page.get_by_label(text("Password", language)).fill(password)
    with page.expect_navigation():
        page.locator("main form").get_by_role("button", name=text("Sign in", language)).click()
    if device is not None and second_step:
        # The verification page is in the user's language (sign-in switched to it).
        page.locator("#id_token").fill(current_code(device))
        with page.expect_navigation():
            page.locator("main form").get_by_role("button", name=text("Verify", user.language)).click()


def authenticator(user):
    """The user's confirmed authenticator app (TOTP device), made on first use."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )


def current_code(device) -> str:
    """The 6-digit code an authenticator app would show now for the device."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{totp.token():0{device.digits}d}"
