"""`flask --app app db ...`: the schema of both stores (app/migrations)."""
from __future__ import annotations

import click
from alembic import command
from flask import current_app
from flask.cli import AppGroup

from . import STORES, config, current, head, stores_of, upgrade_all

db_cli = AppGroup("db", help="Schema migrations of the front's store and the embedded platform.")


@db_cli.command("upgrade")
def upgrade_command():
    """Bring every store to the newest revision, keeping every row; seed what is missing."""
    upgrade_all(current_app)
    for store, db in stores_of(current_app):
        click.echo(f"{store}: at {current(db.engine, store)}")


@db_cli.command("current")
def current_command():
    """Each store's revision, and whether it is the newest this code knows."""
    for store, db in stores_of(current_app):
        at = current(db.engine, store)
        click.echo(f"{store}: at {at}" + ("" if at == head(store) else f" (newest: {head(store)})"))


@db_cli.command("history")
@click.option("--store", type=click.Choice(STORES), default="front")
def history_command(store):
    command.history(config(store), verbose=False)


@db_cli.command("revision")
@click.option("--store", type=click.Choice(STORES), required=True)
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True,
              help="Compare the models with the store's database (brought up to date first).")
def revision_command(store, message, autogenerate):
    """Write a new revision file into app/migrations/STORE/versions/."""
    db = dict(stores_of(current_app))[store]
    with db.engine.begin() as connection:
        command.revision(config(store, connection), message=message,
                         autogenerate=autogenerate)
