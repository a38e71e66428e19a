"""What a page costs: platform calls counted on the real embedded platform, and static
files served without the app (no session, no database, no platform)."""
from __future__ import annotations

import re

from conftest import ZHANG, sign_in_as
from sqlalchemy import event

# Reads about a person (or for a person's page) as opposed to the shared catalogue.
PER_PERSON = {"person", "helper", "find_helper", "applications_of", "application",
              "authenticate", "authenticate_helper", "supplements_due"}


class CountingPlatform:
    """The real platform, with each call written down (not a mock: every call goes
    through to the embedded platform)."""

    def __init__(self, real):
        self._real = real
        self.calls: list[str] = []

    def __getattr__(self, name):
        attr = getattr(self._real, name)
        if not callable(attr):
            return attr

        def counted(*args, **kwargs):
            self.calls.append(name)
            return attr(*args, **kwargs)
        return counted


def count_sql(app) -> list[str]:
    statements: list[str] = []
    engines = [app.extensions["front_store"].db.engine, app.extensions["platform"].db.engine]
    for engine in engines:
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, statement, *a: statements.append(statement))
    return statements


def test_a_signed_in_question_page_makes_at_most_one_platform_call_for_the_person(app, client):
    counting = app.extensions["platform"] = CountingPlatform(app.extensions["platform"])
    sign_in_as(client, ZHANG)
    client.get("/apply/retirement")
    url = "/apply/retirement/full_name"
    assert client.get(url).status_code == 200  # the catalogue is in memory after this
    for _ in range(3):
        counting.calls.clear()
        response = client.get(url)
        assert response.status_code == 200
        per_person = [c for c in counting.calls if c in PER_PERSON]
        assert len(per_person) <= 1, counting.calls
        # The catalogue comes from memory: at most its version is asked (and the
        # shared event feed, which the message centre reads before a signed-in page).
        assert set(counting.calls) - PER_PERSON <= {"catalogue_version", "feed"}, \
            counting.calls


def test_the_catalogue_is_asked_again_when_its_version_changes(app, client):
    from app.platform.embedded.models import ServiceRow

    name = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
    before = client.get("/services/retirement").get_data(as_text=True)
    platform = app.extensions["platform"]
    with platform.db.session() as s:
        row = s.get(ServiceRow, "retirement")
        row.doc = {**row.doc, "name": "退休一件事（新）"}
    after = client.get("/services/retirement").get_data(as_text=True)
    assert name.search(before).group(1) != name.search(after).group(1)
    assert "退休一件事（新）" in name.search(after).group(1)


def test_static_files_touch_no_session_database_or_platform(app, client):
    sign_in_as(client, ZHANG)
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(assets) >= 3
    counting = app.extensions["platform"] = CountingPlatform(app.extensions["platform"])
    statements = count_sql(app)
    hooks = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: hooks.append(1))
    for asset in assets:
        response = client.get(asset, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, asset
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Cookie" not in response.headers.get("Vary", "")
        assert "Set-Cookie" not in response.headers
        assert response.headers.get("Content-Encoding") in ("br", "gzip")
    assert counting.calls == [] and statements == [] and hooks == []
