"""State several instances share through Redis (YIBAN_REDIS_URL). Without Redis each
process keeps its own, as the one-process default always has.

The catalogue version: each process builds its search index from the platform's
catalogue once; when the catalogue changes (`flask db upgrade` seeded a service,
or `flask --app app catalogue changed` after the platform's catalogue was edited),
the version in Redis moves on and every process rebuilds its index at its next search."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

CATALOGUE_VERSION = "yiban:catalogue:version"


def redis_client(app: Flask):
    """One client (and connection pool) per app; None without YIBAN_REDIS_URL. redis-py
    notices a fork and opens new connections in the child."""
    if not app.config.get("REDIS_URL"):
        return None
    if "redis" not in app.extensions:
        import redis
        app.extensions["redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    return app.extensions["redis"]


def catalogue_version(app: Flask) -> bytes | None:
    client = redis_client(app)
    return client.get(CATALOGUE_VERSION) if client is not None else None


def catalogue_changed(app: Flask) -> None:
    """Every process rebuilds its search index (this one at once)."""
    client = redis_client(app)
    if client is not None:
        client.incr(CATALOGUE_VERSION)
    app.extensions.pop("search_index", None)


catalogue_cli = AppGroup("catalogue", help="The platform's catalogue as the fronts hold it.")


@catalogue_cli.command("changed")
def changed_command():
    """Tell every front instance to rebuild its search index."""
    catalogue_changed(current_app)
    click.echo("catalogue version moved on" if redis_client(current_app) else
               "no YIBAN_REDIS_URL: only this process's index is rebuilt")
