"""`flask maintenance prune`: delete what nobody may use any more, and encrypt files
uploaded before uploads were encrypted. Run it from cron (hourly is plenty); parking
answers also sweeps expired parked answers as it goes.

Each step is one function taking the app and returning how many things went, so a
new kind of leftover is one more line in STEPS."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

maintenance_cli = AppGroup("maintenance", help="Delete expired leftovers.")


def prune_parked_answers(app) -> int:
    """Answers parked for after a sign-in that never came (older than the idle timeout)."""
    return app.extensions["front_store"].prune_parked(app.config["SESSION_IDLE_TIMEOUT"])


def prune_sessions(app) -> int:
    """Sessions past their lifetime, where the store does not expire them itself."""
    from .core.sessions import prune_expired
    return max(0, prune_expired(app))


def prune_uploads(app) -> int:
    """Uploaded files nothing refers to any more (no draft, parked answer, application
    or supplement answer), once older than the longest a sign-in lasts: a supplement's
    file kept across an error lives in the session until then."""
    in_use = app.extensions["uploads"].in_use_here()
    on_platform = app.extensions["platform"].uploads_in_use()
    return app.extensions["uploads"].collect(in_use | (on_platform or set()),
                                             app.config["PERMANENT_SESSION_LIFETIME"])


def encrypt_plain_uploads(app) -> int:
    """Files uploaded before uploads were encrypted (app/core/upload_store.py)."""
    return app.extensions["uploads"].reencrypt(only_plain=True)


STEPS = {"parked answers": prune_parked_answers, "sessions": prune_sessions,
         "unused uploads": prune_uploads, "plain uploads": encrypt_plain_uploads}
DONE = {"plain uploads": "encrypted"}  # what happened to them, where not "deleted"


def prune(app) -> dict[str, int]:
    return {name: step(app) for name, step in STEPS.items()}


@maintenance_cli.command("prune")
def prune_command():
    for name, count in prune(current_app).items():
        click.echo(f"{name}: {count} {DONE.get(name, 'deleted')}")


def init_app(app) -> None:
    app.cli.add_command(maintenance_cli)
