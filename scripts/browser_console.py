#!/usr/bin/env python3
"""Drives the operator console and the status page in a real browser (headless Chromium from
Debian, through Selenium) against the local stack, with data the test itself produces, and runs
axe-core (pinned in shared/console/web) on every page: no serious or critical violation.

What it goes through: signing in (a wrong password first, then with the keyboard alone, then
with a two-factor code and with a recovery code), the expired session that returns to sign-in
with the page remembered, the 401 that refreshes once, every account page (sessions: another
revoked, every other ended; password: a wrong one refused, then changed; two-factor set up with
its QR code and recovery codes, and turned off; the theme; deleting the account), the
mailed-link pages (verify the address, forgotten password, reset with a refused password shown
on its field), every admin page with real data (failed sign-ins in the security summary, the
rate limits with an override and a route pushed past its limit, the audit timeline and its
filter, Alertmanager alerts firing and resolved, a release shipped with a signed /ship, a
status event posted from the console and shown on the status page, a knowledge entry added and
found, an API key shown once, used and revoked, an account found and its grant and role
changed), a viewer refused an admin page, and that role change taking effect. Every page's
browser console must be free of CSP violations and script errors, and every page the OpenAPI
document lists must have been walked.

    scripts/browser_console.py                 # the checks (scripts/test.sh runs this)
    scripts/browser_console.py --screenshots docs/console   # the same, saving each page

Exits non-zero on any failed check.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import pathlib
import struct
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from api_contract import (  # noqa: E402
    ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, admin_token, free_port, mailed_token, signing_material,
    start_stack,
)
from browser_cookies import Checks, browser, cookies, stop  # noqa: E402

from nacl.signing import SigningKey  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

AXE = ROOT / "shared/console/web/node_modules/axe-core/axe.min.js"
VIEWER_EMAIL = "viewer@example.com"
VIEWER_PASSWORD = "a long viewer passphrase 42"
VIEWER_NEW_PASSWORD = "another long viewer passphrase 43"
VIEWER_LAST_PASSWORD = "a third long viewer passphrase 44"
SECOND_DEVICE = "RampartConsoleTest/1.0 (a second device)"
# The Discord role the stack lets run every command (ADMIN_ROLE_IDS), and the member who ships.
RELEASE_ROLE = "111111111111111111"
SHIPPER = "1033044521375764530"


def totp(secret: str, step: int) -> str:
    """RFC 6238: HMAC-SHA1 over the time step, dynamic truncation, six digits."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def second_device(base: str, email: str, password: str) -> None:
    """Signs in from somewhere else: another session of the account, named by its agent."""
    request = urllib.request.Request(
        base + "/api/v1/auth/login", method="POST",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"content-type": "application/json", "user-agent": SECOND_DEVICE})
    with urllib.request.urlopen(request, timeout=30) as response:
        if response.status != 200:
            raise RuntimeError(f"sign-in from a second device: {response.status}")


class Api:
    """Calls the API as the admin, with a bearer token (the test's own set-up, not the UI)."""

    def __init__(self, base: str, port: int):
        self.base = base
        self.token = admin_token(port)

    def call(self, method, path, body=None, headers=None):
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"content-type": "application/json",
                     "authorization": f"Bearer {self.token}", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, dict(response.headers), json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"null")


class Console:
    def __init__(self, driver, base, checks, shots):
        self.driver = driver
        self.base = base
        self.checks = checks
        self.shots = shots
        self.axe = AXE.read_text(encoding="utf-8")
        self.wait = WebDriverWait(driver, 20)
        self.visited = set()

    # -- navigation and reading

    def open(self, path):
        self.driver.get(self.base + path)
        self.visited.add(path.split("#")[0].split("?")[0])
        self.ready()

    def ready(self):
        """Waits until the page is drawn (the console sets `data-ready`; the status page has no
        script and is drawn when loaded)."""
        def drawn(d):
            state = d.execute_script(
                "return [document.readyState, document.documentElement.dataset.ready || '',"
                " document.scripts.length]")
            return state[0] == "complete" and (state[1] == "true" or state[2] == 0)
        self.wait.until(drawn)

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def until_text(self, words, timeout=20):
        try:
            WebDriverWait(self.driver, timeout).until(lambda d: words in self.text())
            return True
        except TimeoutException:
            return False

    def until_url(self, predicate, timeout=20):
        try:
            WebDriverWait(self.driver, timeout).until(lambda d: predicate(d.current_url))
            return True
        except TimeoutException:
            return False

    def fill(self, label, value, form=None):
        """Types into the field whose label reads `label` (within `form`, a CSS selector)."""
        scope = self.driver.find_element(By.CSS_SELECTOR, form) if form else self.driver
        for element in scope.find_elements(By.TAG_NAME, "label"):
            if element.text == label and element.is_displayed():
                field = self.driver.find_element(By.ID, element.get_attribute("for"))
                if field.tag_name == "select":
                    field.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
                else:
                    field.clear()
                    field.send_keys(value)
                return field
        raise AssertionError(f"no field labelled {label!r} on {self.driver.current_url}")

    def accept_confirmation(self):
        WebDriverWait(self.driver, 10).until(expected_conditions.alert_is_present())
        self.driver.switch_to.alert.accept()

    def press(self, label):
        for button in self.driver.find_elements(By.TAG_NAME, "button"):
            if button.text == label and button.is_displayed():
                button.click()
                return
        raise AssertionError(f"no button {label!r} on {self.driver.current_url}")

    # -- the checks every page gets

    def audit(self, name):
        """axe-core on the page as drawn: no serious or critical violation; and its console
        free of CSP violations and script errors."""
        self.driver.execute_script(self.axe)
        violations = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.length, target: v.nodes[0] && v.nodes[0].target}))))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', target: String(e)}]));")
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        self.checks.check(f"axe on {name}: no serious or critical violation "
                          f"({len(violations)} minor)", not bad, bad)
        problems = [entry["message"] for entry in self.driver.get_log("browser")
                    if "Content Security Policy" in entry["message"]
                    or "Uncaught" in entry["message"]
                    or "Refused to" in entry["message"]]
        self.checks.check(f"{name}: no CSP violation or script error in the console",
                          not problems, problems)

    def screenshot(self, name, width=1280):
        """The whole page at `width` CSS pixels, however long."""
        if not self.shots:
            return
        self.driver.set_window_size(width, 900)
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(size["height"], 6000),
                     "scale": 1},
        })
        (self.shots / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
        self.driver.set_window_size(1280, 900)

    def page(self, path, name, heading):
        self.open(path)
        self.checks.check(f"{name} shows its heading", self.until_text(heading), self.text()[:300])
        return self

    def sign_in(self, email, password):
        self.fill("Email address", email)
        self.fill("Password", password)
        self.press("Sign in")

    def sign_out(self):
        self.press("Sign out")
        self.until_url(lambda u: "/console/sign-in?signed_out=1" in u)
        self.ready()


def run(console: Console, api: Api, log: pathlib.Path, keys: dict, checks: Checks):
    c = console
    driver = console.driver

    # Data for the admin pages, sent the way the real senders would: one alert firing, one
    # that fired and resolved.
    for name, state, summary, ends in [
        ("RampartConsoleDrill", "firing", "Error budget burning fast", "0001-01-01T00:00:00Z"),
        ("RampartDiskPressure", "resolved", "Disk almost full", "2026-12-07T08:30:00Z"),
    ]:
        status, _, _ = api.call("POST", "/webhooks/alertmanager", {
            "version": "4", "groupKey": f'{{}}:{{alertname="{name}"}}', "status": state,
            "receiver": "rampart", "groupLabels": {"alertname": name},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager",
            "truncatedAlerts": 0,
            "alerts": [{"status": state, "labels": {"alertname": name, "severity": "page"},
                        "annotations": {"summary": summary},
                        "startsAt": "2026-12-07T08:00:00Z", "endsAt": ends,
                        "generatorURL": "http://prometheus/graph",
                        "fingerprint": hashlib.sha256(name.encode()).hexdigest()[:16]}],
        }, headers={"authorization": f"Bearer {keys['alertmanager_token']}"})
        checks.check(f"an Alertmanager notification ({state}) is taken", status == 200, status)
    status, _, registered = api.call("POST", "/api/v1/auth/register",
                                     {"email": VIEWER_EMAIL, "password": VIEWER_PASSWORD})
    checks.check("a viewer registers", status == 201, status)
    checks.check("the viewer starts as a viewer", registered["user"]["role"] == "viewer")

    # Signed out: the console sends the reader to sign in, remembering the page.
    c.open("/console")
    checks.check("/console signed out goes to sign-in",
                 c.until_url(lambda u: u.endswith("/console/sign-in?next=%2Fconsole")),
                 driver.current_url)
    c.ready()
    focused = driver.switch_to.active_element
    checks.check("the sign-in page starts in the email field",
                 focused.get_attribute("type") == "email", focused.get_attribute("outerHTML"))
    c.audit("sign-in")
    c.screenshot("sign-in")
    c.sign_in(ADMIN_EMAIL, "not the password at all")
    checks.check("a wrong password is said in words",
                 c.until_text("The email address or password is not right."), c.text()[:300])
    alert = driver.find_element(By.CSS_SELECTOR, "[role=alert]")
    checks.check("the problem is announced (role=alert)", alert.is_displayed())

    c.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    checks.check("the admin lands on the overview",
                 c.until_url(lambda u: u.rstrip("/").endswith("/console")), driver.current_url)
    c.ready()
    checks.check("the overview names the account", c.until_text(ADMIN_EMAIL))
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    checks.check("the first Tab reaches the skip link",
                 focused.get_attribute("class") == "skip", focused.get_attribute("outerHTML"))
    focused.send_keys(Keys.ENTER)
    checks.check("the skip link moves the focus to the content",
                 driver.switch_to.active_element.get_attribute("id") == "main")
    nav = driver.find_element(By.CSS_SELECTOR, "nav").text
    checks.check("an admin's navigation holds the admin pages",
                 all(x in nav for x in ["Security", "Audit", "Alerts", "Status", "API keys"]), nav)
    c.audit("overview")
    c.screenshot("overview")
    _, _, refused = api.call("GET", "/api/v1/admin/audit?event=http.unauthenticated")
    checks.check("the signed-out pages asked the API nothing (no refused request audited)",
                 refused["items"] == [], refused["items"][:2])

    # The security summary: the failed sign-in above, per hour.
    c.page("/console/security", "security", "Failed sign-ins per hour")
    checks.check("the summary counts the failed sign-in",
                 c.until_text("1 failed sign-in in the last 24 hours"), c.text()[:400])
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.mark")
    checks.check("the chart has a column per hour", len(bars) == 24, len(bars))
    c.audit("security")
    c.screenshot("security")

    # The audit timeline: every event, newest first, then a filter.
    c.page("/console/audit", "audit", "Every event of the last 7 days")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")
    checks.check("the timeline lists events", len(rows) >= 2, len(rows))
    checks.check("the failed sign-in is in the timeline", "auth.login" in c.text())
    c.audit("audit")
    c.screenshot("audit")
    c.fill("Event", "auth.login")
    c.press("Filter")
    checks.check("the filter narrows to one event", c.until_text("Matching events"))
    events = {r.find_elements(By.TAG_NAME, "td")[1].text
              for r in driver.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")}
    checks.check("only auth.login events after filtering", events == {"auth.login"}, events)

    # Alerts from Alertmanager.
    c.page("/console/alerts", "alerts", "Firing alerts")
    checks.check("the firing alert is listed",
                 c.until_text("RampartConsoleDrill") and "Error budget burning fast" in c.text())
    checks.check("the resolved one is not among the firing", "RampartDiskPressure" not in c.text())
    c.audit("alerts")
    c.screenshot("alerts")
    c.press("Resolved")
    checks.check("the resolved alert is listed under Resolved",
                 c.until_text("Resolved alerts") and c.until_text("RampartDiskPressure"))

    # A release shipped from Discord (a signed /ship), deployed and verified by the stack's
    # release worker, then read on the releases page.
    body = json.dumps({
        "type": 2, "id": "1457540000000000001", "application_id": "1457469483726668048",
        "token": "console-ship", "version": 1, "guild_id": "1457468924290662599",
        "channel_id": "1457536551830421524",
        "member": {"user": {"id": SHIPPER, "username": "ada"}, "roles": [RELEASE_ROLE],
                   "permissions": "0"},
        "data": {"name": "ship", "type": 1, "options": [
            {"name": "env", "type": 3, "value": "staging"},
            {"name": "strategy", "type": 3, "value": "canary"}]},
    }).encode()
    stamp = str(int(time.time()))
    signature = SigningKey(bytes.fromhex(keys["discord_seed"])).sign(
        stamp.encode() + body).signature.hex()
    request = urllib.request.Request(
        c.base + "/discord/interactions", data=body, method="POST",
        headers={"content-type": "application/json", "x-signature-timestamp": stamp,
                 "x-signature-ed25519": signature})
    with urllib.request.urlopen(request, timeout=30) as response:
        deferred = json.load(response)
    checks.check("/ship is taken (a deferred answer)", deferred == {"type": 5}, deferred)
    release = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, _, listed = api.call("GET", "/api/v1/admin/releases")
        items = (listed or {}).get("items", [])
        if items and items[0]["status"] in ("awaiting_decision", "failed"):
            release = items[0]
            break
        time.sleep(0.2)
    checks.check("the release worker deploys and verifies the release",
                 release is not None and release["status"] == "awaiting_decision", release)
    c.page("/console/releases", "releases", "History and decisions")
    body_text = c.text()
    checks.check("the release shows with its steps and who asked",
                 "staging · canary · Awaiting a decision" in body_text
                 and "ship requested" in body_text and f"Discord user {SHIPPER}" in body_text,
                 body_text[:600])
    c.audit("releases")
    c.screenshot("releases")

    # A status event posted from the console, then the public status page.
    c.page("/console/status-events", "status events", "Post an event")
    c.fill("Service", "api")
    c.fill("Status", "partial_outage")
    c.fill("Message", "Elevated error rates on sign-in")
    c.press("Post the event")
    checks.check("the posted event is listed", c.until_text("Posted; the status page shows it"))
    checks.check("the event is in the list", "Elevated error rates on sign-in" in c.text())
    c.audit("status-events")
    c.screenshot("status-events")

    c.open("/status")
    body = c.text()
    checks.check("the status page shows the outage",
                 "Some systems are down" in body and "Elevated error rates on sign-in" in body,
                 body[:400])
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.bars rect")
    checks.check("the status page draws 90 days per service", len(bars) == 90, len(bars))
    checks.check("the status page has no script",
                 driver.execute_script("return document.scripts.length") == 0)
    c.audit("status page")
    c.screenshot("status")
    c.screenshot("status-phone", width=390)
    request = urllib.request.Request(c.base + "/status")
    with urllib.request.urlopen(request, timeout=30) as response:
        headers = response.headers
    checks.check("the status page may be cached 30 s by anyone",
                 headers["cache-control"] == "public, max-age=30", headers["cache-control"])
    checks.check("the status page allows no script",
                 "script-src" not in headers["content-security-policy"]
                 and "default-src 'none'" in headers["content-security-policy"],
                 headers["content-security-policy"])

    # The knowledge base: add an entry, find it.
    c.page("/console/knowledge", "knowledge", "Add an entry")
    c.fill("Title", "Rotating the signing keys")
    c.fill("Text", "The key rotation job swaps the signing keys every 30 days.")
    c.fill("Tags", "keys, rotation")
    c.press("Add the entry")
    checks.check("the entry is added", c.until_text("Added “Rotating the signing keys”"))
    c.fill("Question or words", "rotation job")
    c.press("Search")
    checks.check("the entry is found", c.until_text("The key rotation job swaps"))
    c.audit("knowledge")
    c.screenshot("knowledge")

    # An API key, shown once.
    c.page("/console/api-keys", "api keys", "Create a key")
    c.fill("Name", "ci-pipeline")
    c.fill("Permissions", "projects:read")
    c.press("Create the key")
    checks.check("the key is shown once", c.until_text("shown only this once"))
    secret = driver.find_element(By.CSS_SELECTOR, "code.secret").text
    checks.check("the key is an rk_ key", secret.startswith("rk_"), secret[:6])
    c.audit("api-keys")
    c.screenshot("api-keys")
    key_id = c.text().split("created (id ")[1].split(")")[0]
    c.fill("Key id", key_id)
    c.press("Revoke the key")
    checks.check("the key is revoked", c.until_text("The key is revoked."))
    status, _, _ = api.call("GET", "/api/v1/projects", headers={"authorization": f"Bearer {secret}"})
    checks.check("the revoked key no longer authenticates", status == 401, status)

    # Rate limits: the policies as applied, the overrides in force, and the route the admin
    # just pushed past its limit.
    first, _, _ = api.call("GET", "/api/v1/admin/export")
    second, _, _ = api.call("GET", "/api/v1/admin/export")
    checks.check("a second export within the minute is refused", (first, second) == (200, 429),
                 (first, second))
    c.page("/console/rate-limits", "rate limits", "Every limit")
    body = c.text()
    checks.check("rate limiting shows as on", "Rate limiting is on." in body)
    checks.check("the overrides in force are listed",
                 "export: 1 per minute instead of 5 per minute" in body, body[:600])
    busiest = driver.find_elements(By.CSS_SELECTOR, "#busiest ~ table tbody tr")
    checks.check("the route pushed past its limit is listed",
                 any("/api/v1/admin/export" in r.text for r in busiest),
                 [r.text for r in busiest])
    rows = driver.find_elements(By.CSS_SELECTOR, "table.limits tbody tr")
    checks.check("every limit is listed, reads and writes per role",
                 len(rows) >= 20 and "reads:viewer" in body and "writes:admin" in body, len(rows))
    c.audit("rate-limits")
    c.screenshot("rate-limits")

    # Sessions; then a 401 that one refresh cures, and a session that cannot be refreshed.
    second_device(c.base, ADMIN_EMAIL, ADMIN_PASSWORD)
    c.page("/console/sessions", "sessions", "active session")
    checks.check("this session is marked", "This session" in c.text())
    c.audit("sessions")
    c.screenshot("sessions")
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
               if SECOND_DEVICE in r.text)
    row.find_element(By.TAG_NAME, "button").click()
    c.accept_confirmation()
    checks.check("another session is revoked after a confirmation",
                 c.until_text("The session is ended.") and SECOND_DEVICE not in c.text())
    driver.execute_cdp_cmd("Network.deleteCookies", {"name": "access_token", "domain": "localhost"})
    c.page("/console/sessions", "sessions after the access cookie expired", "This session")
    checks.check("a 401 refreshed the session once", "access_token" in cookies(driver))
    for name in ("access_token", "refresh_token"):
        driver.execute_cdp_cmd("Network.deleteCookies", {"name": name, "domain": "localhost"})
    c.open("/console/audit")
    checks.check("an ended session returns to sign-in with the page remembered",
                 c.until_url(lambda u: u.endswith("/console/sign-in?next=%2Fconsole%2Faudit")),
                 driver.current_url)
    c.ready()
    c.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    checks.check("signing in again returns to that page",
                 c.until_url(lambda u: u.endswith("/console/audit")), driver.current_url)
    c.ready()

    # Password: a wrong current password is refused in words.
    c.page("/console/password", "password", "Change password")
    c.fill("Current password", "wrong current password")
    c.fill("New password", "a brand new passphrase 77")
    c.fill("New password again", "a brand new passphrase 77")
    c.press("Change the password")
    checks.check("a wrong current password is said in words",
                 c.until_text("The email address or password is not right."))
    c.audit("password")
    c.screenshot("password")

    # Two-factor: set up with the QR code, recovery codes shown once.
    c.page("/console/two-factor", "two-factor", "Two-factor authentication is off")
    c.press("Set up two-factor authentication")
    checks.check("the set-up shows a QR code", c.until_text("Scan this code"))
    cells = driver.find_elements(By.CSS_SELECTOR, "svg.qr .qr-dark rect")
    checks.check("the QR code is drawn in the page", len(cells) > 200, len(cells))
    totp_secret = driver.find_element(By.CSS_SELECTOR, "code.secret").text
    c.audit("two-factor")
    c.screenshot("two-factor")
    step = int(time.time()) // 30
    c.fill("The app's current code", totp(totp_secret, step))
    c.press("Turn on")
    checks.check("two-factor turns on", c.until_text("Two-factor authentication is on."))
    codes = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "ol.codes code")]
    checks.check("ten recovery codes are shown", len(codes) == 10, codes)
    c.screenshot("two-factor-recovery-codes")

    # Sign out; sign in with a code (the next step's, as the code just used is burnt), then
    # with a recovery code.
    c.sign_out()
    checks.check("signing out says so", c.until_text("You are signed out."))
    c.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    checks.check("the second factor is asked", c.until_text("Your account asks for a second factor"))
    c.audit("sign-in, second factor")
    c.screenshot("sign-in-two-factor")
    c.fill("Code from your authenticator app",
           totp(totp_secret, max(step + 1, int(time.time()) // 30)))
    c.press("Verify")
    checks.check("a code signs in",
                 c.until_url(lambda u: u.rstrip("/").endswith("/console")), driver.current_url)
    c.ready()
    c.sign_out()
    c.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    c.until_text("Your account asks for a second factor")
    c.press("Use a recovery code instead")
    c.fill("Recovery code", codes[0])
    c.press("Use recovery code")
    checks.check("a recovery code signs in",
                 c.until_url(lambda u: u.rstrip("/").endswith("/console")), driver.current_url)
    c.ready()

    # The theme follows the account's setting.
    c.until_text("Appearance")
    c.fill("Theme", "dark")
    c.press("Save the theme")
    checks.check("the theme is saved", c.until_text("Saved."))
    checks.check("the page turns dark",
                 driver.execute_script("return document.documentElement.dataset.theme") == "dark")
    c.open("/console/security")
    checks.check("the next page starts dark",
                 driver.execute_script("return document.documentElement.dataset.theme") == "dark")
    c.audit("security, dark")
    c.screenshot("security-dark")
    c.open("/console")
    c.until_text("Appearance")
    c.fill("Theme", "system")
    c.press("Save the theme")
    c.until_text("Saved.")
    c.sign_out()

    # The viewer verifies the address from the mailed link, keeping the password.
    token = mailed_token(log, "verify_email", VIEWER_EMAIL)
    c.open(f"/console/verify-email#token={token}")
    c.until_text("Enter the password you chose")
    c.audit("verify-email")
    c.screenshot("verify-email")
    c.fill("Password", VIEWER_PASSWORD)
    c.press("Verify the address")
    checks.check("the address is verified", c.until_text(f"{VIEWER_EMAIL} is verified."))

    # The viewer signs in with the keyboard alone.
    c.open("/console/sign-in")
    driver.switch_to.active_element.send_keys(VIEWER_EMAIL, Keys.TAB, VIEWER_PASSWORD, Keys.ENTER)
    checks.check("the keyboard alone signs in",
                 c.until_url(lambda u: u.rstrip("/").endswith("/console")), driver.current_url)
    c.ready()
    c.until_text(VIEWER_EMAIL)
    nav = driver.find_element(By.CSS_SELECTOR, "nav").text
    checks.check("a viewer's navigation has no admin page",
                 not any(x in nav for x in ["Security", "Audit", "Alerts", "API keys",
                                             "Knowledge"]), nav)
    c.open("/console/security")
    checks.check("a viewer typing an admin page's address is refused in words",
                 c.until_text("This page is for admins; your account's role is viewer."))
    checks.check("the refused page shows no admin data", "Failed sign-ins" not in c.text())
    c.audit("refusal")
    c.screenshot("refusal")
    c.open("/console/knowledge")
    checks.check("the knowledge base is refused to a viewer",
                 c.until_text("This page is for reviewers and admins"))

    # An admin makes the viewer a reviewer from the users page (grants a permission and takes
    # it back on the way); the viewer's console follows at the next page.
    c.sign_out()
    c.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    c.until_text("Your account asks for a second factor")
    c.press("Use a recovery code instead")
    c.fill("Recovery code", codes[1])
    c.press("Use recovery code")
    c.until_url(lambda u: u.rstrip("/").endswith("/console"))
    c.page("/console/users", "users", "Signed in lately")
    checks.check("the users page lists who signed in lately",
                 len(driver.find_elements(By.CSS_SELECTOR, "#recent ~ table tbody tr")) >= 2)
    c.audit("users")
    c.fill("Email address", VIEWER_EMAIL)
    c.press("Find")
    checks.check("an account is found by its address",
                 c.until_text("Grants") and VIEWER_EMAIL in c.text(), c.text()[:300])
    c.fill("Grant a permission", "audit:read")
    c.press("Grant")
    c.accept_confirmation()
    checks.check("a grant is given after a confirmation", c.until_text("audit:read granted."))
    c.press("Remove")
    c.accept_confirmation()
    checks.check("a grant is taken back after a confirmation", c.until_text("audit:read removed."))
    c.fill("Role", "reviewer")
    c.press("Change the role")
    c.accept_confirmation()
    checks.check("the role is changed after a confirmation",
                 c.until_text(f"{VIEWER_EMAIL} is now reviewer."))
    c.screenshot("users")

    c.sign_out()
    c.sign_in(VIEWER_EMAIL, VIEWER_PASSWORD)
    c.until_url(lambda u: u.rstrip("/").endswith("/console"))
    c.ready()
    c.open("/console/knowledge")
    checks.check("the role change takes effect: the reviewer may add entries",
                 c.until_text("Add an entry"), c.text()[:300])
    nav = driver.find_element(By.CSS_SELECTOR, "nav").text
    checks.check("the reviewer's navigation gains the knowledge base",
                 "Knowledge base" in nav and "Security" not in nav, nav)
    c.sign_out()

    # Forgotten password, through the mailed link.
    c.page("/console/forgot-password", "forgot-password", "Forgotten password")
    c.audit("forgot-password")
    c.screenshot("forgot-password")
    c.fill("Email address", VIEWER_EMAIL)
    c.press("Send the link")
    checks.check("the request is acknowledged without saying whether the account exists",
                 c.until_text("If an account uses this address"))
    token = mailed_token(log, "password_reset", VIEWER_EMAIL)
    c.open(f"/console/reset-password#token={token}")
    c.until_text("New password again")
    c.audit("reset-password")
    c.screenshot("reset-password")
    c.fill("New password", "password")
    c.fill("New password again", "password")
    c.press("Set the new password")
    checks.check("a refused password is said in words", c.until_text("needs another look"))
    invalid = driver.find_elements(By.CSS_SELECTOR, "input[aria-invalid=true]")
    message = driver.find_elements(By.CSS_SELECTOR, ".field .field-error")
    checks.check("the field the problem names is marked, with its message beside it",
                 len(invalid) == 1 and invalid[0].get_attribute("autocomplete") == "new-password"
                 and any(m.text for m in message), [m.text for m in message])
    c.fill("New password", VIEWER_NEW_PASSWORD)
    c.fill("New password again", VIEWER_NEW_PASSWORD)
    c.press("Set the new password")
    checks.check("the password is reset", c.until_text("Your password is changed"))
    c.open("/console/sign-in")
    c.sign_in(VIEWER_EMAIL, VIEWER_NEW_PASSWORD)
    checks.check("the new password signs in",
                 c.until_url(lambda u: u.rstrip("/").endswith("/console")), driver.current_url)
    c.ready()

    # Two-factor authentication turned on and off again: the code that turns it off is of a
    # step after the one that turned it on (a code never works twice), now or the next.
    c.page("/console/two-factor", "the viewer's two-factor", "Two-factor authentication is off")
    c.press("Set up two-factor authentication")
    c.until_text("Scan this code")
    viewer_secret = driver.find_element(By.CSS_SELECTOR, "code.secret").text
    enabled_at = int(time.time()) // 30
    c.fill("The app's current code", totp(viewer_secret, enabled_at))
    c.press("Turn on")
    c.until_text("I have saved them")
    c.page("/console/two-factor", "the viewer's two-factor, on", "Two-factor authentication is on")
    c.fill("Password", VIEWER_NEW_PASSWORD)
    c.fill("Code from your authenticator app",
           totp(viewer_secret, max(enabled_at + 1, int(time.time()) // 30)))
    c.press("Turn off two-factor authentication")
    checks.check("two-factor authentication turns off with the password and a fresh code",
                 c.until_text("Two-factor authentication is off."))

    # Signing out everywhere else, and a password changed.
    second_device(c.base, VIEWER_EMAIL, VIEWER_NEW_PASSWORD)
    c.page("/console/sessions", "the viewer's sessions", "2 active sessions")
    c.press("Sign out everywhere else")
    c.accept_confirmation()
    checks.check("every other session ends after a confirmation",
                 c.until_text("1 other session ended.") and c.until_text("1 active session"))
    c.page("/console/password", "the viewer's password", "Change password")
    c.fill("Current password", VIEWER_NEW_PASSWORD)
    c.fill("New password", VIEWER_LAST_PASSWORD)
    c.fill("New password again", VIEWER_LAST_PASSWORD)
    c.press("Change the password")
    checks.check("the password is changed", c.until_text("Your password is changed"))

    # Deleting the account.
    c.page("/console/delete-account", "delete-account", "It cannot be undone")
    c.audit("delete-account")
    c.screenshot("delete-account")
    c.fill("Password", VIEWER_LAST_PASSWORD)
    c.fill("Type DELETE to confirm", "DELETE")
    c.press("Delete my account")
    checks.check("the account is deleted",
                 c.until_url(lambda u: u.endswith("/console/sign-in?deleted=1")), driver.current_url)
    c.ready()
    checks.check("the sign-in page says so", c.until_text("Your account is deleted."))
    c.sign_in(VIEWER_EMAIL, VIEWER_LAST_PASSWORD)
    checks.check("the deleted account no longer signs in",
                 c.until_text("The email address or password is not right."))

    # Every page the route table serves was walked (the OpenAPI document lists them).
    document = json.loads((ROOT / "docs/api/openapi.json").read_text(encoding="utf-8"))
    parameters = document["paths"]["/console/{page}"]["get"]["parameters"]
    pages = next(p for p in parameters if p.get("name") == "page")["schema"]["enum"]
    unvisited = sorted(f"/console/{p}" for p in pages
                       if f"/console/{p}" not in c.visited
                       and not (p == "overview" and "/console" in c.visited))
    checks.check(f"every one of the {len(pages)} console pages was walked", not unvisited, unvisited)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screenshots", type=pathlib.Path,
                        help="save a PNG of every page into this folder")
    args = parser.parse_args()
    os.environ.setdefault("SE_AVOID_STATS", "true")
    os.environ.setdefault("SE_OFFLINE", "true")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    port = free_port()
    data = tempfile.mkdtemp(prefix="rampart-console-")
    keys = signing_material()
    # The local stack serves the console and the API from one origin, on localhost (a secure
    # context, so the Secure cookies are kept over http).
    # Rate limiting on, as deployed, with the sign-in limits raised for the test's many sign-ins
    # from one address and the export limit lowered so that the test can hit it.
    overrides = {"auth-credentials": {"max": 200}, "auth-password-account": {"max": 100},
                 "auth-credentials-account": {"max": 100}, "export": {"max": 1}}
    stack = start_stack(port, data, keys=keys, extra_env={
        "RATE_LIMITING_ENABLED": "true", "RATE_LIMIT_OVERRIDES": json.dumps(overrides),
        "ADMIN_ROLE_IDS": RELEASE_ROLE})
    checks = Checks()
    driver = None
    try:
        base = f"http://localhost:{port}"
        driver = browser(console_log=True)
        driver.set_window_size(1280, 900)
        driver.set_script_timeout(60)
        print(f"== {driver.capabilities.get('browserVersion', '?')} headless; console {base}/console")
        run(Console(driver, base, checks, args.screenshots), Api(base, port),
            pathlib.Path(data) / "stack.log", keys, checks)
    except Exception as error:  # a step that could not even run is a failed check
        checks.check("the walk through the console completes", False, repr(error))
    finally:
        stop(driver, stack, data)
    print(f"console: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
