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
    """Uploaded files nothing of the front refers to any more (no draft or parked
    answer), once older than the longest a sign-in lasts: a supplement's file kept
    across an error lives in the session until then. The platform is not asked: it
    keeps its own copy of every file it was sent (app/platform.Document), so pruning is
    the same with a platform elsewhere. Only an embedded platform's answers from before
    it kept documents (platform_0004) still name the front's files; those stay."""
    in_use = app.extensions["uploads"].in_use_here()
    earlier = getattr(app.extensions["platform"], "front_files_named", None)
    return app.extensions["uploads"].collect(in_use | (earlier() if earlier else set()),
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
