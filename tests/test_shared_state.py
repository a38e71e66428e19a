"""State several instances share in Redis (db 3 of the local Redis here)."""
from __future__ import annotations

import redis

from app.platform.embedded.models import ServiceRow
from app.core.shared_state import CATALOGUE_VERSION
from conftest import _dispose, _make_app

REDIS_DB = "redis://127.0.0.1:6379/3"
NEW_NAME = "银发测试服务"


def _add_service(platform) -> None:
    with platform.db.session() as s:
        retirement = s.get(ServiceRow, "retirement")
        s.add(ServiceRow(code="silver-test", position=99, kind=retirement.kind,
                         life_event=retirement.life_event, promise_days=5,
                         doc={**retirement.doc, "name": NEW_NAME, "keywords": []}))


def test_a_catalogue_change_announced_on_one_instance_reaches_another(
        monkeypatch, tmp_path):
    redis.Redis.from_url(REDIS_DB).delete(CATALOGUE_VERSION)
    first = _make_app(monkeypatch, tmp_path / "a", REDIS_URL=REDIS_DB)
    other = _make_app(monkeypatch, tmp_path / "b", REDIS_URL=REDIS_DB)
    try:
        client = first.test_client()
        assert "silver-test" not in client.get(f"/search?q={NEW_NAME}").get_data(as_text=True)
        _add_service(first.extensions["platform"])
        # Its index was built before the change: not found yet.
        assert "silver-test" not in client.get(f"/search?q={NEW_NAME}").get_data(as_text=True)
        result = other.test_cli_runner().invoke(args=["catalogue", "changed"])
        assert "version moved on" in result.output
        assert "silver-test" in client.get(f"/search?q={NEW_NAME}").get_data(as_text=True)
    finally:
        _dispose(first)
        _dispose(other)
