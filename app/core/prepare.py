"""Schema and seed data, made once before the web workers start.

`flask --app app prepare-data` (run by gunicorn.conf.py before it forks, and safe to
run twice or at once) brings both stores to the newest migration and seeds what the
embedded platform lacks (app/migrations). It holds a file lock in the data folder, so
two of them (or a `flask run` starting beside it) take turns instead of racing to
insert the same seed rows. gunicorn's workers then start with YIBAN_AUTO_MIGRATE=0:
they only check that the schema is current."""
from __future__ import annotations

import click


@click.command("prepare-data")
def prepare_data():
    """Migrate both stores to the newest schema and seed the embedded platform."""
    from flask import current_app

    from ..migrations import data_lock, upgrade_all

    with data_lock(current_app.config["DATA_DIR"]):
        upgrade_all(current_app)
    click.echo(f"data ready in {current_app.config['DATA_DIR']}")


def init_app(app) -> None:
    app.cli.add_command(prepare_data)
