"""Delivering what is due in the background: a daemon thread in each app process
(started by the first request, so `flask` commands and the tests start none) and
`flask outbox deliver [--loop]` for a separate worker or a cron job. Any number of
them may run at once: a row is claimed before each delivery (Outbox._claim)."""
from __future__ import annotations

import logging
import os
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

log = logging.getLogger(__name__)
_lock = threading.Lock()


def enabled(app: Flask) -> bool:
    """OUTBOX_WORKER: True or False; unset, on except under TESTING."""
    flag = app.config.get("OUTBOX_WORKER")
    return not app.testing if flag is None else bool(flag)


def start(app: Flask) -> threading.Thread | None:
    """Start this process's delivery thread once (again after a fork: the pid changes)."""
    if not enabled(app) or app.extensions.get("outbox_worker_pid") == os.getpid():
        return None
    with _lock:
        if app.extensions.get("outbox_worker_pid") == os.getpid():
            return None
        stop = threading.Event()
        thread = threading.Thread(target=run, args=(app, stop), name="yiban-outbox",
                                  daemon=True)
        app.extensions.update(outbox_worker_pid=os.getpid(), outbox_worker=(thread, stop))
        thread.start()
        return thread


def run(app: Flask, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            app.extensions["outbox"].deliver_due()
        except Exception as error:  # noqa: BLE001 - e.g. the database busy: next round
            log.warning("outbox worker: %s; trying again", type(error).__name__)
        stop.wait(app.config["OUTBOX_POLL_SECONDS"])


outbox_cli = AppGroup("outbox", help="Submissions stored by the front, on their way to the platform.")


@outbox_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep going (every OUTBOX_POLL_SECONDS) until stopped.")
def deliver(loop):
    """Send every stored submission that is due to the platform."""
    outbox = current_app.extensions["outbox"]
    while True:
        outcomes = outbox.deliver_due()
        if outcomes or not loop:
            click.echo(f"delivered {outcomes['delivered']}, to retry {outcomes['retry']}, "
                       f"failed for good {outcomes['failed']}")
        if not loop:
            return
        time.sleep(current_app.config["OUTBOX_POLL_SECONDS"])


@outbox_cli.command("status")
def status():
    """How many submissions are pending, delivered and failed for good."""
    counts = current_app.extensions["outbox"].counts()
    for state in ("pending", "delivered", "failed_permanently"):
        click.echo(f"{state}: {counts.get(state, 0)}")


def init_app(app: Flask) -> None:
    @app.before_request
    def start_delivery_thread():  # a dict look-up once it runs
        start(app)

    app.cli.add_command(outbox_cli)
