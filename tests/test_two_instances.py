"""Two instances, as an operator runs them: two gunicorn servers, each with its own data
folder (two hosts), started at the same moment on one PostgreSQL and one Redis, with
the platform over HTTP as a process of its own (`flask platform serve`) and uploaded
files in one S3-compatible bucket (s3rver). A citizen signs in on one and goes on, on
the other, as a load balancer would send them; signing out on one ends the session on
both; failed sign-ins count together; a file uploaded through one is sent by the other
and reaches the platform as its bytes; and when the platform stops mid-journey the
citizen sees the kind page, loses nothing, and the submission goes through once it is
back.

Runs when YIBAN_TEST_DATABASE_URL names a PostgreSQL database (.ci/run's PostgreSQL
step) and Redis answers on 127.0.0.1:6379; each run gets its own databases."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import subprocess  # nosec B404 - starts our own gunicorn and flask
import sys
import threading
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.core.crypto import Keyring
from app.platform.embedded import EmbeddedPlatform
from bench.pages import Server
from conftest import PDF_BYTES, ZHANG, inputs, wait_for
from databases import TEST_DATABASE_URL
from s3_server import S3Server
from served_platform import TOKEN, ServedPlatform

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/5"
MOBILE, PASSWORD = "13800000001", "yiban-demo-1"

pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL,
                                reason="needs PostgreSQL (YIBAN_TEST_DATABASE_URL)")


def _admin():
    return create_engine(TEST_DATABASE_URL, poolclass=NullPool,
                         isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as error:
        pytest.skip(f"Redis is not running: {error}")
    suffix = secrets.token_hex(4)
    names = [f"yiban_two_front_{suffix}", f"yiban_two_platform_{suffix}"]
    with _admin().connect() as admin:
        for name in names:
            admin.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(TEST_DATABASE_URL)
    front, platform = (base.set(database=name).render_as_string(hide_password=False)
                       for name in names)
    keys = {"SECRET_KEY": secrets.token_hex(32),
            "YIBAN_DATA_KEYS": Fernet.generate_key().decode(),
            "YIBAN_LOOKUP_KEY": secrets.token_hex(32),
            "YIBAN_ACCESS_LOG_KEYS": secrets.token_hex(32)}
    # The schema and the seed once, as docs/deploy.md says (`db upgrade` before start).
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],  # nosec
                   cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, **keys, "YIBAN_DATABASE_URL": front,
                        "YIBAN_PLATFORM_DATABASE_URL": platform,
                        "YIBAN_DATA_DIR": str(tmp_path_factory.mktemp("up"))})
    bucket = S3Server(tmp_path_factory.mktemp("s3rver"))
    served = ServedPlatform({"DATA_DIR": tmp_path_factory.mktemp("platform"),
                             "PLATFORM_DATABASE_URL": platform, "FRONT_DATABASE_URL": front},
                            tmp_path_factory.mktemp("platform-logs"), settings=keys)
    # The fronts know the platform by its URL only, never its database.
    env = {**keys, **bucket.env("two-instances"), "YIBAN_DATABASE_URL": front,
           "YIBAN_REDIS_URL": REDIS_URL, "WEB_CONCURRENCY": "2",
           "YIBAN_PLATFORM_URL": served.url, "YIBAN_PLATFORM_TOKEN": TOKEN,
           # Each front's own background worker delivers the outbox (looking every
           # second), and a front tries the platform again a second after its breaker
           # opened: the test's settings, not production's.
           "YIBAN_WORKER": "1", "YIBAN_OUTBOX_POLL_SECONDS": "1",
           "YIBAN_PLATFORM_BREAKER_RESET_SECONDS": "1"}
    servers: list = [None, None]

    def start(i):  # both at once: starting together must not race
        servers[i] = Server(ROOT, "app:create_app()", {
            **env, "YIBAN_DATA_DIR": str(tmp_path_factory.mktemp(f"host{i}"))})
    threads = [threading.Thread(target=start, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert all(servers), "an instance did not start"
        yield Deployment(*servers, served, EmbeddedPlatform(platform, keyring=Keyring(
            [keys["YIBAN_DATA_KEYS"]], keys["YIBAN_LOOKUP_KEY"])))
    finally:
        for server in servers:
            if server:
                server.stop()
        served.stop()
        bucket.stop()
        with _admin().connect() as admin:
            for name in names:
                admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class Deployment:
    def __init__(self, a: Server, b: Server, platform: ServedPlatform, office: EmbeddedPlatform):
        self.a, self.b, self.platform = a, b, platform
        self.office = office  # the platform's own data, as its back office sees it

    def __iter__(self):
        return iter((self.a, self.b))


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _sign_in(browser, base, password=PASSWORD) -> requests.Response:
    page = browser.get(f"{base}/sign-in")
    return browser.post(f"{base}/sign-in", allow_redirects=False, data={
        "csrf_token": _token(page.text), "login": MOBILE, "password": password})


def test_a_citizen_signed_in_on_one_instance_carries_on_on_the_other(instances):
    a, b = (server.base for server in instances)
    browser = requests.Session()
    assert _sign_in(browser, a).status_code == 302
    mine = browser.get(f"{b}/my/", allow_redirects=False)
    assert mine.status_code == 200, "the other instance did not know the sign-in"
    # An answer saved through b is there on a.
    page = browser.get(f"{b}/apply/remote-medical-filing/mobile")
    assert page.status_code == 200
    saved = browser.post(f"{b}/apply/remote-medical-filing/mobile", allow_redirects=False,
                         data={"csrf_token": _token(page.text), "mobile": "13912345678"})
    assert saved.status_code in (302, 303), saved.text[:500]
    again = browser.get(f"{a}/apply/remote-medical-filing/mobile").text
    assert 'value="13912345678"' in again or "139 1234 5678" in again
    # Signing out on a ends the session on b too.
    signed_in = browser.get(f"{a}/my/").text
    out = browser.post(f"{a}/sign-out", data={"csrf_token": _token(signed_in)},
                       allow_redirects=False)
    assert out.status_code in (302, 303)
    assert browser.get(f"{b}/my/", allow_redirects=False).status_code in (302, 303)


# ---- a file, and the platform stopped mid-journey --------------------------------------
def _answer(key: str, html: str, files: dict) -> tuple[dict, dict]:
    """Form data and files answering one question of remote-medical-filing."""
    if 'class="licence-fact"' in html:  # what the citizen's licence says: Continue
        return {a["name"]: a.get("value", "") for a in inputs(html)
                if a.get("type") == "hidden" and a.get("name") not in ("csrf_token", None)}, {}
    later = date.today() + timedelta(days=10)
    data = {"filing_type": {"filing_type": "long_term_resident"},
            "destination": {"destination": "海南省三亚市"},
            "start_date": {"start_date-year": str(later.year),
                           "start_date-month": str(later.month),
                           "start_date-day": str(later.day)},
            "mobile": {"mobile": MOBILE}}.get(key, {})
    return data, files if key in files else {}


def _walk(browser, base: str, path: str, until: str, files: dict) -> str:
    """Answer questions on `base` from `path` on, until the question `until` (or check
    answers); the path reached."""
    while not path.endswith(("/" + until, "/check")):
        page = browser.get(base + path)
        assert page.status_code == 200, (path, page.status_code)
        data, sent = _answer(path.rsplit("/", 1)[1], page.text, files)
        answered = browser.post(base + path, allow_redirects=False, files=sent or None,
                                data={"csrf_token": _token(page.text), **data})
        assert answered.status_code in (302, 303), (path, answered.text[:300])
        path = urlsplit(answered.headers["Location"]).path
    return path


def _check_answers(browser, url: str) -> requests.Response:
    page = browser.get(url)
    assert page.status_code == 200 and "居住证明.pdf" in page.text  # every answer there
    return page


def _send(browser, url: str, check: requests.Response) -> requests.Response:
    key = re.search(r'name="submission_key" value="([^"]+)"', check.text).group(1)
    return browser.post(url, allow_redirects=False,
                        data={"csrf_token": _token(check.text), "submission_key": key})


def _waiting_on_a_lock(engine) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar())


def _kind_page(response: requests.Response) -> bool:
    return response.status_code == 503 and "暂时无法连接" in response.text


def test_an_upload_through_one_instance_reaches_the_platform_across_its_outage(instances):
    a, b = (server.base for server in instances)
    scan = PDF_BYTES + os.urandom(200_000)  # a PDF is kept as it is: the same bytes
    files = {"residence_proof": ("居住证明.pdf", scan, "application/pdf")}
    browser = requests.Session()
    assert _sign_in(browser, a).status_code == 302
    start = browser.get(f"{a}/apply/remote-medical-filing", allow_redirects=False)
    path = urlsplit(start.headers["Location"]).path
    # The file goes up through a (into the bucket) …
    path = _walk(browser, a, path, "mobile", files)
    # … and the citizen carries on through b, as far as check answers.
    path = _walk(browser, b, path, "check", files)
    check = _check_answers(browser, b + path)

    # Sending: the platform takes the request, and while it is at it (held on a lock of
    # its database, so the moment is certain) its process dies.
    engine = instances.office.db.engine
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE application IN ACCESS EXCLUSIVE MODE"))
        sending: list = []
        thread = threading.Thread(target=lambda: sending.append(_send(browser, b + path, check)))
        thread.start()
        wait_for(lambda: _waiting_on_a_lock(engine), "the platform never took the submission")
        instances.platform.stop()
        thread.join(30)
        holder.rollback()
    [sent] = sending
    # Stored in the front's outbox: the citizen is told it is saved and on its way.
    assert sent.status_code in (302, 303) and "/submissions/" in sent.headers["Location"]
    # While the platform is down the citizen still sees what the fronts keep, on either
    # instance (who they are comes from the front's copy) …
    saved = browser.get(a + urlsplit(sent.headers["Location"]).path, allow_redirects=False)
    assert saved.status_code == 200 and "已保存，正在提交" in saved.text
    # … and what only the platform knows is the kind page: not an error page, no hang.
    assert _kind_page(browser.get(f"{b}/my/", allow_redirects=False))

    instances.platform.start()  # back, on the same address
    digest = hashlib.sha256(scan).hexdigest()

    def delivered():
        return [(application.number, application.answers["residence_proof"])
                for application in instances.office.applications_of(ZHANG.id)
                if application.answers.get("residence_proof", {}).get("sha256") == digest]
    # The fronts' outbox tries again by itself (its first retry comes after 15–18 s).
    wait_for(delivered, "the outbox did not deliver the submission", seconds=40)
    [(number, proof)] = delivered()  # once, however often it was tried
    assert proof["filename"] == "居住证明.pdf" and "stored" not in proof
    assert instances.office.document_content(proof["document"]) == scan
    assert browser.get(f"{a}/my/applications/{number}").status_code == 200


# Last: it spends the address's sign-in budget and slows the account down.
def test_failed_sign_ins_count_together_on_both_instances(instances):
    a, b = (server.base for server in instances)
    pages = []
    for attempt in range(22):  # alternately on a and on b, each from a fresh browser
        browser = requests.Session()
        browser.headers["Accept-Language"] = "en"
        pages.append(_sign_in(browser, (a, b)[attempt % 2], password="wrong-password"))
    # The account's slow-down (in the shared database) after the free tries …
    assert "Too many tries" not in pages[2].text
    assert "Too many tries" in pages[3].text and "Too many tries" in pages[4].text
    # … and the address's limit (20 a minute, counted in Redis): reached across both
    # by the 21st try (the first test's sign-in counts too), where counting on each
    # instance alone would allow 40.
    codes = [page.status_code for page in pages]
    assert set(codes[:15]) == {200} and codes[-1] == 429 and 429 in codes[:21], codes
