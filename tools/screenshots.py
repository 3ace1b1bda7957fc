#!/usr/bin/env python3
# Copyright 2026 service_management authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshots of the demo for the README and the Apps page.

Drives headless Chromium through the DevTools protocol (websocket-client, the
library Odoo's own tours use): logs in as each demo user, opens each screen,
waits until the web client is idle and saves a PNG under static/description/.

    tools/screenshots.py --base http://127.0.0.1:8069 [--only NAME ...]

`make screenshots` starts the demo server, runs this and stops the server.
"""

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xmlrpc.client
from pathlib import Path

import websocket

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "description"

DESKTOP = (1440, 900)
PHONE = (375, 667)

# name, (login, password), path ("{module.xmlid}" stands for that record's id),
# size, optional JS run before the capture (it may return a Promise; a string
# result is printed as a warning).
CLICK_PREVIEW = """
new Promise((resolve) => {
    const button = document.querySelector('button[name=action_preview]');
    if (!button) {
        resolve('no Preview button');
        return;
    }
    button.click();
    setTimeout(() => resolve(''), 1500);
})
"""

SCROLL_TO_SIGNATURE = """
new Promise(async (resolve) => {
    const tab = document.querySelector('.o_notebook a[name=report]');
    if (tab) {
        tab.click();
    }
    await new Promise((done) => setTimeout(done, 500));
    const field = document.querySelector('div[name=signature]');
    if (!field) {
        resolve('no signature on the form');
        return;
    }
    field.scrollIntoView({block: 'center'});
    setTimeout(() => resolve(''), 500);
})
"""

OPEN_PROFITABILITY = """
new Promise((resolve) => {
    const tab = document.querySelector('.o_notebook a[name=profitability]');
    if (!tab) {
        resolve('no Profitability tab');
        return;
    }
    tab.click();
    setTimeout(() => resolve(''), 1500);
})
"""

SEARCH_CUSTOMER = r"""
new Promise(async (resolve) => {
    const wait = (ms) => new Promise((done) => setTimeout(done, ms));
    const input = document.querySelector('.o_searchview_input');
    if (!input) {
        resolve('no search box');
        return;
    }
    input.focus();
    input.value = 'Hotel Bellavista';
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await wait(800);
    const items = [...document.querySelectorAll('.o_searchview_autocomplete a')];
    const item = items.find((a) => /Search\s+Customer\s+for/.test(a.textContent));
    if (!item) {
        resolve('no Customer search');
        return;
    }
    item.click();
    await wait(1500);
    resolve('');
})
"""

OPEN_MY_ROUTE = """
new Promise((resolve) => {
    const button = document.querySelector('.o_service_my_route_toggle');
    if (!button) {
        resolve('no My Route button');
        return;
    }
    button.click();
    setTimeout(() => resolve(''), 2000);
})
"""

SHOTS = [
    (
        "screenshot_planning",
        ("dispatcher", "dispatcher"),
        "/odoo/action-service_management.action_service_intervention_planning",
        DESKTOP,
        None,
    ),
    (
        "screenshot_today_phone",
        ("tech", "tech"),
        "/odoo/action-service_management.action_service_my_day",
        PHONE,
        None,
    ),
    (
        "screenshot_my_route_phone",
        ("tech", "tech"),
        "/odoo/action-service_management.action_service_my_day",
        PHONE,
        OPEN_MY_ROUTE,
    ),
    (
        "screenshot_job_phone",
        ("tech", "tech"),
        "/odoo/action-service_management.action_service_intervention"
        "/{service_management.demo_intervention_done_signed}",
        PHONE,
        SCROLL_TO_SIGNATURE,
    ),
    (
        "screenshot_installed_base",
        ("admin", "admin"),
        "/odoo/action-service_management.action_service_installed_base",
        DESKTOP,
        SEARCH_CUSTOMER,
    ),
    (
        "screenshot_contract",
        ("admin", "admin"),
        "/odoo/action-service_management.action_service_contract"
        "/{service_management.contract_condominium}",
        DESKTOP,
        OPEN_PROFITABILITY,
    ),
    (
        "screenshot_profitability",
        ("admin", "admin"),
        "/odoo/action-service_management.action_service_profitability_report",
        DESKTOP,
        None,
    ),
    (
        "screenshot_invoice_wizard",
        ("accountant", "accountant"),
        "/odoo/action-service_management.action_service_invoice_wizard",
        DESKTOP,
        CLICK_PREVIEW,
    ),
    (
        "screenshot_portal",
        ("customer", "customer"),
        "/my/home",
        DESKTOP,
        None,
    ),
]

IDLE_JS = """
new Promise((resolve) => {
    const start = Date.now();
    let quiet = 0;
    const tick = () => {
        const busy = document.querySelector(
            '.o_loading_indicator, .o_blockUI, .o-main-components-container .o_loading'
        );
        const ready = document.readyState === 'complete' && document.querySelector(
            '.o_action_manager .o_view_controller, .o_dialog .o_form_view, ' +
            '.o_portal, #wrap'
        );
        quiet = ready && !busy ? quiet + 1 : 0;
        if (quiet >= 5 || Date.now() - start > 20000) {
            resolve(quiet >= 5 ? 'ok' : 'timeout');
        } else {
            setTimeout(tick, 200);
        }
    };
    tick();
})
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("screenshots: Chromium not found (apt-get install chromium)")


class Browser:
    """One headless Chromium tab spoken to over the DevTools protocol."""

    def __init__(self):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="sm-shots-")
        self.proc = subprocess.Popen(  # noqa: S603
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--no-first-run",
                f"--remote-debugging-port={self.port}",
                f"--user-data-dir={self.profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ws = websocket.create_connection(self._tab_url(), timeout=60)
        self._id = 0
        self.call("Page.enable")
        self.call("Runtime.enable")

    def _tab_url(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            with contextlib.suppress(OSError):
                url = f"http://127.0.0.1:{self.port}/json"
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    for tab in json.load(response):
                        if tab.get("type") == "page":
                            return tab["webSocketDebuggerUrl"]
            time.sleep(0.2)
        sys.exit("screenshots: Chromium did not start")

    def call(self, method, **params):
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        return result.get("result", {}).get("value")

    def goto(self, url):
        self.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.evaluate("document.readyState") == "complete":
                return
            time.sleep(0.2)

    def size(self, width, height):
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 768,
        )

    def login(self, base, login, password):
        self.call("Network.enable")
        self.call("Network.clearBrowserCookies")
        self.goto(f"{base}/web/login")
        self.evaluate(
            f"""(() => {{
                const field = (name) => document.querySelector(`input[name=${{name}}]`);
                field('login').value = {json.dumps(login)};
                field('password').value = {json.dumps(password)};
                document.querySelector('form.oe_login_form').submit();
            }})()"""
        )
        time.sleep(2)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self):
        with contextlib.suppress(Exception):
            self.ws.close()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.profile, ignore_errors=True)


def resolve(base, db, path):
    """Replaces each {module.xmlid} of path by that record's id (as admin)."""
    refs = re.findall(r"\{([\w.]+)\}", path)
    if not refs:
        return path
    common = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/common")
    uid = common.authenticate(db, "admin", "admin", {})
    models = xmlrpc.client.ServerProxy(f"{base}/xmlrpc/2/object")
    for ref in refs:
        module, name = ref.split(".", 1)
        rows = models.execute_kw(
            db,
            uid,
            "admin",
            "ir.model.data",
            "search_read",
            [[("module", "=", module), ("name", "=", name)]],
            {"fields": ["res_id"], "limit": 1},
        )
        if not rows:
            raise SystemExit(
                f"screenshots: no record {ref} in {db} (is the demo loaded?)"
            )
        path = path.replace("{" + ref + "}", str(rows[0]["res_id"]))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", default=os.environ.get("SM_BASE", "http://127.0.0.1:8069")
    )
    parser.add_argument("--db", default=os.environ.get("SM_DB", "service_demo"))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", help="names of the shots to take")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    browser = Browser()
    failed = []
    try:
        logged_in = None
        for name, (login, password), path, (width, height), script in SHOTS:
            if args.only and name not in args.only:
                continue
            browser.size(width, height)
            if logged_in != login:
                browser.login(args.base, login, password)
                logged_in = login
            browser.goto(args.base + resolve(args.base, args.db, path))
            state = browser.evaluate(IDLE_JS)
            time.sleep(1.5)  # charts and the timeline draw after the data
            if script:
                warning = browser.evaluate(script)
                if isinstance(warning, str) and warning:
                    print(f"  {name}: {warning}")
                browser.evaluate(IDLE_JS)
            overflow = browser.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            target = args.out / f"{name}.png"
            browser.screenshot(target)
            note = "" if state == "ok" else f" (page not idle: {state})"
            if overflow and overflow > 0:
                note += f" (page {overflow}px wider than the screen)"
                failed.append(name)
            print(f"{target}  {width}x{height}  as {login}{note}")
    finally:
        browser.close()
    if failed:
        sys.exit(f"screenshots wider than the screen: {', '.join(failed)}")


if __name__ == "__main__":
    main()
