"""Page speed, side by side with Flask's hello world, and bytes on the wire.

    .venv/bin/python -m bench.pages [--app-dir DIR] [--duration 5] [--rounds 2]
                                    [--no-wrk] [--no-browser]

1. Serves bench/hello.py and Yiban (from --app-dir: this tree by default, or e.g. an
   export of an older commit) under the same gunicorn settings (bench/gunicorn_bench.py:
   2 workers, no access log; for wrk, sync workers as the issue measured: see
   WRK_SERVER_ARGS), each on a fresh data folder.
2. Alternates `wrk -t2 -c16 -d<duration>s` runs: hello world, then `/`, a service page,
   a signed-in question page and its check-answers page (a signed-in session cookie
   from a real sign-in), `--rounds` times; prints the median requests/s of each and
   its ratio to hello world's. The machine is shared: only ratios mean anything.
   With this tree (no --app-dir), two more rows split the question page's cost: the
   signed-in /healthz (the machinery every signed-in request pays) and the question
   page served by bench/unrendered.py (everything but rendering its HTML).
3. In Debian's chromium (Playwright, CDP): bytes on the wire of a first visit (cache
   disabled) to home, service and question pages; a repeat visit's next page (cache
   on: bytes, and requests that went to the network); first contentful paint of each
   page at 400 kbit/s and 400 ms round trip (Network.emulateNetworkConditions). Apart
   from the page: the offline copy offline.js keeps in the background after the load
   event (its requests carry X-Yiban-Offline-Copy), on the first and the repeat visit.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess  # nosec B404: starts gunicorn and wrk
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Path(__file__).with_name("gunicorn_bench.py")
# wrk's runs use sync workers, as the issue that set the targets measured (and the
# LandRegistry peer's 0.087 with them). Not gthread: wrk opens its 16 keep-alive
# connections once, each stays with the worker that accepted it, and a run where one
# worker took most of them uses one core: check answers measured 241–243 or 545–552
# requests/s in alternate rounds of one run (3 Dec). A sync worker answers one
# connection at a time and the kernel hands each new one to a free worker.
# The app measured without its background work (no worker, no speech processes warmed,
# rate limits in memory). An older tree (--app-dir) read the event feed in requests,
# every 2 s under gunicorn, and named its worker switch differently.
APP_ENV = {"YIBAN_WORKER": "0", "YIBAN_SPEECH_PREWARM": "0",
           "YIBAN_RATELIMIT_STORAGE_URI": "memory://",
           "YIBAN_MESSAGES_SYNC_SECONDS": "2", "YIBAN_OUTBOX_WORKER": "0"}
WRK_SERVER_ARGS = ("--worker-class", "sync", "--threads", "1")  # threads > 1 would mean gthread
SERVICE = "elderly-allowance"
BUNDLE_FIRST_QUESTION = "/apply/retirement/matters"  # 退休一件事's first page: its matters
CHROMIUM = "/usr/bin/chromium"
TARGET_RATIO, GOAL_RATIO = 0.25, 0.5
# The two rows that split a signed-in page's cost (see the docstring, 2.).
MACHINERY = "/healthz (signed in: the hooks, no page)"
NOT_RENDERED = "question page, HTML not rendered"
FIRST_VISIT_BUDGET, REPEAT_BUDGET, FCP_BUDGET = 40_000, 14_000, 2.0
# The offline copy of an application (static/js/offline.js, after the load event):
# its rules, a blank page per question, its service and check pages, the fallback
# page, the manifest. Fetched once per application and version, not per page, so it
# may weigh more than one page: measured 38 KB (elderly-allowance, 7 questions), 43 KB
# (remote-medical-filing), 48 KB (退休一件事, the longest); 60 KB leaves room for a
# longer form without letting a copy grow unnoticed.
OFFLINE_COPY_BUDGET = 60_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, app_dir: Path, wsgi: str, env: dict | None = None, args=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "gunicorn", "-c", str(SETTINGS), *args,
             "-b", f"127.0.0.1:{self.port}", wsgi],
            cwd=app_dir, env={**os.environ, "PYTHONPATH": str(app_dir), **(env or {})},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=10).read()  # nosec B310
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{wsgi} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def prepare_data(app_dir: Path, env: dict) -> None:
    """Schema and seed before the workers start (an older tree without the
    prepare-data command makes them when its app is first created)."""
    command = ("prepare-data" if any((app_dir / "app" / name).exists()
                                     for name in ("prepare.py", "core/prepare.py")) else "routes")
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", command],  # nosec B603
                   cwd=app_dir, env={**os.environ, "PYTHONPATH": str(app_dir), **env},
                   check=True, stdout=subprocess.DEVNULL)


def sign_in_form(page: str) -> dict:
    """The sign-in form's fields for the demo citizen, with the page's form token."""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    return {"csrf_token": token, "login": "13800000001", "password": "yiban-demo-1"}


def signed_in(base: str) -> tuple[str, dict]:
    """Sign in as a demo citizen and open an application: (cookie header, page URLs)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/sign-in").read().decode()
    opener.open(base + "/sign-in", urllib.parse.urlencode(sign_in_form(page)).encode())
    first = opener.open(f"{base}/apply/{SERVICE}")
    question = urllib.parse.urlsplit(first.geturl()).path
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, {"question": question, "check": f"/apply/{SERVICE}/check"}


def wrk(url: str, seconds: int, cookie: str | None = None) -> float:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # nosec
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        print(f"  ! {url}: {non_2xx.group(1)} non-2xx/3xx responses", file=sys.stderr)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def throughput(app_dir: Path, seconds: int, rounds: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="yiban-bench-"))
    env = {"YIBAN_DATA_DIR": str(data), **APP_ENV}
    hello = yiban = unrendered = None
    try:
        prepare_data(app_dir, env)
        hello = Server(ROOT, "bench.hello:app", args=WRK_SERVER_ARGS)
        yiban = Server(app_dir, "app:create_app()", {**env, "YIBAN_AUTO_MIGRATE": "0"},
                       args=WRK_SERVER_ARGS)
        cookie, urls = signed_in(yiban.base)
        pages = [("hello world", hello.base + "/", None), ("/", yiban.base + "/", None),
                 ("/services/retirement", yiban.base + "/services/retirement", None),
                 (f"{urls['question']} (signed in)", yiban.base + urls["question"], cookie),
                 (f"{urls['check']} (signed in)", yiban.base + urls["check"], cookie)]
        if app_dir == ROOT:  # the parts of a signed-in page: this tree's only
            unrendered = Server(ROOT, "bench.unrendered:app",
                                {**env, "YIBAN_AUTO_MIGRATE": "0"}, args=WRK_SERVER_ARGS)
            unrendered_cookie, _ = signed_in(unrendered.base)
            pages += [(MACHINERY, yiban.base + "/healthz", cookie),
                      (NOT_RENDERED, unrendered.base + urls["question"], unrendered_cookie)]
        for _name, url, page_cookie in pages:  # warm up: templates, catalogue
            wrk(url, 1, page_cookie)
        results: dict[str, list[float]] = {name: [] for name, _, _ in pages}
        for _ in range(rounds):
            for name, url, page_cookie in pages:
                results[name].append(wrk(url, seconds, page_cookie))
        base = statistics.median(results["hello world"])
        print(f"\nwrk -t2 -c16 -d{seconds}s, {rounds} alternating rounds, median; "
              f"load: {os.getloadavg()[0]:.1f}")
        print(f"{'page':48} {'requests/s':>10} {'ratio':>7}")
        for name, values in results.items():
            rps = statistics.median(values)
            ratio = rps / base
            mark = "" if name in ("hello world", MACHINERY, NOT_RENDERED) else (
                "  goal" if ratio >= GOAL_RATIO else "  ok" if ratio >= TARGET_RATIO else "  BELOW")
            print(f"{name:48} {rps:10.0f} {ratio:7.3f}{mark}")
        if MACHINERY in results:
            print_parts({name: statistics.median(values) / base
                         for name, values in results.items()}, f"{urls['question']} (signed in)")
    finally:
        for server in (unrendered, yiban, hello):
            if server:
                server.stop()
        shutil.rmtree(data, ignore_errors=True)


def print_parts(ratios: dict[str, float], question: str) -> None:
    """A signed-in question page's cost in hello-world requests (1 / its ratio), split
    into the machinery every signed-in request pays (/healthz with the cookie), the rest
    of the page but its HTML (bench/unrendered.py) and rendering; beside what the
    target allows in all."""
    machinery = 1 / ratios[MACHINERY]
    unrendered = 1 / ratios[NOT_RENDERED]
    whole = 1 / ratios[question]
    print(f"\nThe signed-in question page in hello-world requests (the target {TARGET_RATIO} "
          f"allows {1 / TARGET_RATIO:.1f} in all):")
    for part, cost in (("the machinery every signed-in request pays", machinery),
                       ("the page but its HTML (its draft, its form)", unrendered - machinery),
                       ("rendering its HTML", whole - unrendered), ("in all", whole)):
        print(f"  {part:48} {cost:6.2f}")


# ---- the browser -------------------------------------------------------------------------
def browser_measures(app_dir: Path) -> None:
    from playwright.sync_api import sync_playwright

    data = Path(tempfile.mkdtemp(prefix="yiban-bench-"))
    env = {"YIBAN_DATA_DIR": str(data), "YIBAN_WORKER": "0",
           "YIBAN_SPEECH_PREWARM": "0"}
    yiban = None
    try:
        prepare_data(app_dir, env)
        yiban = Server(app_dir, "app:create_app()", {**env, "YIBAN_AUTO_MIGRATE": "0"})
        cookie, urls = signed_in(yiban.base)
        pages = [("home", "/", False, "/services/retirement"),
                 ("service", "/services/retirement", False, "/"),
                 # its repeat visit comes from another page of the same application
                 ("question (signed in)", urls["question"], True, urls["check"]),
                 # the longest first page: 退休一件事's list of matters
                 ("退休 matters (signed in)", BUNDLE_FIRST_QUESTION, True, "/services/retirement")]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            print(f"\n{'page':24} {'first visit':>12} {'repeat':>8} {'requests':>9} "
                  f"{'FCP 400k/400ms':>15} {'offline copy':>13} {'again':>7}")
            for name, path, needs_cookie, before in pages:
                page_cookie = cookie if needs_cookie else None
                first = visit(browser, yiban.base, path, page_cookie, cache=False)
                repeat = visit(browser, yiban.base, path, page_cookie, cache=True,
                               before=before)
                slow = visit(browser, yiban.base, path, page_cookie, cache=False, slow=True)
                # The offline copy of a first visit, the browser's cache on as in life
                # (a new profile: empty; the static files the page just loaded come from it).
                copy = visit(browser, yiban.base, path, page_cookie, cache=True)
                print(f"{name:24} {first['bytes'] / 1000:10.1f}KB {repeat['bytes'] / 1000:6.1f}KB"
                      f" {repeat['requests']:9d} {slow['fcp']:14.2f}s"
                      f" {copy['copy_bytes'] / 1000:11.1f}KB {repeat['copy_bytes'] / 1000:5.1f}KB"
                      + ("" if first["bytes"] <= FIRST_VISIT_BUDGET else "  first > 40 KB")
                      + ("" if repeat["bytes"] <= REPEAT_BUDGET else "  repeat > 14 KB")
                      + ("" if copy["copy_bytes"] <= OFFLINE_COPY_BUDGET else "  copy > 60 KB")
                      + ("" if copy["copy_after_load"] else "  copy before load"))
            browser.close()
    finally:
        if yiban:
            yiban.stop()
        shutil.rmtree(data, ignore_errors=True)


OFFLINE_COPY_HEADER = "x-yiban-offline-copy"  # static/js/offline.js marks its requests


def visit(browser, base: str, path: str, cookie: str | None, cache: bool,
          before: str | None = None, slow: bool = False) -> dict:
    """Open `path` (after `before`, for a repeat visit) and tell apart, by the header
    offline.js puts on them, the page (what the person needs to see and use it) from
    the offline copy (requests offline.js makes in the background to keep the
    application for offline use): bytes received and requests that went to the
    network for each, whether the copy started only after the load event, and the
    page's first contentful paint."""
    context = browser.new_context()
    if cookie:
        context.add_cookies([{"name": k, "value": v, "url": base}
                             for k, v in (part.split("=", 1) for part in cookie.split("; "))])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Page.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": not cache})
    # The service worker (network first) would make the page's requests itself, out of
    # this session's sight: the same bytes, seen here when the page makes them.
    cdp.send("Network.setBypassServiceWorker", {"bypass": True})
    received: dict[str, int] = {}
    sent: dict[str, dict] = {}
    from_cache: set[str] = set()
    loaded: list[float] = []

    def will_be_sent(e):
        headers = {k.lower() for k in e["request"]["headers"]}
        sent[e["requestId"]] = {"url": e["request"]["url"], "at": e["timestamp"],
                                "copy": OFFLINE_COPY_HEADER in headers}
    cdp.on("Network.loadingFinished",
           lambda e: received.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.requestWillBeSent", will_be_sent)
    cdp.on("Network.requestServedFromCache", lambda e: from_cache.add(e["requestId"]))
    cdp.on("Network.responseReceived", lambda e: from_cache.add(e["requestId"])
           if e["response"].get("fromDiskCache") or e["response"].get("fromMemoryCache")
           else None)
    cdp.on("Page.loadEventFired", lambda e: loaded.append(e["timestamp"]))
    if before:
        page.goto(base + before, wait_until="load")
        wait_for_offline_copy(page)
        received.clear()
        sent.clear()
        loaded.clear()
    if slow:
        cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": 400, "downloadThroughput": 400_000 / 8,
            "uploadThroughput": 400_000 / 8})
    page.goto(base + path, wait_until="load")
    wait_for_offline_copy(page)
    page.wait_for_timeout(300)
    fcp = page.evaluate("""() => { const e = performance.getEntriesByName(
        'first-contentful-paint')[0]; return e ? e.startTime / 1000 : -1; }""")
    context.close()
    parts = {"page": {}, "copy": {}}
    for request_id, request in sent.items():
        parts["copy" if request["copy"] else "page"][request_id] = request
    copy_started = min((r["at"] for r in parts["copy"].values()), default=None)
    return {"bytes": sum(received.get(i, 0) for i in parts["page"]),
            "requests": sum(1 for i in parts["page"] if i not in from_cache),
            "network": [r["url"] for i, r in parts["page"].items() if i not in from_cache],
            "copy_bytes": sum(received.get(i, 0) for i in parts["copy"]),
            "copy_network": [r["url"] for i, r in parts["copy"].items() if i not in from_cache],
            "copy_after_load": copy_started is None or bool(loaded) and copy_started >= loaded[0],
            "fcp": fcp}


def wait_for_offline_copy(page) -> None:
    """On an application's page, until offline.js has kept (or found) its offline copy."""
    page.wait_for_function("() => !document.body.dataset.offlineCode"
                           " || document.documentElement.dataset.offlineReady === '1'",
                           timeout=120_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    if not args.no_wrk:
        throughput(args.app_dir.resolve(), args.duration, args.rounds)
    if not args.no_browser:
        browser_measures(args.app_dir.resolve())


if __name__ == "__main__":
    main()
