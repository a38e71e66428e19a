"""`flask access-log verify`: the access log is tamper-evident to someone who can write
to the database but has neither the access-log key nor the checkpoints.
Each attack below passed the plain sha256 chain of 3bfec37; now the command
names what is wrong and exits 1."""
from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from sqlalchemy import text

from app.core.crypto import CHAIN_KEYS_FILE
from conftest import WANG, ZHOU, _dispose, _make_app

EVERY = 3  # a checkpoint with the first entry and every 3 entries


@pytest.fixture
def app(monkeypatch, tmp_path, _seeded_data):
    shutil.copytree(_seeded_data, tmp_path, dirs_exist_ok=True)
    application = _make_app(monkeypatch, tmp_path, ACCESS_LOG_CHECKPOINT_EVERY=EVERY)
    yield application
    _dispose(application)


def fill_log(app, entries: int = 4) -> list[int]:
    consents = app.extensions["consents"]
    authorisation = consents.grant(WANG.id, ZHOU.id, None, 24, "remote")  # entry 1
    ids = [consents.record_access(WANG.id, ZHOU.id, "helper", "view_applications").id
           for _ in range(entries - 1)]
    assert consents.authorisation(authorisation.id, WANG.id) is not None
    return ids


def run(app, *args):
    """Run the command; its output is what the terminal shows (stdout and stderr)."""
    return app.test_cli_runner().invoke(args=["access-log", *args])


def verify(app):
    return run(app, "verify")


def raw_sql(app, statement: str, **params):
    with app.extensions["front_store"].db.engine.begin() as connection:
        return connection.execute(text(statement), params).all() if statement.startswith(
            "SELECT") else connection.execute(text(statement), params)


def checkpoint_file(app):
    return app.config["ACCESS_LOG_CHECKPOINTS"]


def recompute_with_sha256(app, keyless: bool) -> None:
    """What an attacker with the database but not the key can do: chain every entry
    again from the start as 3bfec37 did (sha256 of the previous hash and the entry),
    keeping each entry's key id or (keyless) passing them off as entries from before keys."""
    prev = ""
    for row in raw_sql(app, "SELECT id, citizen_id, actor_id, actor_kind, action, object_ref, "
                            "at FROM access_log ORDER BY id"):
        fields = dict(row._mapping)
        at = fields["at"]
        fields["at"] = (at.isoformat(timespec="microseconds") if hasattr(at, "isoformat")
                        else at.replace(" ", "T"))
        row_id = fields.pop("id")
        canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256((prev + canonical).encode()).hexdigest()
        key = ", key_id = NULL" if keyless else ""
        raw_sql(app, f"UPDATE access_log SET prev_hash = :prev, hash = :hash{key} WHERE id = :id",
                prev=prev, hash=digest, id=row_id)
        prev = digest


def assert_refused(result, starts: str) -> None:
    """The command said what is wrong and exited 1 on purpose (a crash also exits 1,
    with an exception other than SystemExit and no such line)."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert result.output.startswith(starts), result.output


def assert_broken_at(result, entry_id: int) -> None:
    assert_refused(result, f"BROKEN: access-log entry {entry_id} does not match the chain")


# ---- an untouched log ------------------------------------------------------------------
def test_an_intact_log_is_ok_with_its_entry_count(app):
    fill_log(app)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 4 entries in the access log, the chain is intact; "
                                    "it holds the latest checkpoint (3 at "), result.output


def test_an_empty_log_is_ok(app):
    result = verify(app)
    assert result.exit_code == 0 and "0 entries" in result.output


def test_entries_are_chained_with_a_key_and_checkpointed_outside_the_database(app):
    fill_log(app, 7)
    rows = raw_sql(app, "SELECT key_id, hash FROM access_log ORDER BY id")
    assert {key_id for key_id, _ in rows} == {app.extensions["consents"].keys.newest}
    lines = [json.loads(line) for line in checkpoint_file(app).read_text().splitlines()]
    # With the first entry, then every EVERY entries: count and head, signed.
    assert [(c["count"], c["head"]) for c in lines] == [(1, rows[0][1]), (3, rows[2][1]),
                                                        (6, rows[5][1])]
    assert all(c["legacy"] == 0 and len(c["mac"]) == 64 for c in lines)


# ---- the attacks -------------------------------------------------------------------------
def test_truncating_the_tail_is_detected(app):
    ids = fill_log(app, 7)  # checkpoints at 1, 3 and 6 entries
    raw_sql(app, "DELETE FROM access_log WHERE id >= :id", id=ids[3])  # 5, 6, 7 cut off
    result = verify(app)
    assert_refused(result, "TRUNCATED: the access log has 4 entries, but the checkpoint of ")
    assert "recorded 6: the last 2 or more were cut off" in result.output


def test_truncating_the_tail_after_a_cron_checkpoint_is_detected(app):
    ids = fill_log(app, 5)
    written = run(app, "checkpoint")
    assert written.exit_code == 0 and written.output.startswith("checkpoint: 5 entries")
    raw_sql(app, "DELETE FROM access_log WHERE id = :id", id=ids[-1])
    assert_refused(verify(app), "TRUNCATED: the access log has 4 entries")


def test_cutting_the_whole_log_is_detected(app):
    fill_log(app, 2)
    raw_sql(app, "DELETE FROM access_log")
    assert_refused(verify(app), "TRUNCATED: the access log has 0 entries")


def test_deleting_a_middle_row_and_recomputing_with_sha256_is_detected(app):
    ids = fill_log(app, 5)
    raw_sql(app, "DELETE FROM access_log WHERE id = :id", id=ids[1])
    recompute_with_sha256(app, keyless=False)
    assert_broken_at(verify(app), 1)  # no entry's hash is its keyed hash any more


def test_deleting_a_middle_row_and_passing_the_log_off_as_from_before_keys_is_detected(app):
    ids = fill_log(app, 5)
    raw_sql(app, "DELETE FROM access_log WHERE id = :id", id=ids[1])
    recompute_with_sha256(app, keyless=True)
    result = verify(app)
    assert_broken_at(result, 1)
    assert "written without the access-log key after the keyed chain began" in result.output


def test_editing_a_row_is_detected(app):
    ids = fill_log(app)
    raw_sql(app, "UPDATE access_log SET action = 'view_profile' WHERE id = :id", id=ids[1])
    assert_broken_at(verify(app), ids[1])


def test_an_entry_removed_from_the_middle_names_the_one_after_it(app):
    ids = fill_log(app)
    raw_sql(app, "DELETE FROM access_log WHERE id = :id", id=ids[0])
    assert_broken_at(verify(app), ids[1])


def test_a_rewritten_time_is_caught_too(app):
    ids = fill_log(app)
    raw_sql(app, "UPDATE access_log SET at = '2020-01-01 00:00:00.000000' WHERE id = :id",
            id=ids[-1])
    assert_broken_at(verify(app), ids[-1])


@pytest.mark.parametrize("tamper", ["count lowered", "signature removed", "line without the key"])
def test_a_checkpoint_file_that_is_tampered_with_is_detected(app, tamper):
    ids = fill_log(app, 7)
    path = checkpoint_file(app)
    lines = path.read_text().splitlines()
    latest = json.loads(lines[-1])
    if tamper == "count lowered":  # to hide the 3 entries cut off below
        lines[-1] = json.dumps({**latest, "count": 3})
    elif tamper == "signature removed":
        lines[-1] = json.dumps({k: v for k, v in latest.items() if k != "mac"})
    else:  # a checkpoint made up by someone who only has the database's hashes
        lines.append(json.dumps({**latest, "count": 4, "mac": "0" * 64}))
    path.write_text("\n".join(lines) + "\n")
    raw_sql(app, "DELETE FROM access_log WHERE id >= :id", id=ids[2])
    assert_refused(verify(app), f"CHECKPOINT FORGED: line {len(lines)} of {path}")


def test_a_checkpoint_is_never_written_over_a_tampered_log(app):
    ids = fill_log(app)
    raw_sql(app, "UPDATE access_log SET action = 'view_profile' WHERE id = :id", id=ids[1])
    before = checkpoint_file(app).read_text()
    assert_broken_at(run(app, "checkpoint"), ids[1])
    assert checkpoint_file(app).read_text() == before


def test_verify_reads_a_copy_of_the_checkpoints_kept_elsewhere(app, tmp_path):
    ids = fill_log(app, 7)
    copy = tmp_path / "from-the-sink.jsonl"
    shutil.copy(checkpoint_file(app), copy)
    checkpoint_file(app).unlink()  # the local file is gone; the sink kept its copy
    raw_sql(app, "DELETE FROM access_log WHERE id >= :id", id=ids[3])
    assert_refused(run(app, "verify"), "NO CHECKPOINT: 4 entries")
    assert_refused(run(app, "verify", "--checkpoints", str(copy)), "TRUNCATED")


# ---- keys --------------------------------------------------------------------------------
def test_rotation_keeps_old_entries_verifying(app, monkeypatch, tmp_path):
    fill_log(app, 4)
    old_key = app.extensions["consents"].keys.newest
    rotated = run(app, "rotate-key")
    assert rotated.exit_code == 0, rotated.output
    _dispose(app)
    restarted = _make_app(monkeypatch, tmp_path, ACCESS_LOG_CHECKPOINT_EVERY=EVERY)
    try:
        new_key = restarted.extensions["consents"].keys.newest
        assert new_key != old_key and new_key in rotated.output
        fill_log(restarted, 4)
        key_ids = [k for (k,) in raw_sql(restarted, "SELECT key_id FROM access_log ORDER BY id")]
        assert key_ids == [old_key] * 4 + [new_key] * 4
        result = verify(restarted)
        assert result.exit_code == 0 and result.output.startswith("OK: 8 entries"), result.output
    finally:
        _dispose(restarted)


def test_an_entry_whose_key_is_no_longer_configured_is_named(app, monkeypatch, tmp_path):
    fill_log(app, 2)
    run(app, "rotate-key")
    keys = (tmp_path / CHAIN_KEYS_FILE).read_text().split()
    (tmp_path / CHAIN_KEYS_FILE).write_text(keys[0] + "\n")  # the old key removed too early
    _dispose(app)
    restarted = _make_app(monkeypatch, tmp_path)
    try:
        result = verify(restarted)
        assert_refused(result, "CHECKPOINT FORGED: line 1")  # signed with the old key too
        assert "which is not among the configured access-log keys" in result.output
        checkpoint_file(restarted).unlink()
        result = verify(restarted)
        assert_broken_at(result, 1)
        assert "chained with key k" in result.output
    finally:
        _dispose(restarted)


def test_rotating_with_keys_in_the_environment_prints_a_key_to_add(app, monkeypatch):
    monkeypatch.setenv("YIBAN_ACCESS_LOG_KEYS", "an-old-key")
    result = run(app, "rotate-key")
    new_key = result.output.splitlines()[0]
    assert len(new_key) == 64 and "put it first in YIBAN_ACCESS_LOG_KEYS" in result.output


# ---- entries from before keys ------------------------------------------------------------
def test_entries_chained_before_keys_keep_verifying_and_are_sealed_as_they_are(app):
    """An upgraded log: its entries were chained with plain sha256. They are not
    rewritten; the first keyed entry writes a checkpoint sealing them."""
    fill_log(app, 3)
    checkpoint_file(app).unlink()
    recompute_with_sha256(app, keyless=True)  # exactly what 3bfec37 wrote
    before = raw_sql(app, "SELECT id, hash FROM access_log ORDER BY id")
    assert verify(app).exit_code == 0  # not sealed yet, nothing keyed after them
    fill_log(app, 2)
    assert raw_sql(app, "SELECT id, hash FROM access_log ORDER BY id")[:3] == before
    seal = json.loads(checkpoint_file(app).read_text().splitlines()[0])
    assert (seal["count"], seal["legacy"], seal["head"]) == (3, 3, before[-1][1])
    result = verify(app)
    assert result.exit_code == 0 and result.output.startswith("OK: 5 entries"), result.output
    # Sealed: one of them rewritten and the old entries recomputed is caught.
    raw_sql(app, "UPDATE access_log SET action = 'view_profile' WHERE id = 2")
    recompute_with_sha256(app, keyless=True)
    assert_refused(verify(app), "BROKEN: access-log entry 3 does not match the chain: the "
                                "checkpoint of ")
