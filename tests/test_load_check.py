"""The load test's bookkeeping (bench/load.py `verify`): lost and duplicated
applications are found from what citizens saw and what the databases hold. No load,
no server, no timing: tiny hand-made fixtures."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.load import verify  # noqa: E402


def journey(owner, number=None, entry=None, sent=True):
    return {"owner": owner, "number": number, "entry": entry, "sent": sent}


def good():
    """Two citizens: A saw YB1 at once, B saw "being sent" (outbox row 2), then delivered."""
    return dict(
        journeys=[journey("a", number="YB1"), journey("b", entry=2)],
        applications=[{"number": "YB1", "key": "k1", "owner": "a"},
                      {"number": "YB2", "key": "k2", "owner": "b"}],
        outbox=[{"id": 1, "key": "k1", "state": "delivered", "number": "YB1", "owner": "a",
                 "draft": 10, "error": None},
                {"id": 2, "key": "k2", "state": "delivered", "number": "YB2", "owner": "b",
                 "draft": 11, "error": None}],
        drafts=[{"id": 10, "owner": "a", "key": "k1", "sent": True, "number": "YB1"},
                {"id": 11, "owner": "b", "key": "k2", "sent": True, "number": "YB2"}])


def test_all_accounted_for():
    result = verify(**good())
    assert (result["lost_count"], result["duplicated_count"]) == (0, 0), result


def test_a_number_shown_but_not_on_the_platform_is_lost():
    case = good()
    case["applications"] = case["applications"][1:]
    result = verify(**case)
    assert "YB1" in result["lost"]["shown to a citizen, not on the platform"]


def test_a_submission_stuck_in_the_outbox_is_lost():
    case = good()
    case["outbox"][1].update(state="pending", number=None, error="TimeoutError")
    case["applications"] = case["applications"][:1]
    result = verify(**case)
    assert result["lost"] == {"left in the outbox (pending, TimeoutError)": [2]}


def test_a_sent_draft_without_an_outbox_row_is_lost():
    case = good()
    case["drafts"].append({"id": 12, "owner": "a", "key": "k3", "sent": True, "number": None})
    assert verify(**case)["lost"] == {"draft sent, no outbox row": [12]}


def test_a_second_application_for_one_send_is_a_duplicate():
    case = good()
    case["applications"].append({"number": "YB3", "key": "k9", "owner": "a"})
    duplicated = verify(**case)["duplicated"]
    assert duplicated == {"an application no draft was sent for": ["YB3"],
                          "more applications than sends": ["a"]}


def test_two_outbox_rows_for_one_draft_are_a_duplicate():
    case = good()
    case["outbox"][1]["draft"] = 10
    assert verify(**case)["duplicated"] == {"two outbox rows for one draft": [10]}


def test_one_number_shown_to_two_journeys_is_a_duplicate():
    case = good()
    case["journeys"].append(journey("a", number="YB1"))
    assert verify(**case)["duplicated"] == {"one number shown for two journeys": ["YB1"]}


def test_a_journey_cut_off_while_sending_is_neither():
    """The citizen never saw the outcome; the application exists once: not lost."""
    case = good()
    case["journeys"][1] = journey("b")  # sent, then cut off before the answer
    result = verify(**case)
    assert (result["lost_count"], result["duplicated_count"]) == (0, 0), result
