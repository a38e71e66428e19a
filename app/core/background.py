"""Work that does not belong in a citizen's request: delivering stored submissions
(app/outbox), reading the platform's event feed into messages and texts, making the
reminders of supplements due (app/messages). Each feature registers its jobs here
(a name, how often, a function); nothing a page renders waits for them.

Where they run:
- the embedded default: a daemon thread in each app process (started by the first
  request, so `flask` commands and the tests start none; WORKER off stops it). Only
  the thread holding the data folder's `background.lock` runs the jobs, so gunicorn's
  workers on one host do not all poll; when its process dies the lock is free and
  another worker's thread takes over at its next tick;
- several instances: `flask --app app worker` as a process of its own, with
  YIBAN_WORKER=0 on the fronts.
Any number may run at once: every job is safe to run twice at the same moment (the
outbox claims a row before delivering it; messages and reminders have dedupe keys and
the feed cursor only moves forward)."""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import click
from filelock import FileLock, Timeout
from flask import Flask, current_app
from flask.cli import with_appcontext

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass
class Job:
    name: str
    every: Callable[[Flask], float]  # seconds between runs, read from the config
    run: Callable[[Flask], object]
    last: float = field(default=float("-inf"))  # time.monotonic() of the last run


def jobs(app: Flask) -> dict[str, Job]:
    return app.extensions.setdefault("background_jobs", {})


def register(app: Flask, name: str, every: Callable[[Flask], float],
             run: Callable[[Flask], object]) -> None:
    jobs(app)[name] = Job(name, every, run)


def run_due(app: Flask, everything: bool = False) -> dict[str, object]:
    """One round: each job whose interval has passed (every job: `everything`), each
    on its own, so one failing (the platform down) does not hold back the others."""
    done = {}
    for job in jobs(app).values():
        now = time.monotonic()
        if not everything and now - job.last < job.every(app):
            continue
        job.last = now
        try:
            with app.app_context():
                done[job.name] = job.run(app)
        except Exception as error:  # noqa: BLE001 - e.g. the database busy: next round
            log.warning("background job %s: %s; trying again", job.name,
                        type(error).__name__)
    return done


def enabled(app: Flask) -> bool:
    """WORKER: True or False; unset, on except under TESTING."""
    flag = app.config.get("WORKER")
    return not app.testing if flag is None else bool(flag)


def start(app: Flask) -> threading.Thread | None:
    """Start this process's thread once (again after a fork: the pid changes)."""
    if not enabled(app) or app.extensions.get("worker_pid") == os.getpid():
        return None
    with _lock:
        if app.extensions.get("worker_pid") == os.getpid():
            return None
        stop = threading.Event()
        thread = threading.Thread(target=loop, args=(app, stop, True), name="yiban-worker",
                                  daemon=True)
        app.extensions.update(worker_pid=os.getpid(), worker=(thread, stop))
        thread.start()
        return thread


def loop(app: Flask, stop: threading.Event, one_per_folder: bool = False) -> None:
    turn = FileLock(Path(app.config["DATA_DIR"]) / "background.lock") if one_per_folder else None
    try:
        while not stop.is_set():
            if turn is None or _holds(turn):
                run_due(app)
            stop.wait(app.config["WORKER_TICK_SECONDS"])
    finally:
        if turn is not None and turn.is_locked:
            turn.release(force=True)


def _holds(turn: FileLock) -> bool:
    if turn.is_locked:
        return True
    try:
        turn.acquire(timeout=0)
        return True
    except Timeout:
        return False


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run every job once and stop (cron, tests).")
def worker_command(once):
    """Run the background jobs (outbox delivery, the platform's events, reminders)."""
    app = current_app._get_current_object()
    if once:
        for name, outcome in run_due(app, everything=True).items():
            click.echo(f"{name}: {outcome}")
        return
    click.echo(f"running {', '.join(jobs(app))}; stop with Ctrl+C")
    try:
        loop(app, threading.Event())
    except KeyboardInterrupt:
        pass


def init_app(app: Flask) -> None:
    @app.before_request
    def start_worker_thread():  # a dict look-up once it runs
        start(app)

    app.cli.add_command(worker_command)
