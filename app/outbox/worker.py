"""Delivering what is due in the background: a job of the background worker
(app/core/background.py: a thread of each app process by default, or `flask worker`),
and `flask outbox deliver` for one round by hand. Any number of them may run at once:
a row is claimed before each delivery (Outbox._claim)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..core import background

outbox_cli = AppGroup("outbox", help="Submissions stored by the front, on their way to the platform.")


@outbox_cli.command("deliver")
def deliver():
    """Send every stored submission that is due to the platform (once; `flask worker`
    keeps doing it)."""
    outcomes = current_app.extensions["outbox"].deliver_due()
    click.echo(f"delivered {outcomes['delivered']}, to retry {outcomes['retry']}, "
               f"failed for good {outcomes['failed']}")


@outbox_cli.command("status")
def status():
    """How many submissions are pending, delivered and failed for good."""
    counts = current_app.extensions["outbox"].counts()
    for state in ("pending", "delivered", "failed_permanently"):
        click.echo(f"{state}: {counts.get(state, 0)}")


def init_app(app: Flask) -> None:
    background.register(app, "outbox", lambda a: a.config["OUTBOX_POLL_SECONDS"],
                        lambda a: a.extensions["outbox"].deliver_due())
    app.cli.add_command(outbox_cli)
