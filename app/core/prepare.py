"""Schema and seed data, made once before the web workers start.

`flask --app app prepare-data` (run by gunicorn.conf.py before it forks, and by
./run.sh) creates the tables and seeds the embedded platform. While it runs it holds a
file lock in the data folder, so two of them at once (or a `flask run` beside it)
take turns instead of racing to insert the same seed rows. Workers started with
YIBAN_PREPARE_DATA=0 skip all of it (app/db.py)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click
from filelock import FileLock

from .db import schema_prepared_elsewhere

LOCK_FILE = "prepare.lock"


@contextmanager
def data_lock(data_dir: Path):
    """Held while create_app makes tables and seeds; nothing when that is done already."""
    if schema_prepared_elsewhere():
        yield
        return
    with FileLock(str(Path(data_dir) / LOCK_FILE), timeout=300):
        yield


@click.command("prepare-data")
def prepare_data():
    """Create the database schema and seed the embedded platform (idempotent).

    The app this command runs in was created under the data lock, which made the
    tables and seeded the platform; this is the one place further steps before
    start-up (e.g. schema migrations) belong."""
    from flask import current_app

    click.echo(f"data ready in {current_app.config['DATA_DIR']}")


def init_app(app) -> None:
    app.cli.add_command(prepare_data)
