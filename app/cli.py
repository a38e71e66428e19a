"""`flask platform …`: the embedded platform's back office, for people and tests."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

platform_cli = AppGroup("platform", help="Back office of the embedded reference platform.")


@platform_cli.command("advance")
@click.argument("number", required=False)
@click.option("--reject", "reject_reason", help="Refuse the application with this reason.")
def advance(number, reject_reason):
    """Move open applications (or NUMBER) one step along their timeline."""
    moved = current_app.extensions["platform"].advance(number, reject_reason)
    for moved_number in moved:
        click.echo(moved_number)
    if not moved:
        click.echo("no open application moved", err=True)


def init_app(app):
    app.cli.add_command(platform_cli)
