#!/usr/bin/env python3
"""Signs in from a real browser (headless Chromium from Debian, driven by Selenium) and checks
what the cookie attributes of contract section 2 promise.

Three local origins take part:
- the API, the local stack on http://localhost:<api>;
- the app, http://localhost:<app>: a page plus `/api/*` forwarded to the stack, as a CDN in
  front of the API would (same site as the API: the host is the same, only the port differs);
- another site, http://127.0.0.1:<other>: a page that tries cross-site requests.

Checks: the cookies carry the contract's attributes; JavaScript reads `XSRF-TOKEN` but not
the HttpOnly `access_token` and `refresh_token`; the access cookie is sent to the API's own
origin on the same site; a cross-site form POST arrives without a session (so nothing passes
CSRF) and a cross-site script cannot read the account; a same-site write without the CSRF
header is refused; refresh rotates both cookies in the browser; logout clears them.

    scripts/browser_cookies.py

Called by scripts/test.sh with the test venv's pinned Selenium; Chromium and chromedriver
come from Debian (scripts/test-env.sh installs them). No request leaves the loopback: every
other host name fails to resolve in the browser. Exits non-zero on any failed check.
"""

import http.client
import http.server
import json
import os
import pathlib
import shutil
import signal
import sys
import tempfile
import threading

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from api_contract import ADMIN_EMAIL, ADMIN_PASSWORD, free_port, start_stack  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

APP_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>app</title></head>
<body><p>app</p>
<script>
async function call(method, path, body, csrf) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (csrf) {
    const match = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]*)/);
    if (match) headers["x-csrf-token"] = decodeURIComponent(match[1]);
  }
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) {}
  return {status: response.status, json};
}
</script></body></html>
"""

OTHER_SITE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>other site</title></head>
<body><p>another site</p>
<form id="attack" method="POST" action="{action}">
  <input type="hidden" name="note" value="cross-site">
</form>
</body></html>
"""


class App(http.server.BaseHTTPRequestHandler):
    """The app's origin: the page, and `/api/*` forwarded to the stack unchanged."""

    api_port = 0

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        if self.path == "/app.html":
            self.answer(200, [("content-type", "text/html; charset=utf-8")], APP_PAGE)
        else:
            self.forward()

    def do_POST(self):  # noqa: N802
        self.forward()

    def forward(self):
        if not self.path.startswith("/api/"):
            self.answer(404, [("content-type", "text/plain")], b"not here")
            return
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection", "content-length")}
        upstream = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        payload = response.read()
        kept = [(k, v) for k, v in response.getheaders()
                if k.lower() not in ("connection", "transfer-encoding", "content-length")]
        upstream.close()
        self.answer(response.status, kept, payload)

    def answer(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class OtherSite(http.server.BaseHTTPRequestHandler):
    """Another site: a page whose form posts to the app's API."""

    action = ""

    def do_GET(self):  # noqa: N802
        body = OTHER_SITE_PAGE.format(action=self.action).encode()
        self.send_response(200)
        self.send_header("content-type", "text/html; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler) -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def browser(console_log: bool = False) -> webdriver.Chrome:
    """Headless Chromium; with `console_log`, the page's console is kept for `get_log`."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    for flag in [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-sync", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update",
        "--disable-default-apps", "--disable-domain-reliability",
        "--disable-client-side-phishing-detection", "--metrics-recording-only",
        # Nothing but the loopback: every other host name fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def stop(driver, stack, data: str) -> None:
    """Closes the browser, stops the stack (SIGTERM, as a deployment would) and removes its
    data."""
    if driver is not None:
        driver.quit()
    stack.send_signal(signal.SIGTERM)
    stack.wait(timeout=60)
    shutil.rmtree(data, ignore_errors=True)


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {name}")
        else:
            self.failed += 1
            print(f"FAIL  {name} {detail}")


def call(driver, method, path, body=None, csrf=False):
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "call(arguments[0], arguments[1], arguments[2] === null ? undefined : arguments[2],"
        " arguments[3]).then(done, e => done({error: String(e)}));",
        method, path, body, csrf)


def cookies(driver):
    """Every cookie the browser holds for localhost, whatever its path (WebDriver's own
    `get_cookies` lists only those sent to the current page)."""
    held = driver.execute_cdp_cmd("Storage.getCookies", {})["cookies"]
    return {c["name"]: c for c in held if c["domain"] == "localhost"}


def run(driver, checks, app, api, other):
    driver.set_script_timeout(30)
    driver.get(f"{app}/app.html")
    signed_in = call(driver, "POST", "/api/v1/auth/login",
                     {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    checks.check("sign-in from the app's page answers 200", signed_in.get("status") == 200,
                 signed_in)

    jar = cookies(driver)
    access, refresh, xsrf = jar.get("access_token"), jar.get("refresh_token"), jar.get("XSRF-TOKEN")
    checks.check("access_token: HttpOnly, SameSite=Lax, Path=/",
                 access is not None and access["httpOnly"] and access["sameSite"] == "Lax"
                 and access["path"] == "/", access)
    checks.check("refresh_token: HttpOnly, SameSite=Strict, Path=/api/v1/auth",
                 refresh is not None and refresh["httpOnly"] and refresh["sameSite"] == "Strict"
                 and refresh["path"] == "/api/v1/auth", refresh)
    checks.check("XSRF-TOKEN: readable by scripts, SameSite=Lax",
                 xsrf is not None and not xsrf["httpOnly"] and xsrf["sameSite"] == "Lax", xsrf)

    visible = driver.execute_script("return document.cookie")
    checks.check("JavaScript sees XSRF-TOKEN and neither HttpOnly cookie",
                 "XSRF-TOKEN=" in visible and "access_token" not in visible
                 and "refresh_token" not in visible, visible)

    account = call(driver, "GET", "/api/v1/account")
    checks.check("the access cookie authenticates the app's requests",
                 account.get("status") == 200
                 and ((account.get("json") or {}).get("user") or {}).get("email") == ADMIN_EMAIL,
                 account)

    # The API's own origin is another origin of the same site: the cookie goes there too.
    driver.get(f"{api}/api/v1/account")
    text = driver.find_element("tag name", "body").text
    checks.check("the access cookie is sent to another origin of the same site",
                 f'"{ADMIN_EMAIL}"' in text, text[:200])

    # Another site posts a form to the API and tries to read the account.
    driver.get(f"{other}/")
    blocked = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'include'})"
        ".then(r => r.text().then(t => done('read: ' + t)), e => done('blocked: ' + e));",
        f"{app}/api/v1/account")
    checks.check("a script on another site cannot read the account", blocked.startswith("blocked"),
                 blocked[:200])
    driver.execute_script("document.getElementById('attack').submit()")
    WebDriverWait(driver, 30).until(lambda d: d.current_url.startswith(app))
    answered = driver.find_element("tag name", "body").text
    try:
        problem = json.loads(answered)
    except ValueError:
        problem = {}
    checks.check("a cross-site form POST arrives without a session (401 unauthenticated)",
                 problem.get("code") == "unauthenticated", answered[:200])

    driver.get(f"{app}/app.html")
    still = call(driver, "GET", "/api/v1/account")
    checks.check("the session outlives the cross-site attempt", still.get("status") == 200, still)

    no_header = call(driver, "POST", "/api/v1/auth/sessions/revoke-others")
    checks.check("a same-site write without X-CSRF-Token is refused (403 csrf_missing)",
                 no_header.get("status") == 403
                 and (no_header.get("json") or {}).get("code") == "csrf_missing", no_header)
    with_header = call(driver, "POST", "/api/v1/auth/sessions/revoke-others", csrf=True)
    checks.check("the same write with X-CSRF-Token passes",
                 with_header.get("status") in (200, 204), with_header)

    before = cookies(driver)
    refreshed = call(driver, "POST", "/api/v1/auth/refresh")
    after = cookies(driver)
    checks.check("refresh answers 200", refreshed.get("status") == 200, refreshed)
    checks.check("refresh rotates the refresh cookie",
                 "refresh_token" in after
                 and after["refresh_token"]["value"] != before["refresh_token"]["value"])
    checks.check("refresh sets the access cookie again, no shorter-lived",
                 "access_token" in after
                 and after["access_token"]["expires"] >= before["access_token"]["expires"])
    renewed = call(driver, "GET", "/api/v1/account")
    checks.check("the renewed cookies authenticate", renewed.get("status") == 200, renewed)

    logged_out = call(driver, "POST", "/api/v1/auth/logout", csrf=True)
    checks.check("logout answers 204", logged_out.get("status") == 204, logged_out)
    left = cookies(driver)
    checks.check("logout clears the access and refresh cookies",
                 "access_token" not in left and "refresh_token" not in left, sorted(left))
    gone = call(driver, "GET", "/api/v1/account")
    checks.check("after logout the account answers 401", gone.get("status") == 401, gone)


def main() -> int:
    os.environ.setdefault("SE_AVOID_STATS", "true")
    os.environ.setdefault("SE_OFFLINE", "true")
    api_port = free_port()
    data = tempfile.mkdtemp(prefix="rampart-browser-")
    stack = start_stack(api_port, data)
    checks = Checks()
    driver = None
    try:
        App.api_port = api_port
        app = f"http://localhost:{serve(App)}"
        OtherSite.action = f"{app}/api/v1/auth/sessions/revoke-others"
        other = f"http://127.0.0.1:{serve(OtherSite)}"
        driver = browser()
        print(f"== {driver.capabilities.get('browserVersion', '?')} headless; app {app}, "
              f"API http://localhost:{api_port}, other site {other}")
        run(driver, checks, app, f"http://localhost:{api_port}", other)
    finally:
        stop(driver, stack, data)
    print(f"browser: {checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
