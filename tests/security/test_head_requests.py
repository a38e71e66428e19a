"""HEAD never changes anything: HEAD of a question page starts no draft, for the
citizen or for a helper acting for her (and so shows nothing to log)."""
from __future__ import annotations

from conftest import WANG, ZHOU, act_for, sign_in_as


def test_head_of_a_question_page_starts_no_draft(client, store):
    sign_in_as(client, WANG)
    response = client.head("/apply/retirement/full_name")
    assert response.status_code == 200
    assert store.open_drafts(WANG.id) == []
    assert "Set-Cookie" not in response.headers


def test_head_by_an_acting_helper_starts_no_draft(app, client, store):
    act_for(app, client, WANG, ZHOU)
    logged = len(app.extensions["consents"].access_log_of(WANG.id))
    for path in ("/apply/retirement/full_name", "/apply/retirement", "/"):
        response = client.head(path)
        assert response.status_code == 200 and response.data == b""  # nothing shown …
    assert store.open_drafts(WANG.id) == []
    # … so nothing to log (app/assisted/acting.py, access_action).
    assert len(app.extensions["consents"].access_log_of(WANG.id)) == logged
