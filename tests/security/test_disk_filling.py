"""Anyone can fill the disk: answers parked for after sign-in belong to nobody yet, so
they are bounded in size (the question's own fields, at most their longest valid
answer), in number per address, and in time (pruned after the idle timeout)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from app.core.front_store import ParkedAnswers
from conftest import csrf_token

URL = "/apply/retirement/mobile"


def parked(store) -> list[ParkedAnswers]:
    with store.db.session() as s:
        return list(s.scalars(select(ParkedAnswers)))


def database_bytes(app) -> int:
    folder = Path(app.config["DATA_DIR"])
    return sum(p.stat().st_size for p in folder.glob("front.sqlite*"))


def post_anonymously(client, data: dict):
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    return client.post(URL, data={**data, "csrf_token": token})


def test_anonymous_post_of_25_large_fields_does_not_grow_the_database(client, app, store):
    post_anonymously(client, {"mobile": "13912345678"})  # the tables exist, WAL started
    before = database_bytes(app)
    junk = {f"field{i}": "x" * 400_000 for i in range(25)}
    response = post_anonymously(client, {**junk, "mobile": "1" * 400_000})
    assert response.status_code == 302
    assert database_bytes(app) - before < 200_000
    assert all(len(str(row.data)) < 8 * 1024 for row in parked(store))


def test_parking_is_limited_per_address(app, store):
    for _ in range(12):
        post_anonymously(app.test_client(), {"mobile": "13912345678"})
    assert len(parked(store)) == 10


def test_parked_answers_expire_after_the_idle_timeout_and_are_pruned(client, app, store):
    post_anonymously(client, {"mobile": "13912345678"})
    with store.db.session() as s:
        s.execute(update(ParkedAnswers).values(
            created_at=ParkedAnswers.created_at - timedelta(minutes=31)))
    result = app.test_cli_runner().invoke(args=["maintenance", "prune"])
    assert result.exit_code == 0, result.output
    assert "parked answers: 1 deleted" in result.output
    with store.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ParkedAnswers)) == 0
