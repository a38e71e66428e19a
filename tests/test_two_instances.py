"""Two instances, as an operator runs them: two gunicorn servers, each with its own data
folder (two hosts), started at the same moment on one PostgreSQL and one Redis. A
citizen signs in on one and goes on, on the other, as a load balancer would send
them; signing out on one ends the session on both; failed sign-ins count together.

Runs when YIBAN_TEST_DATABASE_URL names a PostgreSQL database (.ci/run's PostgreSQL
step) and Redis answers on 127.0.0.1:6379; each run gets its own databases."""
from __future__ import annotations

import os
import re
import secrets
import subprocess  # nosec B404 - starts our own gunicorn and flask
import sys
import threading
from pathlib import Path

import pytest
import redis
import requests
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.pages import Server
from databases import TEST_DATABASE_URL

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
    env = {"YIBAN_DATABASE_URL": front, "YIBAN_PLATFORM_DATABASE_URL": platform,
           "YIBAN_REDIS_URL": REDIS_URL, "SECRET_KEY": secrets.token_hex(32),
           "YIBAN_DATA_KEYS": Fernet.generate_key().decode(),
           "YIBAN_LOOKUP_KEY": secrets.token_hex(32),
           "YIBAN_ACCESS_LOG_KEYS": secrets.token_hex(32), "WEB_CONCURRENCY": "2"}
    # The schema and the seed once, as docs/deploy.md says (`db upgrade` before start).
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],  # nosec
                   cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, **env, "YIBAN_DATA_DIR": str(tmp_path_factory.mktemp("up"))})
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
        yield servers
    finally:
        for server in servers:
            if server:
                server.stop()
        with _admin().connect() as admin:
            for name in names:
                admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
