"""Load test: many virtual citizens sign in, fill and send applications at once while
the platform is slow; then every application is accounted for.

    .venv/bin/python -m bench.load [--users 50] [--spawn-rate 10] [--duration 45s]
                                   [--platform-delay 0.3] [--slow all|submit] [--think 5-15]

What it does, on loopback only and bounded in time:

1. Starts the app in a separate process on a fresh temporary data folder, bound to
   127.0.0.1, under Werkzeug's threaded WSGI server (a thread per request; the
   server `flask run` uses, minus the reloader and debugger). The embedded platform
   is wrapped so that each of its calls (or only `submit`, `--slow submit`) first
   sleeps `--platform-delay` seconds: a slow remote platform. `create_app` takes
   the platform as an argument, so nothing in app/ changes for this. Before serving
   it adds `--citizens` virtual citizens to the embedded platform (born 1941-1946,
   each with an ID card, a hukou and a social security card, so licence-fact pages
   work), and raises the sign-in rate limit: every virtual citizen comes from
   127.0.0.1, which the per-address limit (20 a minute) would otherwise stop.
   The outbox's delivery thread runs as in production, polling every second.
2. Runs locust as a library in this process (headless, gevent): `--users` citizens,
   each signed in as its own citizen, apply again and again for the old-age
   allowance (a single matter) or, one in `--bundle-every`, for 退休一件事 (a bundle),
   answering each question page from its form, checking answers and sending. On
   each page a citizen first reads and types for `--think` seconds (drawn uniformly
   from the range; default 5-15, `0`: click at once, as before).
   After `--duration` no new journey starts; those under way get `--finish` seconds
   (15) to finish, then are cut off: at most 60 s of load unless --allow-long.
3. Waits for the outbox to deliver anything still pending, then checks the databases:
   every application number a citizen was shown exists once on the platform, for
   that citizen; every sent draft has exactly one outbox row and one application
   (the idempotency key); nothing is left in the outbox; no citizen has more
   applications than they sent. Exit status 1 if anything was lost or duplicated.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import subprocess  # nosec B404: starts this same script as the app server
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SINGLE_MATTER, BUNDLE = "elderly-allowance", "retirement"
STOP_TIMEOUT = 15  # default seconds the journeys under way get to finish at the end
# Seconds a citizen spends on a page before the next click (README, "Load test"):
# reading a question in large type and typing an answer, or finding a card to copy a
# number from, takes an older person longer than this; a shorter range errs towards
# more load than the real public makes.
THINK = "5-15"
# What the report's p95 targets are about: a page GET (< 1 s) and an answer POST
# (a question's Continue and the send: < 2 s); sign-in's POST (deliberately slow
# scrypt) is reported on its own.
GET_TARGET_MS, POST_TARGET_MS = 1000, 2000
ANSWER_POSTS = ("/apply/[code]/[question]", "/apply/[code]/check (send)")
PASSWORD = "yiban-load"  # every virtual citizen's


def load_mobile(index: int) -> str:
    """The seed citizens' mobiles are 1380000xxxx; the virtual citizens' 13801xxxxxx."""
    return f"13801{index:06d}"


# ==== the app server (a separate process: no gevent here) ================================
class SlowPlatform:
    """Passes every call to the embedded platform after `delay` seconds (all calls,
    or only `submit`): a platform that answers slowly but correctly."""

    def __init__(self, inner, delay: float, only: str | None = None):
        self.inner, self.delay, self.only = inner, delay, only
        self.calls: Counter = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name):
        attr = getattr(self.inner, name)
        if not callable(attr) or name.startswith("_") or (self.only and name != self.only):
            return attr

        def slow(*args, **kwargs):
            with self._lock:
                self.calls[name] += 1
            time.sleep(self.delay)
            return attr(*args, **kwargs)
        return slow


def load_citizen(index: int) -> dict:
    """The index-th virtual citizen (fictitious: 9xx ID sequence, 13801xxxxxx mobiles)."""
    from app.forms.identifiers import id_number_check_digit

    born = date(1941, 1, 1) + timedelta(days=index)  # everyone 80+, one birthday each
    male = index % 2 == 0
    first17 = f"110101{born:%Y%m%d}9{index % 10}{1 if male else 2}"
    id_number = first17 + id_number_check_digit(first17)
    surnames, given = "王李张刘陈杨赵黄周吴", "建国秀英志明桂兰淑华玉珍德海"
    name = surnames[index % 10] + given[(index // 10) % 14] + given[(index // 140 + 3) % 14]
    return {
        "id": f"load-{index:05d}", "name": name, "gender": "male" if male else "female",
        "birth_date": born, "id_number": id_number, "mobile": load_mobile(index),
        "address": f"北京市东城区东华门街道示例路 {index + 1} 号",
        "bank_account": f"62000000{index:011d}",
    }


def seed_citizens(platform, count: int, password: str) -> None:
    from werkzeug.security import generate_password_hash
    from app.platform.embedded.models import LicenceRow, PersonRow

    lookup = platform.db.keyring.lookup
    hashed = generate_password_hash(password)  # one salted hash for all: seeding stays fast
    with platform.db.session() as s:
        for index in range(count):
            c = load_citizen(index)
            person = PersonRow(
                id=c["id"], name=c["name"], gender=c["gender"], birth_date=c["birth_date"],
                id_number=c["id_number"], id_number_hash=lookup(c["id_number"]),
                mobile=c["mobile"], mobile_hash=lookup(c["mobile"]), address=c["address"],
                password_hash=hashed)
            issued = date(2015, 1, 1)
            person.licences += [
                LicenceRow(type="id_card", number=c["id_number"], issued=issued,
                           valid_until=date(2099, 12, 31),
                           data={"name": c["name"], "gender": "男" if c["gender"] == "male" else "女",
                                 "address": c["address"], "validity": "长期"}),
                LicenceRow(type="hukou", number=f"1101019{index:05d}", issued=issued,
                           valid_until=date(2099, 12, 31),
                           data={"name": c["name"], "address": c["address"],
                                 "householder": c["name"], "relation": "户主", "validity": "长期"}),
                LicenceRow(type="social_security_card", number=c["id_number"], issued=issued,
                           valid_until=date(2030, 1, 1),
                           data={"name": c["name"], "card_serial": f"L{index:08d}",
                                 "bank": "示例银行", "bank_account": c["bank_account"]}),
            ]
            s.add(person)


def _load_app(citizens: int | None):
    """The app as the load test serves it: the sign-in limit lifted, the platform slow."""
    from app import create_app

    # All virtual citizens share 127.0.0.1: the per-address sign-in limit would stop
    # them after 20 a minute (behind a proxy, real citizens have their own addresses).
    app = create_app({"RATELIMIT_SIGN_IN": "100000 per minute"})
    inner = app.extensions["platform"]
    if citizens:
        seed_citizens(inner, citizens, PASSWORD)
    slow = SlowPlatform(inner, float(os.environ["YIBAN_LOAD_DELAY"]),
                        only="submit" if os.environ["YIBAN_LOAD_SLOW"] == "submit" else None)
    app.extensions["platform"] = slow  # the views and the outbox read it from here
    return app, slow


def gunicorn_worker_app():
    """Each gunicorn worker's app (`bench.load:gunicorn_worker_app()`); its platform
    calls are written down when the worker stops."""
    import atexit

    app, slow = _load_app(None)
    calls = Path(os.environ["YIBAN_DATA_DIR"]) / f"platform_calls-{os.getpid()}.json"
    atexit.register(lambda: calls.write_text(json.dumps(slow.calls)))
    return app


def serve(args) -> None:
    """The app server process: seed, then serve on 127.0.0.1 until SIGTERM; with
    gunicorn (the default, gunicorn.conf.py as ./run.sh serves) or Werkzeug's threaded
    server."""
    import logging

    from werkzeug.serving import make_server

    os.environ.update(YIBAN_DATA_DIR=args.serve, YIBAN_WORKER="1",
                      YIBAN_OUTBOX_POLL_SECONDS="1", YIBAN_LOAD_DELAY=str(args.platform_delay),
                      YIBAN_LOAD_SLOW=args.slow)
    for name in ("SECRET_KEY", "YIBAN_DATABASE_URL", "YIBAN_PLATFORM_DATABASE_URL",
                 "YIBAN_RATELIMIT_STORAGE_URI", "YIBAN_AUTO_MIGRATE"):
        os.environ.pop(name, None)
    app, slow = _load_app(args.citizens)
    ready = Path(args.serve) / "ready"
    if args.server == "gunicorn":
        for database in (app.extensions["front_store"].db, slow.inner.db):
            database.engine.dispose()
        port = args.port or _free_port()
        server = subprocess.Popen(  # nosec B603: gunicorn with the project's settings
            [str(Path(sys.executable).with_name("gunicorn")), "-c", str(ROOT / "gunicorn.conf.py"),
             "-b", f"{HOST}:{port}", "--access-logfile", "/dev/null",
             "bench.load:gunicorn_worker_app()"], cwd=ROOT)
        signal.signal(signal.SIGTERM, lambda *_: server.send_signal(signal.SIGTERM))
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and server.poll() is None:
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=30).read()  # nosec B310
                break
            except OSError:
                time.sleep(0.5)
        ready.with_suffix(".tmp").write_text(str(port))
        ready.with_suffix(".tmp").rename(ready)
        server.wait()
        merged = Counter()
        for part in Path(args.serve).glob("platform_calls-*.json"):
            merged.update(json.loads(part.read_text()))
        (Path(args.serve) / "platform_calls.json").write_text(json.dumps(dict(merged)))
        return
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server(HOST, args.port, app, threaded=True)

    def stop(_signum, _frame):
        # The platform calls counted, for the report; then stop serving.
        (Path(args.serve) / "platform_calls.json").write_text(json.dumps(slow.calls))
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    ready.with_suffix(".tmp").write_text(str(server.server_port))
    ready.with_suffix(".tmp").rename(ready)  # whole, or not there
    server.serve_forever()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ==== checking the databases ===============================================================
def read_databases(data_dir: Path) -> dict:
    """What the check needs, read straight from the two SQLite files (none of these
    columns is encrypted)."""
    with sqlite3.connect(data_dir / "platform.sqlite") as db:
        applications = [dict(zip(("number", "key", "owner"), row)) for row in db.execute(
            "SELECT number, idempotency_key, owner_id FROM application")]
    with sqlite3.connect(data_dir / "front.sqlite") as db:
        outbox = [dict(zip(("id", "key", "state", "number", "owner", "draft", "attempts",
                            "error"), row)) for row in db.execute(
            "SELECT id, idempotency_key, state, application_number, owner_id, draft_id, "
            "attempts, last_error FROM outbox")]
        drafts = [dict(zip(("id", "owner", "key", "sent", "number"), row)) for row in db.execute(
            "SELECT id, owner_id, submission_key, sent_at IS NOT NULL, application_number "
            "FROM draft")]
    return {"applications": applications, "outbox": outbox, "drafts": drafts}


def verify(journeys: list[dict], applications: list[dict], outbox: list[dict],
           drafts: list[dict]) -> dict:
    """Lost and duplicated applications, by kind (each list holds the evidence).

    journeys: what the citizens saw ({owner, sent, number, entry}); applications: the
    platform's ({number, key, owner}); outbox: the front's rows ({id, key, state,
    number, owner, draft}); drafts: the front's drafts ({id, owner, key, sent, number})."""
    by_number = defaultdict(list)
    for a in applications:
        by_number[a["number"]].append(a)
    by_key = defaultdict(list)
    for a in applications:
        by_key[a["key"]].append(a)
    outbox_by_id = {row["id"]: row for row in outbox}
    rows_by_key = defaultdict(list)
    rows_by_draft = defaultdict(list)
    for row in outbox:
        rows_by_key[row["key"]].append(row)
        rows_by_draft[row["draft"]].append(row)
    # A draft sent, then refused by the platform, is reopened with a new key; the
    # outbox row keeps the old one. Keys of sent drafts and of outbox rows both count.
    sent_keys = {d["key"] for d in drafts if d["sent"]} | set(rows_by_key)

    lost: dict[str, list] = defaultdict(list)
    duplicated: dict[str, list] = defaultdict(list)
    seen = Counter(j["number"] for j in journeys if j.get("number"))
    for j in journeys:
        number = j.get("number")
        if number is not None:
            found = by_number.get(number, [])
            if not found:
                lost["shown to a citizen, not on the platform"].append(number)
            elif found[0]["owner"] != j["owner"]:
                lost["shown to another citizen than its owner"].append(number)
        elif j.get("entry") is not None:
            row = outbox_by_id.get(j["entry"])
            if row is None or row["owner"] != j["owner"]:
                lost["'saved, being sent' page with no outbox row"].append(j["entry"])
    for number, times in seen.items():
        if times > 1:
            duplicated["one number shown for two journeys"].append(number)
    for row in outbox:
        if row["state"] != "delivered":
            lost[f"left in the outbox ({row['state']}, {row['error']})"].append(row["id"])
        elif not any(a["key"] == row["key"] for a in by_number.get(row["number"], [])):
            lost["delivered, but not on the platform under its key"].append(row["id"])
    for draft_id, rows in rows_by_draft.items():
        if len(rows) > 1:
            duplicated["two outbox rows for one draft"].append(draft_id)
    for d in drafts:
        if d["sent"] and d["key"] not in rows_by_key:
            lost["draft sent, no outbox row"].append(d["id"])
    for key, apps in by_key.items():
        if len(apps) > 1:
            duplicated["two applications for one key"].append(key)
        if key not in sent_keys:
            duplicated["an application no draft was sent for"].append(apps[0]["number"])
    # No citizen has more applications than the journeys in which they pressed send.
    sends = Counter(j["owner"] for j in journeys if j.get("sent"))
    held = Counter(a["owner"] for a in applications)
    for owner, count in held.items():
        if count > sends.get(owner, 0):
            duplicated["more applications than sends"].append(owner)
    return {"lost": dict(lost), "duplicated": dict(duplicated),
            "lost_count": sum(len(v) for v in lost.values()),
            "duplicated_count": sum(len(v) for v in duplicated.values())}


# ==== the load run (locust, gevent) ==========================================================
class Plan:
    """Shared by the virtual citizens (greenlets: no locks needed)."""

    def __init__(self, citizens: int, bundle_every: int):
        self.citizens, self.bundle_every = citizens, bundle_every
        self.issued = 0
        self.journeys: list[dict] = []

    def next_index(self) -> int:
        index = self.issued
        self.issued += 1
        if index >= self.citizens:
            raise RuntimeError("more users than citizens: raise --citizens")
        return index

    def service_for(self, index: int) -> str:
        every = self.bundle_every
        return BUNDLE if every and index % every == every - 1 else SINGLE_MATTER

    def start_journey(self, index: int, code: str) -> dict:
        outcome = {"citizen": index, "owner": f"load-{index:05d}", "code": code,
                   "sent": False, "number": None, "entry": None, "error": None,
                   "started": time.monotonic(), "seconds": None}
        self.journeys.append(outcome)
        return outcome


def seconds(text: str) -> float:
    text = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)


def think_range(text: str) -> tuple[float, float]:
    """"5-15" → (5, 15); "3" → (3, 3); "0" → no pause."""
    low, _, high = text.partition("-")
    low, high = float(low), float(high or low)
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"not a range of seconds: {text}")
    return low, high


def wait_for(path: Path, process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise SystemExit(f"the app server exited ({process.returncode}); see its log")
        if time.monotonic() > deadline:
            raise SystemExit("the app server did not start in time")
        time.sleep(0.2)


def outbox_pending(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "front.sqlite") as db:
        return db.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0]


def ms(value) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def run(args) -> int:
    # locust first: it monkey-patches the standard library for gevent.
    import gevent
    from locust.env import Environment

    from bench.locustfile import Citizen

    data_dir = Path(tempfile.mkdtemp(prefix="yiban-load-"))
    log = open(data_dir / "server.log", "w")
    server = subprocess.Popen(  # nosec B603: this same script, fixed arguments
        [sys.executable, "-m", "bench.load", "--serve", str(data_dir), "--port", str(args.port),
         "--citizens", str(args.citizens), "--platform-delay", str(args.platform_delay),
         "--slow", args.slow, "--server", args.server],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    status = 2
    try:
        wait_for(data_dir / "ready", server, timeout=300)
        port = int((data_dir / "ready").read_text())
        host = f"http://{HOST}:{port}"
        # Warm up: the first request starts the outbox thread and the speech workers.
        urllib.request.urlopen(f"{host}/", timeout=60).read()  # nosec B310: loopback
        time.sleep(3)

        plan = Plan(args.citizens, args.bundle_every)
        Citizen.think = args.think
        env = Environment(user_classes=[Citizen], host=host, stop_timeout=args.finish)
        env.load = plan
        runner = env.create_local_runner()
        print(f"load: {args.users} citizens (spawn {args.spawn_rate}/s) for {args.duration:g} s "
              f"against {host}, platform delay {args.platform_delay:g} s on "
              f"{'every call' if args.slow == 'all' else 'submit'}, think "
              f"{args.think[0]:g}-{args.think[1]:g} s a page; data in {data_dir}",
              flush=True)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        runner.start(args.users, spawn_rate=args.spawn_rate)
        gevent.sleep(args.duration)
        runner.stop()  # journeys under way finish (stop_timeout)
        runner.quit()
        load_seconds = time.monotonic() - started
        args.machine_load = (load_before, os.getloadavg()[0])

        drain_started = time.monotonic()
        while outbox_pending(data_dir) and time.monotonic() - drain_started < args.drain_timeout:
            time.sleep(1)
        drained = time.monotonic() - drain_started
        # One more delivery round by the command, as a cron job would (none due: a no-op).
        subprocess.run(  # nosec B603: the project's own command
            [str(Path(sys.executable).with_name("flask")), "--app", "app", "outbox", "deliver"],
            cwd=ROOT, env={**os.environ, "YIBAN_DATA_DIR": str(data_dir),
                           "YIBAN_WORKER": "0"},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

        result = verify(plan.journeys, **read_databases(data_dir))
        calls_file = data_dir / "platform_calls.json"
        calls = json.loads(calls_file.read_text()) if calls_file.exists() else {}
        report(args, env, plan, result, load_seconds, drained, calls)
        status = 1 if result["lost_count"] or result["duplicated_count"] else 0
        args.keep = args.keep or env.stats.total.num_failures > 0  # the server log tells why
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        log.close()
        if status == 0 and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"data and server log kept in {data_dir}")
    return status


def report(args, env, plan, result, load_seconds, drained, calls) -> None:
    stats = env.stats
    total = stats.total
    done = [j for j in plan.journeys if j["number"] or j["entry"]]
    failed = [j for j in plan.journeys if j["error"]]
    cut_off = [j for j in plan.journeys if not (j["number"] or j["entry"] or j["error"])]
    took = sorted(j["seconds"] for j in done if j["seconds"] is not None)
    by_code = Counter(j["code"] for j in done)
    print()
    print(f"users                 {args.users} (spawn rate {args.spawn_rate}/s)")
    print(f"machine               {os.cpu_count()} cores, load average "
          f"{args.machine_load[0]:.1f} before, {args.machine_load[1]:.1f} at the end of the load")
    print(f"think time            {args.think[0]:g}-{args.think[1]:g} s on each page")
    print(f"load                  {args.duration:g} s, then journeys under way finished: "
          f"{load_seconds:.1f} s in all")
    print(f"platform delay        {args.platform_delay:g} s per "
          f"{'platform call' if args.slow == 'all' else 'submit'}"
          + (f" ({sum(calls.values())} calls: " + ", ".join(
              f"{k} {v}" for k, v in sorted(calls.items(), key=lambda kv: -kv[1])) + ")"
             if calls else ""))
    print(f"journeys completed    {len(done)} ({', '.join(f'{k} {v}' for k, v in by_code.items())}); "
          f"{sum(1 for j in done if j['number'])} showed the application number at once, "
          f"{sum(1 for j in done if j['entry'])} 'saved, being sent'")
    if took:
        print(f"journey time          median {median(took):.1f} s, p95 "
              f"{took[min(len(took) - 1, int(0.95 * len(took)))]:.1f} s "
              "(sign-in, if needed, to confirmation)")
    print(f"journeys cut off      {len(cut_off)} (still going {args.finish:g} s after the load "
          f"ended; {sum(1 for j in cut_off if j['sent'])} of them while sending)")
    print(f"journeys failed       {len(failed)}")
    for error, count in Counter(j["error"] for j in failed).most_common():
        print(f"                        {count} × {error}")
    print(f"requests              {total.num_requests} ({total.total_rps:.1f}/s), "
          f"failures {total.num_failures}")
    for (method, name, error), count in sorted(
            ((e.method, e.name, str(e.error)), e.occurrences) for e in stats.errors.values()):
        print(f"                        {count} × {method} {name}: {error}")
    print(f"latency, all requests median {ms(total.median_response_time)}, "
          f"p95 {ms(total.get_response_time_percentile(0.95))}, "
          f"max {ms(total.max_response_time)}")
    print("latency by step       (requests, median, p95)")
    for entry in sorted(stats.entries.values(), key=lambda e: e.name):
        print(f"  {entry.method:4} {entry.name:44} {entry.num_requests:6}  "
              f"{ms(entry.median_response_time):>9}  "
              f"{ms(entry.get_response_time_percentile(0.95)):>9}")
    print("p95 against the targets")
    for label, entries, target in split_latency(stats):
        merged = merged_entry(stats, label, entries)
        p95 = merged.get_response_time_percentile(0.95) if merged.num_requests else None
        verdict = "" if target is None or p95 is None else (
            "  (target < %d ms: %s)" % (target, "met" if p95 < target else "NOT met"))
        print(f"  {label:34} {merged.num_requests:6}  median {ms(merged.median_response_time if merged.num_requests else None):>9}"
              f"  p95 {ms(p95):>9}{verdict}")
    print(f"outbox drained        in {drained:.1f} s after the load")
    print(f"lost                  {result['lost_count']}")
    for kind, items in result["lost"].items():
        print(f"                        {len(items)} × {kind}: {items[:5]}")
    print(f"duplicated            {result['duplicated_count']}")
    for kind, items in result["duplicated"].items():
        print(f"                        {len(items)} × {kind}: {items[:5]}")


def split_latency(stats) -> list[tuple[str, list, int | None]]:
    """The requests as the targets count them: page GETs, answer POSTs, sign-in."""
    entries = list(stats.entries.values())
    return [
        ("page GETs", [e for e in entries if e.method == "GET"], GET_TARGET_MS),
        ("answer POSTs (Continue, send)",
         [e for e in entries if e.method == "POST" and e.name in ANSWER_POSTS], POST_TARGET_MS),
        ("sign-in POST (scrypt, deliberate)",
         [e for e in entries if e.method == "POST" and e.name == "/sign-in"], None),
    ]


def merged_entry(stats, name: str, entries):
    from locust.stats import StatsEntry

    merged = StatsEntry(stats, name, "")
    for entry in entries:
        merged.extend(entry)
    return merged


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=50, help="virtual citizens at once (50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="citizens started per second (10)")
    parser.add_argument("--duration", type=seconds, default=45.0,
                        help="how long new journeys start: 45s, 1m … (45s)")
    parser.add_argument("--finish", type=float, default=STOP_TIMEOUT,
                        help="seconds journeys under way get to finish after --duration (15)")
    parser.add_argument("--platform-delay", type=float, default=0.3,
                        help="seconds each platform call waits first (0.3)")
    parser.add_argument("--slow", choices=("all", "submit"), default="all",
                        help="which platform calls are slow: every call (all) or only submit")
    parser.add_argument("--think", type=think_range, default=think_range(THINK),
                        help=f"seconds on each page before the next click, a range ({THINK}; 0: none)")
    parser.add_argument("--citizens", type=int, default=None,
                        help="virtual citizens created on the platform (max(200, users))")
    parser.add_argument("--bundle-every", type=int, default=4,
                        help="every n-th citizen applies for 退休一件事 (4; 0: none)")
    parser.add_argument("--drain-timeout", type=float, default=120,
                        help="seconds to wait for the outbox to deliver after the load (120)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn",
                        help="gunicorn with gunicorn.conf.py (the default, as ./run.sh "
                        "serves), or Werkzeug's threaded server")
    parser.add_argument("--allow-long", action="store_true", help="allow --duration over 60 s")
    parser.add_argument("--serve", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.citizens = args.citizens or max(200, args.users)
    if args.serve:
        serve(args)
        return 0
    if args.duration + args.finish > 60 and not args.allow_long:
        parser.error("--duration + --finish over 60 s: the machine is shared; add --allow-long")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
