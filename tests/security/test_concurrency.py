"""Races, with real threads against the real SQLite files: one open draft per person
and service however many requests start it at once, and one withdraw of two."""
from __future__ import annotations

import threading

from app.platform import WithdrawRefused
from conftest import ZHANG, apply_and_submit, sign_in_as

THREADS = 16


def at_once(work, count: int = THREADS) -> list:
    """Run `work` in `count` threads released together; what each returned or raised."""
    gate = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        gate.wait()
        try:
            results[i] = work()
        except Exception as error:  # noqa: BLE001 - the outcome is what is compared
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_starts_leave_one_open_draft(store):
    drafts = at_once(lambda: store.start_draft(ZHANG.id, "retirement"))
    assert not [d for d in drafts if isinstance(d, Exception)], drafts
    assert len(store.open_drafts(ZHANG.id)) == 1
    assert len({d.id for d in drafts}) == 1  # every request got that one draft


def test_parallel_question_pages_leave_one_open_draft(app, store):
    clients = [app.test_client() for _ in range(4)]
    for client in clients:
        sign_in_as(client, ZHANG)
    pages = iter(clients)
    lock = threading.Lock()

    def open_page():
        with lock:
            client = next(pages)
        return client.get("/apply/retirement/mobile").status_code

    assert at_once(open_page, len(clients)) == [200] * len(clients)
    assert len(store.open_drafts(ZHANG.id)) == 1


def test_two_withdraws_at_once_withdraw_once(app, client, platform):
    sign_in_as(client, ZHANG)
    number = apply_and_submit(client, app, "retirement",
                              {"matters": {"matters": ["housing_fund"]}})
    outcomes = at_once(lambda: platform.withdraw(number, ZHANG.id), 2)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert sum(isinstance(o, WithdrawRefused) for o in outcomes) == 1, outcomes
    timeline = platform.application(number, ZHANG.id).timeline
    assert [e.kind for e in timeline].count("withdrawn") == 1
