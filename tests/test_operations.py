"""What an operator meets: health and readiness, metrics, request ids, JSON logs
without personal data, and the refusal to start several instances on per-host secrets."""
from __future__ import annotations

import json
import logging
import re

import pytest

from app import create_app
from app.core.config import SecretsNotConfigured
from app.operations.views import JsonFormatter
from conftest import ZHANG, _dispose, sign_in

REDIS_DB = "redis://127.0.0.1:6379/3"


def test_healthz_says_the_process_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_is_ready_when_databases_schema_and_platform_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    expected = {"front database": "ok", "platform database": "ok", "schema": "ok",
                "platform": "ok"}
    if client.application.config["REDIS_URL"]:  # YIBAN_TEST_REDIS_URL
        expected["redis"] = "ok"
    assert response.json["checks"] == expected


def test_readyz_is_not_ready_when_the_platform_fails(app, client):
    class Unreachable:
        def feed_position(self):
            raise ConnectionError("platform down")

    real = app.extensions["platform"]
    app.extensions["platform"] = Unreachable()
    try:
        response = client.get("/readyz")
    finally:
        app.extensions["platform"] = real
    assert response.status_code == 503
    assert response.json["checks"]["platform"] == "failed: ConnectionError"


def test_readyz_checks_redis_when_one_is_configured(app, client):
    app.config["REDIS_URL"] = REDIS_DB
    assert client.get("/readyz").json["checks"]["redis"] == "ok"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/3"  # nothing listens there
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["redis"].startswith("failed")


def test_metrics_give_latency_by_route_and_the_outbox_depth(client):
    client.get("/")
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert 'yiban_request_seconds_count{method="GET",route="/",status="200"} 1.0' in body
    assert 'route="/healthz"' in body
    assert "yiban_outbox_submissions" in body


def test_a_front_starts_without_its_platform_and_counts_the_calls_that_failed(
        monkeypatch, tmp_path):
    """A platform over HTTP that cannot be reached: the front still starts and shows
    the kind page, /readyz says why, and each call is counted as unavailable, named by
    its operation (no number in a label)."""
    from conftest import _make_app
    app = _make_app(monkeypatch, tmp_path, PLATFORM_URL="http://127.0.0.1:9",
                    PLATFORM_TOKEN="t", PLATFORM_ATTEMPTS=1)
    try:
        client = app.test_client()
        assert client.get("/services/retirement").status_code == 503  # the kind page
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["checks"]["platform"].startswith("failed")
        metrics = client.get("/metrics").get_data(as_text=True)
        counted = re.search(r'^yiban_platform_call_seconds_count\{operation="GET '
                            r'/v1/catalogue/version",outcome="unavailable"\} (\S+)$',
                            metrics, re.M)
        assert counted and float(counted.group(1)) >= 1, metrics
    finally:
        _dispose(app)


def test_every_response_carries_a_request_id_and_keeps_a_well_formed_one(client):
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "lb-1234"}).headers[
        "X-Request-ID"] == "lb-1234"
    assert client.get("/healthz", headers={"X-Request-ID": "<script>"}).headers[
        "X-Request-ID"] != "<script>"


def test_json_log_lines_carry_the_request_id_and_no_personal_data(client, caplog):
    caplog.set_level(logging.INFO, logger="yiban.requests")
    response = sign_in(client, ZHANG.mobile, "a wrong password")
    lines = [JsonFormatter().format(record) for record in caplog.records]
    posted = [json.loads(line) for line in lines if '"method": "POST"' in line]
    assert posted and posted[0]["route"] == "/sign-in" and posted[0]["status"] in (200, 302)
    assert posted[0]["request_id"] == response.headers["X-Request-ID"]
    assert all(ZHANG.mobile not in line and "wrong" not in line for line in lines)


def test_several_instances_refuse_to_start_on_secrets_made_per_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("YIBAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("YIBAN_REDIS_URL", REDIS_DB)
    for name in ("SECRET_KEY", "YIBAN_DATA_KEYS", "YIBAN_LOOKUP_KEY", "YIBAN_ACCESS_LOG_KEYS",
                 "YIBAN_SINGLE_INSTANCE",
                 "YIBAN_DATABASE_URL", "YIBAN_PLATFORM_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "shared")
    with pytest.raises(SecretsNotConfigured) as refused:
        create_app({"TESTING": True})
    assert "YIBAN_DATA_KEYS, YIBAN_LOOKUP_KEY" in str(refused.value)
    assert not (tmp_path / "data_keys").exists()  # nothing generated on this host

    from cryptography.fernet import Fernet
    monkeypatch.setenv("YIBAN_DATA_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("YIBAN_LOOKUP_KEY", "a shared lookup key")
    monkeypatch.setenv("YIBAN_ACCESS_LOG_KEYS", "a shared access-log key")
    application = create_app({"TESTING": True})
    try:
        assert application.config["RATELIMIT_STORAGE_URI"] == REDIS_DB
    finally:
        _dispose(application)
