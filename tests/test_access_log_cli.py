"""`flask access-log verify`: the chain of the access log is checked from the command
line, and the first entry that was tampered with is named (exit status 1)."""
from __future__ import annotations

from sqlalchemy import text

from conftest import WANG, ZHOU


def fill_log(app, entries: int = 4) -> list[int]:
    consents = app.extensions["consents"]
    authorisation = consents.grant(WANG.id, ZHOU.id, None, 24, "remote")  # entry 1
    ids = [consents.record_access(WANG.id, ZHOU.id, "helper", "view_applications").id
           for _ in range(entries - 1)]
    assert consents.authorisation(authorisation.id, WANG.id) is not None
    return ids


def verify(app):
    """Run the command; its output is what the terminal shows (stdout and stderr)."""
    return app.test_cli_runner().invoke(args=["access-log", "verify"])


def raw_sql(app, statement: str, **params) -> None:
    with app.extensions["front_store"].db.engine.begin() as connection:
        connection.execute(text(statement), params)


def assert_broken_at(result, entry_id: int) -> None:
    """The command said which entry broke the chain and exited 1 on purpose (a crash
    also exits 1, with an exception other than SystemExit and no BROKEN line)."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"BROKEN: access-log entry {entry_id} does not match "
                                    "the chain"), result.output


def test_an_intact_log_is_ok_with_its_entry_count(app):
    fill_log(app)
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 4 entries in the access log, the chain is intact"


def test_an_empty_log_is_ok(app):
    result = verify(app)
    assert result.exit_code == 0 and "0 entries" in result.output


def test_an_altered_entry_is_named_and_the_exit_status_is_not_zero(app):
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
