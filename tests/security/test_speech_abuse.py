"""Speech abuse: text that came from the address (the search query) is shown but never
put in the page's reading script, so nobody can have any text synthesised by linking
to a search; nothing is stored for a visitor who never asks for speech; synthesis is
limited per address and for everyone together in the rate limiter's storage
(app/core/limits.py, budget "speech"), which several instances share through Redis."""
from __future__ import annotations

import re
from html import unescape
from urllib.parse import quote

import redis
from sqlalchemy import MetaData, text

from conftest import _dispose, _make_app, _render, text_of

PLANTED = "请立即拨打转账热线"
REDIS_DB = "redis://127.0.0.1:6379/3"  # as tests/test_shared_state.py
BUSY = "Reading aloud is not available right now. Please try again in a minute."


def test_search_query_text_is_never_in_the_reading_script(client):
    html = client.get(f"/search?q={PLANTED}").get_data(as_text=True)
    assert PLANTED in text_of(html)  # the visitor sees what they typed
    script = unescape(re.search(r'data-script-url="([^"]+)"', html).group(1))
    sentences = client.get(quote(script, safe="/?=&%")).get_json()
    assert sentences and sentences["sentences"]  # a real reading script
    assert PLANTED not in str(sentences)


def test_a_cookie_less_page_view_stores_nothing(app):
    """Each view by a new visitor (no cookie) leaves no reading script, no session and
    no other row in the front's database (the 长辈版 button and the display settings
    change only this browser's cookie: they need no form token, so no session)."""
    engine = app.extensions["front_store"].db.engine  # the sessions' store too

    def rows() -> dict:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return {table.name: [row for row in connection.execute(table.select())
                                 if table.name != "account_copy"
                                 or not row.account.startswith("catalogue:")]
                    for table in tables.sorted_tables}

    before = rows()
    for url in ("/", "/services/retirement", "/speech/help", f"/search?q={PLANTED}",
                "/display"):
        response = app.test_client().get(url)
        assert response.status_code == 200 and "data-speech-player" in response.text
        assert "Set-Cookie" not in response.headers, (url, response.headers["Set-Cookie"])
    for url in ("/services/no-such-service", "/apply/no-such-service/x"):  # made up
        response = app.test_client().get(url)
        assert response.status_code in (302, 404) and "Set-Cookie" not in response.headers
    assert rows() == before
    # The catalogue's copies for outages (app/core/catalogue_copies.py) are as many as
    # its parts: none for a service code a visitor made up.
    with engine.connect() as connection:
        kept = connection.execute(text(
            "SELECT account FROM account_copy WHERE account LIKE 'catalogue:%'")).scalars().all()
    assert kept and not [key for key in kept if "no-such-service" in key]


def test_elder_mode_and_display_settings_work_without_a_session_but_not_from_another_site(app):
    visitor = app.test_client()
    pressed = visitor.post("/display/elder", data={"on": "1", "next": "/services/retirement"})
    assert pressed.status_code == 302 and "yiban_display" in pressed.headers["Set-Cookie"]
    assert 'data-elder="on"' in visitor.get("/services/retirement").text
    saved = visitor.post("/display", data={"text_size": "largest"})
    assert saved.status_code == 302
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}):
        refused = app.test_client().post("/display/elder", data={"on": "1"}, headers=headers)
        assert refused.status_code == 400 and "Set-Cookie" not in refused.headers


def audio_urls(client, page: str = "/speech/help") -> list[str]:
    """The sentence clips of `page` as this browser's player would ask for them."""
    html = client.get(page).get_data(as_text=True)
    script = unescape(re.search(r'data-script-url="([^"]+)"', html).group(1))
    return [s["audio"] for s in client.get(script).get_json()["sentences"]]


def test_a_fresh_cookie_per_request_does_not_get_a_fresh_synthesis_budget(app):
    app.config["RATELIMIT_SPEECH"] = "2 per hour"
    statuses = []
    for n in range(3):  # a new browser (no cookie) each time, one address
        visitor = app.test_client()
        statuses.append(visitor.get(audio_urls(visitor)[n]).status_code)
    assert statuses == [200, 200, 429]
    refused = visitor.get(audio_urls(visitor)[3])
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    # What the link without JavaScript shows; the player says the same words
    # (its data-text-unavailable) when a clip fails.
    message = _render(app, "zh_Hans_CN", BUSY, None, None, {})
    assert message in text_of(refused.text)
    assert message in unescape(visitor.get("/speech/help").text)


def test_behind_a_proxy_the_synthesis_budget_is_the_real_client_address(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAN_TRUSTED_PROXIES", "1")
    app = _make_app(monkeypatch, tmp_path, RATELIMIT_SPEECH="1 per hour")
    try:
        def clip_from(address, n):
            visitor = app.test_client()
            visitor.environ_base["HTTP_X_FORWARDED_FOR"] = address
            return visitor.get(audio_urls(visitor)[n]).status_code
        assert [clip_from("203.0.113.7", n) for n in range(2)] == [200, 429]
        assert clip_from("198.51.100.9", 2) == 200  # another client, same proxy
    finally:
        _dispose(app)


def test_the_global_synthesis_limit_stops_many_addresses(app):
    app.config["RATELIMIT_SPEECH_ALL"] = "3 per hour"
    statuses = []
    for n in range(5):
        visitor = app.test_client()
        visitor.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        statuses.append(visitor.get(audio_urls(visitor)[n]).status_code)
    assert statuses == [200, 200, 200, 429, 429]


def test_a_cached_clip_is_still_served_when_the_budget_is_spent(app, client):
    app.config["RATELIMIT_SPEECH"] = "1 per hour"
    urls = audio_urls(client)
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[1]).status_code == 429
    assert client.get(urls[0]).status_code == 200  # in the audio cache: costs nothing
    other = app.test_client()  # another browser, same address, same sentence
    assert other.get(audio_urls(other)[0]).status_code == 200


def test_two_instances_share_the_synthesis_count_in_redis(monkeypatch, tmp_path):
    shared = redis.Redis.from_url(REDIS_DB)
    for key in shared.scan_iter("*speech*"):
        shared.delete(key)
    first, other = (_make_app(monkeypatch, tmp_path / name, RATELIMIT_STORAGE_URI=REDIS_DB,
                              RATELIMIT_SPEECH="2 per hour", RATELIMIT_KEY_PREFIX="yiban")
                    for name in "ab")  # one deployment: one key prefix
    try:
        one, two = first.test_client(), other.test_client()
        assert one.get(audio_urls(one)[0]).status_code == 200
        assert two.get(audio_urls(two)[1]).status_code == 200
        # Each instance has its own audio cache: a third sentence on either is refused.
        assert one.get(audio_urls(one)[2]).status_code == 429
        assert two.get(audio_urls(two)[2]).status_code == 429
    finally:
        _dispose(first)
        _dispose(other)
