"""Sign-in end to end: a real OpenID Connect provider, the real app, a real browser.

The provider is panva's `oidc-provider` (OpenID Certified), installed from tests/oidc/
(`npm ci --prefix tests/oidc`, which `make test` runs) and started here on a free loopback
port with three people: a viewer (by the provider's groups claim), a lead (by the roles
file) and someone no rule names. `ringscope app` runs as users run it, with the sign-in
settings in its environment; Debian's chromium signs each person in through the
provider's own login page, in a fresh browser profile each, and the test checks what each
can see and do, and what the graph recorded.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ringscope import db, marks

from auth_people import person
from test_browser_app import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, choose, free_port, right_click_menu, wait_drawn,
                               wait_idle)

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
NODE = shutil.which("node")

# needs /usr/bin/chromium: skipped without it, failed without it under CI (conftest.py)
pytestmark = [pytest.mark.browser]

CLIENT_ID = "ringscope-test"
PEOPLE = {
    "vera": {"email": "vera@example.test", "name": "Vera Viewer", "groups": ["ts-analysts"]},
    "lena": {"email": "lena@example.test", "name": "Lena Lead", "groups": ["ts-analysts"]},
    "nora": {"email": "nora@example.test", "name": "Nora Nobody", "groups": ["marketing"]},
}
ROLES_FILE = '[people]\n"lena@example.test" = "lead"\n[groups]\n"ts-analysts" = "viewer"\n'


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {seconds:.0f} s: {log.read_text()[-2000:]}")
            time.sleep(0.3)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def provider(tmp_path):
    """The OpenID provider on 127.0.0.1, its client registered for an app on a free port."""
    assert NODE, "node not found: install Node.js 20+ (the sign-in test runs a real OpenID provider on it)"
    assert (OIDC_DIR / "node_modules" / "oidc-provider").is_dir(), \
        "the test OpenID provider is not installed: run `npm ci --prefix tests/oidc` (make test does it)"
    ARTIFACTS.mkdir(exist_ok=True)
    app_port = free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    client_secret = secrets.token_urlsafe(24)
    config = tmp_path / "people.json"
    config.write_text(json.dumps({
        "client": {"client_id": CLIENT_ID, "client_secret": client_secret,
                   "redirect_uri": f"{app_url}/oauth2callback", "app_url": app_url},
        "people": PEOPLE,
    }))
    log = ARTIFACTS / "oidc-provider.log"
    proc = subprocess.Popen([NODE, str(OIDC_DIR / "provider.mjs"), str(config)], stdout=subprocess.PIPE,
                            stderr=open(log, "w"), text=True, cwd=OIDC_DIR)
    try:
        line = proc.stdout.readline()
        assert line, f"the OpenID provider did not start: {log.read_text()[-2000:]}"
        issuer = json.loads(line)["issuer"]
        _wait_http(f"{issuer}/.well-known/openid-configuration", proc, log)
        yield {"issuer": issuer, "app_port": app_port, "app_url": app_url, "client_secret": client_secret}
    finally:
        _stop(proc)


@pytest.fixture
def signed_in_app(provider, world, tmp_path):  # noqa: F811
    """`ringscope app` with sign-in through the provider and roles from a roles file."""
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES_FILE)
    env = dict(
        os.environ,
        RINGSCOPE_HOME=str(tmp_path / "home"),
        RINGSCOPE_OIDC_METADATA_URL=f"{provider['issuer']}/.well-known/openid-configuration",
        RINGSCOPE_OIDC_CLIENT_ID=CLIENT_ID,
        RINGSCOPE_OIDC_CLIENT_SECRET=provider["client_secret"],
        RINGSCOPE_OIDC_SCOPES="openid email profile groups",
        RINGSCOPE_OIDC_PROMPT="login",  # Streamlit's default, select_account, is not a standard prompt value
        RINGSCOPE_APP_URL=provider["app_url"],
        RINGSCOPE_COOKIE_SECRET=secrets.token_urlsafe(48),
        RINGSCOPE_ROLES_FILE=str(roles),
        RINGSCOPE_INVESTIGATOR="",
    )
    # Neo4j's settings for the test server are in os.environ (the session fixture put them there).
    env["RINGSCOPE_HOME"] = str(tmp_path / "home")
    log = ARTIFACTS / "streamlit-auth.log"
    command = [str(Path(sys.executable).with_name("ringscope")), "app", "--port", str(provider["app_port"]),
               "--no-open"]
    proc = subprocess.Popen(command, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            cwd=Path(__file__).resolve().parent.parent)
    try:
        _wait_http(f"{provider['app_url']}/_stcore/health", proc, log)
        yield {**provider, "settings": world["settings"]}
    finally:
        _stop(proc)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def sign_in(browser, app_url: str, login: str):
    """A fresh browser profile signs `login` in through the provider's own login page."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    wait_idle(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.startswith(app_url))  # on the provider now
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any-password")
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: url.startswith(app_url) and "oauth2callback" not in url)
    wait_idle(page)
    return page


def open_ring_tab(page, app_url: str, ring_id: str, tab: str) -> None:
    page.goto(f"{app_url}/ring?ring={ring_id}")
    wait_idle(page)
    page.get_by_role("heading", name=f"Ring {ring_id}").wait_for()
    page.get_by_role("tab", name=tab).click()
    wait_idle(page)


def test_a_viewer_and_a_lead_sign_in_and_see_what_their_roles_allow(signed_in_app, browser):
    app_url, settings = signed_in_app["app_url"], signed_in_app["settings"]

    # Before signing in: the gate, nothing of the data.
    anonymous = browser.new_context().new_page()
    anonymous.goto(app_url)
    wait_idle(anonymous)
    anonymous.get_by_role("button", name="Sign in").wait_for()
    assert anonymous.get_by_role("heading", name="Ring queue").count() == 0
    anonymous.goto(f"{app_url}/ring?ring=ring-a")
    wait_idle(anonymous)
    assert anonymous.get_by_role("heading", name="Ring ring-a").count() == 0

    # The viewer (role from the groups claim) reads, but is offered no change.
    viewer = sign_in(browser, app_url, "vera")
    viewer.get_by_role("heading", name="Ring queue").wait_for()
    sidebar = viewer.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("vera@example.test").wait_for()
    assert "viewer" in sidebar.inner_text()
    assert sidebar.get_by_text("People and roles").count() == 0  # an admin's page
    open_ring_tab(viewer, app_url, "ring-a", "Tags and case")
    viewer.get_by_text("Your role (viewer) cannot tag a ring").wait_for()
    viewer.get_by_text("Your role (viewer) cannot export evidence bundles").wait_for()
    assert viewer.get_by_role("button", name="Save tags").count() == 0
    assert viewer.get_by_role("button", name="Export bundle").count() == 0
    viewer.get_by_role("tab", name="Accounts").click()
    wait_idle(viewer)
    viewer.get_by_text("Your role (viewer) cannot change a case's accounts").wait_for()
    assert viewer.get_by_role("button", name="Remove from case").count() == 0
    viewer.screenshot(path=str(ARTIFACTS / "auth-01-viewer.png"))

    # The viewer sees an identifier's mark, but no form to change it.
    marks.set_mark("device", "dev-A1", "known_bad", "VM image of ring-a", by=person("lee", role="lead"),
                   settings=settings)
    viewer.goto(f"{app_url}/entity?kind=Device&key=dev-A1")
    wait_idle(viewer)
    viewer.get_by_role("heading", name="Marks").wait_for()
    viewer.get_by_text("VM image of ring-a").first.wait_for()
    viewer.get_by_text("Your role (viewer) cannot mark identifiers").wait_for()
    assert viewer.get_by_role("button", name="Save mark").count() == 0

    # The viewer's right-click menu on the ring's graph offers no write; a choice forged in the
    # page (the menu's "Hide" item relabelled "case" before the click) opens no form either.
    viewer.goto(f"{app_url}/ring?ring=ring-a")
    viewer.get_by_role("heading", name="Ring ring-a").wait_for()
    wait_idle(viewer)
    key = "ring-graph::ring-a::250::2::50::component"
    wait_drawn(viewer, key)
    menu = right_click_menu(viewer, key, "Account:a-02")
    titles = menu.get_by_role("menuitem").all_inner_texts()
    assert "Hide from the graph" in titles and "Open entity view" in titles, titles
    assert "Add to ring ring-a's case..." not in titles and "Mark known bad / known good..." not in titles, titles
    no_case = viewer.get_by_text("Your role (viewer) cannot change a case's accounts")
    assert no_case.count() == 0
    menu.locator("[data-action=hide]").evaluate("(b) => { b.dataset.action = 'case'; }")
    menu.locator("[data-action=case]").click()
    no_case.wait_for()  # the side panel carried out the forged task: it says why there is no form
    wait_idle(viewer)
    assert viewer.get_by_role("button", name="Add to case", exact=True).count() == 0
    assert viewer.get_by_role("textbox", name="Why it belongs in the case").count() == 0
    viewer.screenshot(path=str(ARTIFACTS / "auth-01b-viewer-forged-menu.png"))

    # The lead (role from the roles file, by e-mail) confirms the ring.
    lead = sign_in(browser, app_url, "lena")
    lead.locator("[data-testid=stSidebar]").get_by_text("lena@example.test").wait_for()
    open_ring_tab(lead, app_url, "ring-a", "Tags and case")
    form = lead.locator("[data-testid=stForm]").filter(has=lead.get_by_role("button", name="Save tags"))
    form.wait_for()
    wait_idle(lead)  # the lazy tab's run has finished: the form will not be redrawn under the click
    choose(lead, form.get_by_role("combobox", name="Status"), "confirmed operator")
    form.get_by_role("button", name="Save tags").click()
    lead.get_by_text("Saved 1 change(s) to ring ring-a.").wait_for()
    lead.get_by_role("button", name="Export bundle").wait_for()
    lead.screenshot(path=str(ARTIFACTS / "auth-02-lead.png"))

    events = db.run_read("MATCH (e:AuditEvent)-[:ABOUT]->(r:Ring {ring_id: 'ring-a'}) "
                         "RETURN r.status AS status, e.action AS action, e.by AS by, e.by_subject AS subject, "
                         "e.by_email AS email, e.by_via AS via", settings=settings)
    assert events == [{"status": "confirmed", "action": "set_status", "by": "lena@example.test", "subject": "lena",
                       "email": "lena@example.test", "via": "oidc"}]
    # nothing the viewer did changed ring-a's case
    assert db.run_read("MATCH (:Ring {ring_id: 'ring-a'})-[m:HAS_MEMBER]->() WHERE m.added_by <> 'detect' OR m.removed "
                       "RETURN count(m) AS n", settings=settings) == [{"n": 0}]

    # The viewer, on the same ring after the lead's change: still nothing to change.
    open_ring_tab(viewer, app_url, "ring-a", "Tags and case")
    viewer.get_by_text("confirmed operator").first.wait_for()
    assert viewer.get_by_role("button", name="Save tags").count() == 0

    # Someone the provider knows but no rule names: signed in, no access.
    nobody = sign_in(browser, app_url, "nora")
    nobody.get_by_text("RingScope has given you no role").wait_for()
    assert nobody.get_by_role("heading", name="Ring queue").count() == 0
