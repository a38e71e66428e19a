"""What an operator's tools read: /healthz (the process answers), /readyz (it can
serve: databases at their schema, Redis when configured, the platform reachable),
/metrics (Prometheus), a request id on every response and log line, and JSON logs.

Nothing personal is logged or labelled: routes by their rule (/my/applications/<number>),
never the path, query, form or address."""
from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

bp = Blueprint("operations", __name__)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("yiban.requests")


# ---- health -------------------------------------------------------------------------
@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    checks = {name: _check(probe) for name, probe in _probes().items()}
    ready = all(result == "ok" for result in checks.values())
    return {"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503


def _probes() -> dict:
    from ..migrations import stores_of
    probes = {f"{store} database": (lambda db=db: _select_one(db.engine))
              for store, db in stores_of(current_app)}
    probes["schema"] = _schema_current
    if current_app.config.get("REDIS_URL"):
        probes["redis"] = _redis_ping
    probes["platform"] = lambda: current_app.extensions["platform"].feed_position()
    return probes


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # noqa: BLE001  (any failure means not ready; its kind is said)
        return f"failed: {type(error).__name__}"
    return "ok"


def _select_one(engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _schema_current() -> None:
    if current_app.extensions.get("schema_behind"):
        raise RuntimeError("run flask db upgrade")


def _redis_ping() -> None:
    import redis
    client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


# ---- metrics ------------------------------------------------------------------------
# Under gunicorn (gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR) every worker process
# writes its values to files there and a scrape, answered by any one worker, adds up
# all of them; without it (one process) the metrics live in the app's registry.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
# Calls to a platform over HTTP, as the front waited for them (retries included), by
# operation (ids as {id}) and outcome: ok, 4xx, unavailable, circuit open.
PLATFORM_SECONDS = Histogram("yiban_platform_call_seconds",
                             "Time the front waited for a call to the platform",
                             ["operation", "outcome"], registry=None)


def observe_platform_call(operation: str, outcome: str, seconds: float) -> None:
    PLATFORM_SECONDS.labels(operation, outcome).observe(seconds)


class OutboxDepth:
    """Submissions waiting for the platform, by state, read when scraped."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        family = GaugeMetricFamily("yiban_outbox_submissions", "Outbox rows by state",
                                   labels=["state"])
        for state, count in self.app.extensions["outbox"].counts().items():
            family.add_metric([state], count)
        yield family


@bp.get("/metrics")
def metrics():
    return Response(generate_latest(current_app.extensions["metrics"]),
                    mimetype="text/plain; version=0.0.4")


# ---- request ids and logs -------------------------------------------------------------
def _begin() -> None:
    supplied = request.headers.get("X-Request-ID", "")
    g.request_id = supplied if REQUEST_ID.match(supplied) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    if started is None:
        return response
    route = request.url_rule.rule if request.url_rule else "(no route)"
    _record(current_app, g.get("request_id"), route, request.method, response.status_code,
            time.perf_counter() - started)
    return response


def _record(app: Flask, request_id: str | None, route: str, method: str, status: int,
            seconds: float) -> None:
    app.extensions["request_seconds"].labels(route, method, str(status)).observe(seconds)
    log.info("request", extra={"request_id": request_id, "route": route, "method": method,
                               "status": status, "ms": round(seconds * 1000, 1)})


def page_cache_recorder(app: Flask):
    """For a page answered from the page cache (app/core/page_cache.py), in front of
    Flask: its request id, timed and logged like any other request."""
    def record(environ, route: str, status: int, seconds: float) -> str:
        supplied = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = supplied if REQUEST_ID.match(supplied) else uuid.uuid4().hex
        _record(app, request_id, route, "GET", status, seconds)
        return request_id
    return record


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line. Only named fields: the message is the logger's own text,
    never a row or a form (app/db.py keeps rows out of SQLAlchemy's log)."""

    FIELDS = ("route", "method", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", None)}
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__  # its kind: a trace may quote data
        return json.dumps(entry, ensure_ascii=False)


def use_json_logs() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    registry = app.extensions["metrics"] = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(PLATFORM_SECONDS)
    app.extensions["request_seconds"] = Histogram(
        "yiban_request_seconds", "Time to answer a request, by route",
        ["route", "method", "status"], registry=None if MULTIPROCESS else registry)
    registry.register(OutboxDepth(app))  # read from the database when scraped
    app.before_request(_begin)
    app.after_request(_finish)
    app.register_blueprint(bp)
    if app.config.get("LOG_JSON"):
        use_json_logs()
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
