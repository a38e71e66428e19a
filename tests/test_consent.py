"""Citizens' consent to helpers (scope, expiry, revocation: the one server-side check)
and the append-only, hash-chained access log."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text

from app.assisted.consent import (MAX_HOURS, AuthorisationNotFound, Consents, GrantRefused,
                         authorisation_ref)
from app.assisted.log_seal import Checkpoints
from app.core.crypto import ChainKeys
from app.core.front_store import FrontStore
from app.migrations import upgrade
from conftest import LI, WANG, ZHAO, Clock

ZHOU, WU = "zhou-jianhua", "wu-jing"  # seeded helper ids
START = datetime(2026, 11, 26, 2, 0)


@pytest.fixture
def consents(tmp_path):
    """Consents on the front's own store, as the app will attach them, on a clock
    the test moves."""
    store = FrontStore(f"sqlite:///{tmp_path / 'front.sqlite'}")
    upgrade(store.db, "front")
    checkpoints = Checkpoints(tmp_path / "checkpoints.jsonl", ChainKeys.load(tmp_path))
    yield Consents(store.db, checkpoints, clock=Clock(START))
    store.db.engine.dispose()


def grant(consents, citizen=WANG.id, helper=ZHOU, services=None, hours=24,
          method="remote"):
    return consents.grant(citizen, helper, services, hours, method)


def raw(consents, sql: str, **params):
    with consents.db.engine.begin() as con:
        return con.execute(text(sql), params)


# ---- granting ------------------------------------------------------------------------------
@pytest.mark.parametrize("hours", [1, 24, MAX_HOURS])
def test_grant_lasts_from_one_hour_to_thirty_days(consents, hours):
    authorisation = grant(consents, hours=hours)
    assert MAX_HOURS == 720
    assert (authorisation.citizen_id, authorisation.helper_id) == (WANG.id, ZHOU)
    assert authorisation.granted_at == START
    assert authorisation.expires_at == START + timedelta(hours=hours)
    assert authorisation.state == "active"
    assert authorisation.revoked_at is None


@pytest.mark.parametrize("changes, reason", [
    ({"hours": 0}, "hours_too_few"),
    ({"hours": -5}, "hours_too_few"),
    ({"hours": 721}, "hours_too_many"),
    ({"hours": 1.5}, "hours_not_whole"),
    ({"hours": "24"}, "hours_not_whole"),
    ({"hours": True}, "hours_not_whole"),
    ({"method": "by_post"}, "method_unknown"),
    ({"services": []}, "no_services"),
])
def test_grant_outside_the_rules_is_refused_with_a_reason_and_leaves_no_trace(
        consents, changes, reason):
    with pytest.raises(GrantRefused) as refused:
        grant(consents, **changes)
    assert isinstance(refused.value, ValueError)
    assert refused.value.reason == reason
    assert consents.authorisations_of_citizen(WANG.id) == []
    assert consents.access_log_of(WANG.id) == []


def test_both_ways_of_granting_are_kept(consents):
    assert grant(consents, method="in_person").method == "in_person"
    assert grant(consents, method="remote").method == "remote"


def test_grant_is_logged_as_done_by_the_citizen(consents):
    authorisation = grant(consents)
    [entry] = consents.access_log_of(WANG.id)
    assert (entry.actor_id, entry.actor_kind, entry.action, entry.object_ref, entry.at) == (
        WANG.id, "citizen", "grant", authorisation_ref(authorisation.id), START)


# ---- scope ---------------------------------------------------------------------------------
def test_consent_to_every_service_covers_any_service(consents):
    authorisation = grant(consents, services=None)
    assert authorisation.services is None
    for code in (None, "disability", "retirement", "a-service-added-later"):
        assert consents.active(ZHOU, WANG.id, code) == authorisation


def test_consent_to_chosen_services_covers_only_those(consents):
    authorisation = grant(consents, services=["disability", "elderly-allowance", "disability"])
    assert authorisation.services == ("disability", "elderly-allowance")
    assert consents.active(ZHOU, WANG.id, "disability") == authorisation
    assert consents.active(ZHOU, WANG.id, "elderly-allowance") == authorisation
    assert consents.active(ZHOU, WANG.id, "retirement") is None
    # Without a service, the question is whether the helper may act for her at all.
    assert consents.active(ZHOU, WANG.id) == authorisation


def test_a_single_service_code_is_not_taken_letter_by_letter(consents):
    assert grant(consents, services="disability").services == ("disability",)


def test_consent_covers_only_that_helper_and_that_citizen(consents):
    grant(consents, citizen=WANG.id, helper=ZHOU)
    assert consents.active(WU, WANG.id) is None
    assert consents.active(ZHOU, ZHAO.id) is None


def test_of_several_matching_consents_the_longest_lasting_is_used(consents):
    grant(consents, services=["disability"], hours=48)
    longest = grant(consents, services=None, hours=72)
    grant(consents, services=["retirement"], hours=100)
    assert consents.active(ZHOU, WANG.id, "disability") == longest


# ---- expiry ---------------------------------------------------------------------------------
def test_consent_ends_exactly_at_its_expiry(consents):
    authorisation = grant(consents, hours=1)
    expiry = authorisation.expires_at
    assert consents.active(ZHOU, WANG.id, at=expiry - timedelta(microseconds=1))
    assert consents.active(ZHOU, WANG.id, at=expiry) is None
    assert consents.active(ZHOU, WANG.id, at=expiry.replace(tzinfo=timezone.utc)) is None
    consents.clock.advance(hours=1)  # the next request, at the very instant
    assert consents.active(ZHOU, WANG.id) is None
    assert consents.authorisations_for_helper(ZHOU) == []
    [listed] = consents.authorisations_of_citizen(WANG.id)
    assert listed.state == "expired"


# ---- revocation -------------------------------------------------------------------------------
def test_revocation_takes_effect_at_once(consents):
    authorisation = grant(consents)
    consents.clock.advance(minutes=5)
    revoked = consents.revoke(authorisation.id, WANG.id)
    assert (revoked.state, revoked.revoked_at) == ("revoked", START + timedelta(minutes=5))
    assert consents.active(ZHOU, WANG.id) is None  # same instant, nothing more
    assert consents.authorisations_for_helper(ZHOU) == []
    assert consents.authorisations_of_citizen(WANG.id) == [revoked]
    assert [e.action for e in consents.access_log_of(WANG.id)] == ["revoke", "grant"]
    revoke_entry = consents.access_log_of(WANG.id)[0]
    assert (revoke_entry.actor_id, revoke_entry.object_ref) == (
        WANG.id, authorisation_ref(authorisation.id))


def test_only_the_granting_citizen_can_revoke(consents):
    authorisation = grant(consents)
    with pytest.raises(AuthorisationNotFound):
        consents.revoke(authorisation.id, ZHAO.id)
    with pytest.raises(AuthorisationNotFound):
        consents.revoke(authorisation.id + 100, WANG.id)
    assert consents.active(ZHOU, WANG.id) == authorisation
    assert consents.access_log_of(ZHAO.id) == []
    assert [e.action for e in consents.access_log_of(WANG.id)] == ["grant"]


def test_revoking_what_has_already_ended_changes_nothing(consents):
    authorisation = grant(consents, hours=1)
    first = consents.revoke(authorisation.id, WANG.id)
    consents.clock.advance(minutes=1)
    assert consents.revoke(authorisation.id, WANG.id) == first
    expired = grant(consents, hours=1)
    consents.clock.advance(hours=2)
    assert consents.revoke(expired.id, WANG.id).state == "expired"
    assert [e.action for e in consents.access_log_of(WANG.id)] == ["grant", "revoke", "grant"]


def test_one_authorisation_is_shown_only_to_its_citizen(consents):
    authorisation = grant(consents)
    assert consents.authorisation(authorisation.id, WANG.id) == authorisation
    assert consents.authorisation(authorisation.id, ZHAO.id) is None
    assert consents.authorisation(authorisation.id + 100, WANG.id) is None


# ---- what each side sees -----------------------------------------------------------------------
def test_citizen_sees_every_authorisation_in_its_state_newest_first(consents):
    expired = grant(consents, helper=WU, hours=1)
    consents.clock.advance(hours=2)
    revoked = grant(consents, helper=ZHOU)
    consents.revoke(revoked.id, WANG.id)
    consents.clock.advance(minutes=1)
    active = grant(consents, helper=ZHOU, services=["disability"])
    grant(consents, citizen=ZHAO.id)
    listed = consents.authorisations_of_citizen(WANG.id)
    assert [(a.id, a.state) for a in listed] == [
        (active.id, "active"), (revoked.id, "revoked"), (expired.id, "expired")]


def test_helper_sees_only_their_active_authorisations(consents):
    wang = grant(consents, citizen=WANG.id, services=["disability"])
    consents.clock.advance(minutes=1)
    zhao = grant(consents, citizen=ZHAO.id)
    consents.revoke(grant(consents, citizen=LI.id).id, LI.id)
    grant(consents, citizen=LI.id, hours=1)  # expires below
    grant(consents, citizen=LI.id, helper=WU)  # someone else's
    consents.clock.advance(hours=1)
    assert [a.id for a in consents.authorisations_for_helper(ZHOU)] == [zhao.id, wang.id]
    assert [a.citizen_id for a in consents.authorisations_for_helper(WU)] == [LI.id]
    assert consents.authorisations_for_helper("nobody") == []


def test_expiring_soon_lists_active_authorisations_ending_within_a_day(consents):
    in_2h = grant(consents, citizen=WANG.id, hours=2)
    in_24h = grant(consents, citizen=ZHAO.id, hours=24)
    in_25h = grant(consents, citizen=LI.id, hours=25)
    consents.revoke(grant(consents, citizen=LI.id, hours=3).id, LI.id)
    grant(consents, citizen=LI.id, helper=WU, hours=1)
    assert [a.id for a in consents.expiring_soon(ZHOU)] == [in_2h.id, in_24h.id]
    assert [a.id for a in consents.expiring_soon(ZHOU, within=timedelta(hours=2))] == [in_2h.id]
    assert consents.expiring_soon(ZHOU, within=timedelta(hours=1)) == []
    consents.clock.advance(hours=2)  # the 2-hour one has ended; the 25-hour one is near
    assert [a.id for a in consents.expiring_soon(ZHOU)] == [in_24h.id, in_25h.id]


# ---- access log ---------------------------------------------------------------------------------
def test_access_log_shows_a_citizen_only_their_entries_newest_first(consents):
    consents.record_access(WANG.id, ZHOU, "helper", "view_profile")
    consents.clock.advance(minutes=1)
    consents.record_access(ZHAO.id, ZHOU, "helper", "view_profile")
    consents.clock.advance(minutes=1)
    consents.record_access(WANG.id, ZHOU, "helper", "submit", "YB20261126000001")
    entries = consents.access_log_of(WANG.id)
    assert [(e.action, e.object_ref, e.at) for e in entries] == [
        ("submit", "YB20261126000001", START + timedelta(minutes=2)),
        ("view_profile", None, START)]
    assert [e.action for e in consents.access_log_of(WANG.id, limit=1)] == ["submit"]


def test_access_log_keeps_the_given_time_in_utc(consents):
    beijing = timezone(timedelta(hours=8))
    entry = consents.record_access(WANG.id, ZHOU, "helper", "view_application",
                                   "YB20261126000001", at=datetime(2026, 11, 26, 10, 0,
                                                                   tzinfo=beijing))
    assert entry.at == datetime(2026, 11, 26, 2, 0)
    assert consents.verify_chain().ok


@pytest.mark.parametrize("object_ref", [
    "13800000002", "430102195403089224", "11010119810905957X", "43010219540308922442",
    "6200000000000000202", "phone:13800000002",
])
def test_access_log_refuses_personal_numbers(consents, object_ref):
    with pytest.raises(ValueError):
        consents.record_access(WANG.id, ZHOU, "helper", "view_profile", object_ref)
    assert consents.access_log_of(WANG.id) == []


@pytest.mark.parametrize("actor_kind, action", [("helper", "peek"), ("hacker", "view_profile")])
def test_access_log_refuses_unknown_actions_and_actors(consents, actor_kind, action):
    with pytest.raises(ValueError):
        consents.record_access(WANG.id, ZHOU, actor_kind, action)


def test_access_log_offers_no_way_to_change_or_remove_entries():
    public = [name for name in dir(Consents) if not name.startswith("_")]
    for word in ("update", "delete", "remove", "edit", "clear", "truncate", "purge"):
        assert not [name for name in public if word in name], word


# ---- the hash chain ---------------------------------------------------------------------------------
def fill_log(consents, entries: int = 6) -> None:
    grant(consents)
    for index in range(entries - 1):
        consents.clock.advance(seconds=1)
        consents.record_access(WANG.id, ZHOU, "helper", "save_answer", f"disability-{index}")


def test_an_untouched_chain_verifies(consents):
    assert consents.verify_chain().ok  # an empty log too
    fill_log(consents)
    assert consents.verify_chain().ok


@pytest.mark.parametrize("column, value", [
    ("action", "view_profile"),
    ("actor_id", WU),
    ("actor_kind", "citizen"),
    ("citizen_id", ZHAO.id),
    ("object_ref", "retirement"),
    ("object_ref", None),
    ("at", "2026-11-25 02:00:03.000000"),
    ("at", "yesterday"),
    ("at", ""),
    ("hash", "0" * 64),
])
def test_altering_an_entry_is_caught_at_that_entry(consents, column, value):
    fill_log(consents)
    raw(consents, f"UPDATE access_log SET {column} = :value WHERE id = 4", value=value)
    assert consents.verify_chain().broken_at == 4


def test_removing_an_entry_is_caught_at_the_next(consents):
    fill_log(consents)
    raw(consents, "DELETE FROM access_log WHERE id = 3")
    assert consents.verify_chain().broken_at == 4
    raw(consents, "DELETE FROM access_log WHERE id = 1")
    assert consents.verify_chain().broken_at == 2


def test_removing_an_entry_and_relinking_its_successor_is_caught(consents):
    fill_log(consents)
    raw(consents, "DELETE FROM access_log WHERE id = 3")
    raw(consents, "UPDATE access_log SET prev_hash = (SELECT hash FROM access_log WHERE id = 2)"
                  " WHERE id = 4")
    assert consents.verify_chain().broken_at == 4


def test_concurrent_appends_keep_one_unbroken_chain(consents):
    threads, each = 8, 15
    errors = []
    barrier = threading.Barrier(threads, timeout=10)

    def write(index):
        try:
            barrier.wait()
            for n in range(each):
                if n % 5 == 0:
                    consents.grant(f"citizen-{index}", ZHOU, None, 1, "remote")
                else:
                    consents.record_access(f"citizen-{index}", ZHOU, "helper",
                                           "view_application", f"YB2026112600{index:02d}{n:02d}")
        except Exception as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    workers = [threading.Thread(target=write, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert errors == []
    assert raw(consents, "SELECT count(*) FROM access_log").scalar() == threads * each
    assert consents.verify_chain().ok
    for index in range(threads):
        assert len(consents.access_log_of(f"citizen-{index}")) == each


def test_a_writer_that_read_a_stale_head_goes_again_after_the_new_one(consents, monkeypatch):
    """Without SQLite's up-front lock (e.g. on PostgreSQL), two writers can read the
    same head; the unique previous hash refuses the second, which then retries."""
    monkeypatch.setattr(Consents, "_lock_chain", staticmethod(lambda s: None))
    consents.record_access(WANG.id, ZHOU, "helper", "view_profile")
    inserts = []

    @event.listens_for(consents.db.engine, "before_cursor_execute")
    def overtake(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO ACCESS_LOG"):
            inserts.append(statement)
            if len(inserts) == 1:  # the first writer has read the head: overtake it
                consents.record_access(ZHAO.id, WU, "helper", "view_profile")

    consents.record_access(WANG.id, ZHOU, "helper", "submit", "YB20261126000001")
    event.remove(consents.db.engine, "before_cursor_execute", overtake)
    assert len(inserts) == 3  # first try, the overtaking writer, the retry
    assert [e.action for e in consents.access_log_of(WANG.id)] == ["submit", "view_profile"]
    assert len(consents.access_log_of(ZHAO.id)) == 1
    assert consents.verify_chain().ok


# ---- tables ------------------------------------------------------------------------------------------
