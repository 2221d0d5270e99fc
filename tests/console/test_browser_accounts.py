"""The account lifecycle in a real browser: an organisation admin invites a new person, who
accepts and sets a password; the admin deactivates and reactivates the account, issues a
reset link the person uses; the person changes their password; the audit shows it all."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.console.live import CHROMIUM, LiveConsole
from tests.console.test_browser import browser, live, tabs  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed"),
]

FIRST = "Sendero-Tapon-Selva-2027"
SECOND = "Frontera-Norte-Rio-Bravo"
THIRD = "Camino-Largo-Hacia-Casa"


def _log_in(tab: Any, server: LiveConsole, email: str, password: str) -> None:
    tab.go("/console/login")
    tab.page.fill("#f-email", email)
    tab.page.fill("#f-password", password)
    tab.page.click("form[action='/console/login'] button[type=submit]")
    tab.page.wait_for_url(server.url + "/console/")


def test_account_lifecycle_in_the_console(tabs: Any, live: LiveConsole) -> None:  # noqa: F811
    admin = tabs()
    admin.log_in(live.org_admin)
    page = admin.page
    # Invite a new person; without SMTP the link is shown once.
    admin.go("/console/invitations")
    page.fill("#inv-email", "nueva@casa-migrante.org")
    page.select_option("#inv-role", "translator")
    page.click("form[action='/console/invitations'] button[type=submit]")
    link = page.input_value("#one-time-link")
    assert "/console/invitation?token=" in link
    assert "nueva@casa-migrante.org" in page.inner_text("table.list")

    # The invited person accepts and chooses a password (no session yet).
    person = tabs()
    person.page.goto(link)
    assert "Casa del Migrante" in person.page.inner_text("main")
    person.page.fill("#f-name", "Nueva")
    person.page.fill("#f-new", "password1234")  # on the common-password list
    person.page.click("form[action='/console/invitation'] button[type=submit]")
    assert "common" in person.page.inner_text("main")
    person.page.fill("#f-new", FIRST)
    person.page.click("form[action='/console/invitation'] button[type=submit]")
    person.page.wait_for_url(re.compile(r".*/console/login\?notice=invitation_accepted$"))
    _log_in(person, live, "nueva@casa-migrante.org", FIRST)

    # The admin deactivates the account: the person's session ends at once.
    admin.go("/console/users")
    row = page.locator("tr", has_text="nueva@casa-migrante.org")
    row.locator("button", has_text="Deactivate").click()
    page.wait_for_url(re.compile(r".*notice=deactivated$"))
    person.go("/console/")
    person.page.wait_for_url(re.compile(r".*/console/login.*"))
    # Reactivated, and a reset link issued: the person uses it.
    row = page.locator("tr", has_text="nueva@casa-migrante.org")
    row.locator("button", has_text="Reactivate").click()
    page.wait_for_url(re.compile(r".*notice=reactivated$"))
    row = page.locator("tr", has_text="nueva@casa-migrante.org")
    row.locator("button", has_text="Reset link").click()
    reset = page.input_value("#one-time-link")
    assert "/console/reset?token=" in reset
    person.page.goto(reset)
    person.page.fill("#f-new", SECOND)
    person.page.click("form[action='/console/reset'] button[type=submit]")
    person.page.wait_for_url(re.compile(r".*notice=password_reset$"))
    person.page.goto(reset)  # single use
    assert "already used" in person.page.inner_text("main")
    _log_in(person, live, "nueva@casa-migrante.org", SECOND)

    # The person changes their own password (the current one required).
    person.go("/console/account")
    person.page.fill("#f-current", "not-my-password")
    person.page.fill("#f-new", THIRD)
    person.page.click("form[action='/console/account/password'] button[type=submit]")
    assert "current_password" in person.page.inner_text("main")
    person.page.fill("#f-current", SECOND)
    person.page.fill("#f-new", THIRD)
    person.page.click("form[action='/console/account/password'] button[type=submit]")
    person.page.wait_for_url(re.compile(r".*notice=password_changed$"))
    person.go("/console/")  # this session goes on
    assert person.page.url == live.url + "/console/"

    # The admin's audit page shows the invitation accepted and the membership granted.
    admin.go("/console/audit?entity=invitation")
    actions = page.locator("table.list td[data-label='Action']").all_inner_texts()
    assert actions[:2] == ["accept", "create"]
    admin.go("/console/audit?entity=membership")
    assert "grant" in page.inner_text("table.list")
