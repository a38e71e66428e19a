"""`flask maintenance prune`: delete what nobody may use any more. Run it from cron
(hourly is plenty); parking answers also sweeps expired parked answers as it goes.

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


STEPS = {"parked answers": prune_parked_answers, "sessions": prune_sessions}


def prune(app) -> dict[str, int]:
    return {name: step(app) for name, step in STEPS.items()}


@maintenance_cli.command("prune")
def prune_command():
    for name, count in prune(current_app).items():
        click.echo(f"{name}: {count} deleted")


def init_app(app) -> None:
    app.cli.add_command(maintenance_cli)
