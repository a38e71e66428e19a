"""好差评: a finished application is rated on the national five-level scale with an
optional comment; once per application, changeable for a while; shown on the
application's page; summarised for the operator."""
from __future__ import annotations

import pytest

from app.platform import RatingRefused
from conftest import (WANG, ZHANG, ZHOU, apply_and_submit, checked_values, csrf_token,
                      error_summary_links, h1s, input_value, inputs, path_of, post_with_csrf,
                      say, sign_in_as, sign_in_as_helper, text_of, translate)

LEVELS = ["Very satisfied", "Satisfied", "Fairly satisfied", "Dissatisfied",
          "Very dissatisfied"]


@pytest.fixture
def number(zhang, app):
    number = apply_and_submit(zhang, app, "remote-medical-filing")
    return number


@pytest.fixture
def finished(app, number):
    platform = app.extensions["platform"]
    while platform.advance(number):
        pass
    assert platform.application(number, ZHANG.id).status == "done"
    return number


def url(number) -> str:
    return f"/my/applications/{number}/rating"


def test_an_open_application_cannot_be_rated_yet(zhang, app, number):
    response = zhang.get(url(number))
    assert path_of(response.location) == f"/my/applications/{number}"
    assert say(app, "Rate how it was handled") not in text_of(
        zhang.get(f"/my/applications/{number}").get_data(as_text=True))


def test_a_finished_application_invites_a_rating(zhang, app, finished):
    detail = zhang.get(f"/my/applications/{finished}").get_data(as_text=True)
    assert f'href="{url(finished)}"' in detail
    assert f'href="{url(finished)}"' in zhang.get("/my/").get_data(as_text=True)


def test_the_five_national_levels_best_first_and_an_optional_comment(zhang, app, finished):
    html = zhang.get(url(finished)).get_data(as_text=True)
    radios = [a for a in inputs(html) if a.get("name") == "level"]
    assert [r["value"] for r in radios] == ["5", "4", "3", "2", "1"]
    text = text_of(html)
    # "满意" is inside "非常满意": look for each label after the one before it
    position = 0
    for label in LEVELS:
        found = text.find(say(app, label), position)
        assert found >= 0, f"{label} is missing or out of order"
        position = found + len(say(app, label))
    assert say(app, "How satisfied are you with how your application was handled?") in h1s(html)[0]
    assert 'data-character-limit="500"' in html  # the count, read out with JavaScript
    assert translate(app, "You can enter up to %(limit)d characters", limit=500) in text


def test_a_rating_is_recorded_and_shown_on_the_application(zhang, app, platform, finished):
    response = post_with_csrf(zhang, url(finished), {"level": "4", "comment": "办得很快，不用跑腿。"})
    assert path_of(response.location) == f"/my/applications/{finished}?rated=1"
    rating = platform.application(finished, ZHANG.id).rating
    assert (rating.level, rating.comment) == (4, "办得很快，不用跑腿。")
    text = text_of(zhang.get(response.location).get_data(as_text=True))
    assert say(app, "Thank you for your rating") in text
    assert say(app, "Satisfied") in text and "办得很快，不用跑腿。" in text


def test_a_level_must_be_chosen_and_the_comment_is_kept(zhang, app, platform, finished):
    response = post_with_csrf(zhang, url(finished), {"comment": "还行"})
    html = response.get_data(as_text=True)
    assert error_summary_links(html) == [("level-1", translate(app, "Select an answer"))]
    assert input_value(html, "comment") == "还行"
    assert platform.application(finished, ZHANG.id).rating is None


def test_a_comment_too_long_is_refused_with_its_length(zhang, app, finished):
    response = post_with_csrf(zhang, url(finished), {"level": "1", "comment": "差" * 501})
    assert error_summary_links(response.get_data(as_text=True)) == [("comment", translate(
        app, "Your answer must be %(num)d character or fewer – it is %(length)d now",
        "Your answer must be %(num)d characters or fewer – it is %(length)d now", 500,
        length=501))]


def test_one_rating_per_application_changed_in_place(zhang, app, platform, finished):
    post_with_csrf(zhang, url(finished), {"level": "2", "comment": "等了很久"})
    html = zhang.get(url(finished)).get_data(as_text=True)
    assert checked_values(html, "level") == ["2"]  # the page opens with the rating given
    assert input_value(html, "comment") == "等了很久"
    post_with_csrf(zhang, url(finished), {"level": "3", "comment": "后来打电话解决了"})
    assert platform.ratings_summary()["overall"] == {3: 1}


def test_after_the_window_the_rating_can_no_longer_change(zhang, app, platform, finished, clock):
    post_with_csrf(zhang, url(finished), {"level": "5"})
    clock.advance(days=8)
    assert path_of(zhang.get(url(finished)).location) == f"/my/applications/{finished}"
    with pytest.raises(RatingRefused):
        platform.rate(finished, ZHANG.id, 1, "")
    detail = text_of(zhang.get(f"/my/applications/{finished}").get_data(as_text=True))
    assert say(app, "Very satisfied") in detail
    assert say(app, "Change your rating") not in detail


def test_a_refused_application_can_be_rated_a_withdrawn_one_not(zhang, app, platform):
    refused = apply_and_submit(zhang, app, "remote-medical-filing")
    platform.advance(refused, "不在结算范围")
    assert zhang.get(url(refused)).status_code == 200
    withdrawn = apply_and_submit(zhang, app, "remote-medical-filing")
    post_with_csrf(zhang, f"/my/applications/{withdrawn}/withdraw")
    assert zhang.get(url(withdrawn)).status_code == 302
    with pytest.raises(RatingRefused):
        platform.rate(withdrawn, ZHANG.id, 5, "")


@pytest.mark.parametrize("level", [0, 6, True, "5"])
def test_only_the_five_levels_are_ratings(platform, finished, level):
    with pytest.raises(ValueError):
        platform.rate(finished, ZHANG.id, level, "")


def test_someone_else_cannot_rate_it(client, app, finished):
    sign_in_as(client, WANG)
    assert client.get(url(finished)).status_code == 404


def test_a_helper_can_rate_for_the_citizen_and_it_is_logged(app, client, platform):
    wang = app.test_client()
    sign_in_as(wang, WANG)
    number = apply_and_submit(wang, app, "remote-medical-filing")
    while platform.advance(number):
        pass
    consent = app.extensions["consents"].grant(WANG.id, ZHOU.id, None, 24, "remote")
    sign_in_as_helper(client, ZHOU)
    page = client.get("/helper/").get_data(as_text=True)
    client.post(f"/helper/act/{consent.id}", data={"csrf_token": csrf_token(page)})
    post_with_csrf(client, url(number), {"level": "5", "comment": "社区帮我办的"})
    rating = platform.application(number, WANG.id).rating
    assert (rating.level, rating.rated_by) == (5, ZHOU.id)
    assert "rate" in [e.action for e in app.extensions["consents"].access_log_of(WANG.id)]


def test_the_operator_summary(zhang, app, platform, finished):
    post_with_csrf(zhang, url(finished), {"level": "1", "comment": ""})
    result = app.test_cli_runner().invoke(args=["platform", "ratings"])
    assert result.exit_code == 0
    assert "all services: 1 rated" in result.output and "非常不满意 1" in result.output
    assert "remote-medical-filing: 1 rated" in result.output
