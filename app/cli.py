"""`flask platform …`: the embedded platform's back office, for people and tests.
`flask access-log verify`: check that nobody has altered the access log."""
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


access_log_cli = AppGroup("access-log", help="The tamper-evident access log (app/consent.py).")


@access_log_cli.command("verify")
def verify():
    """Check the hash chain of the access log; name the first broken entry.

    Exits 1 when an entry was altered, removed from under its successor or inserted
    out of turn, so that a cron job or a monitor can raise the alarm."""
    consents = current_app.extensions["consents"]
    broken = consents.verify_chain()
    if broken is not None:
        click.echo(f"BROKEN: access-log entry {broken} does not match the chain (altered, "
                   "or an entry before it removed or inserted); entries from it on cannot "
                   "be trusted", err=True)
        raise SystemExit(1)
    click.echo(f"OK: {consents.log_size()} entries in the access log, the chain is intact")


def init_app(app):
    app.cli.add_command(platform_cli)
    app.cli.add_command(access_log_cli)
