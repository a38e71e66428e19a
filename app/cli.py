"""`flask platform …`: the embedded platform's back office, for people and tests, and
`flask platform serve`: the embedded platform over HTTP (app/platform/http).
`flask access-log verify|checkpoint|rotate-key`: the tamper-evident access log.
`flask keys generate|rotate`: the keys that encrypt personal data at rest."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .assisted.log_seal import Checkpoints

platform_cli = AppGroup("platform", help="The embedded reference platform: its back office, and "
                        "`serve`, which serves it over HTTP (docs/deploy.md).")


def _back_office(work):
    """Run a back-office change; an impossible one is a usage error, not a trace."""
    from .platform.embedded.progress import BackOfficeError
    try:
        return work()
    except BackOfficeError as error:
        raise click.UsageError(str(error)) from None


def _office():
    """The embedded platform, whose back office these commands are. A front that uses a
    platform elsewhere (YIBAN_PLATFORM_URL) has none: run them where the platform runs."""
    platform = current_app.extensions["platform"]
    if not hasattr(platform, "advance"):
        raise click.UsageError("this front uses a platform elsewhere (YIBAN_PLATFORM_URL): "
                               "run the back office where that platform runs")
    return platform


def _tell_citizens() -> None:
    """Turn what just happened into the citizens' messages and texts right away,
    rather than at the background worker's next round."""
    messages = current_app.extensions.get("messages")
    if messages is not None:
        messages.sync()
        messages.send_due_texts()


@platform_cli.command("advance")
@click.argument("number", required=False)
@click.option("--reject", "reject_reason", help="Refuse the application (or, with --part, "
              "that department's part) with this reason.")
@click.option("--part", "department", help="Only this department's part moves, e.g. --part 医保: "
              "accepted, in review, done.")
def advance(number, reject_reason, department):
    """Move open applications (or NUMBER) one step along their timeline."""
    moved = _back_office(lambda: _office().advance(
        number, reject_reason, part=department))
    for moved_number in moved:
        click.echo(moved_number)
    if not moved:
        click.echo("no open application moved", err=True)
    _tell_citizens()


@platform_cli.command("supplement")
@click.argument("number")
@click.option("--part", "department", help="The department asking, e.g. 医保 (needed when the "
              "application has several parts).")
@click.option("--ask", required=True, help="What the citizen should answer or send, in plain words.")
@click.option("--deadline", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Answer by this day (YYYY-MM-DD).")
@click.option("--file", "wants_file", is_flag=True, help="The answer must include a file.")
def supplement(number, department, ask, deadline, wants_file):
    """Ask the citizen for more (补正): the part waits until they answer."""
    raised = _back_office(lambda: _office().raise_supplement(
        number, department, ask, deadline.date() if deadline else None, wants_file))
    click.echo(f"{number}: supplement {raised.id} asked by {raised.department}"
               + (f", due {raised.deadline.isoformat()}" if raised.deadline else ""))
    _tell_citizens()


RATING_NAMES = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


@platform_cli.command("ratings")
def ratings():
    """Summarise the ratings (好差评) citizens gave, overall and per service."""
    summary = _office().ratings_summary()

    def line(counts: dict) -> str:
        total = sum(counts.values())
        satisfied = sum(n for level, n in counts.items() if level >= 3)
        parts = ", ".join(f"{RATING_NAMES[level]} {counts.get(level, 0)}"
                          for level in sorted(RATING_NAMES, reverse=True))
        rate = f"{100 * satisfied / total:.0f}%" if total else "–"
        return f"{total} rated; {parts}; satisfied (基本满意 or better) {rate}"

    click.echo(f"all services: {line(summary['overall'])}")
    for code, counts in sorted(summary["by_service"].items()):
        click.echo(f"  {code}: {line(counts)}")


@platform_cli.command("documents")
@click.argument("number")
def documents(number):
    """List the files application NUMBER and its supplement answers brought: the
    platform's own copies (filename, size, sha256), oldest first."""
    kept = _office().documents(number)
    for doc in kept:
        answered = f"  (supplement {doc['supplement_id']})" if doc["supplement_id"] else ""
        click.echo(f"{doc['id']}  {doc['filename']}  {doc['size']} bytes  "
                   f"sha256 {doc['sha256']}{answered}")
    if not kept:
        click.echo(f"{number}: no documents", err=True)


@platform_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int,
              help="gunicorn worker processes (each with a few threads).")
def serve(host, port, workers):
    """Serve the embedded platform over HTTP (docs/platform-openapi.yaml) under /v1.

    Fronts reach it with YIBAN_PLATFORM_URL=http://HOST:PORT and the same
    YIBAN_PLATFORM_TOKEN (docs/deploy.md)."""
    from .migrations import data_lock, upgrade
    from .platform.embedded import EmbeddedPlatform
    from .platform.http.serve import serve as run

    config, keyring = current_app.config, current_app.extensions["keyring"]
    if not config["PLATFORM_TOKEN"]:
        raise click.UsageError("set YIBAN_PLATFORM_TOKEN: the service token fronts must send")

    def make_platform():
        return EmbeddedPlatform(config["PLATFORM_DATABASE_URL"], keyring=keyring)
    if config["AUTO_MIGRATE"]:  # as the front does on its own SQLite files
        with data_lock(config["DATA_DIR"]):
            upgrade(make_platform().db, "platform")
    run(make_platform, config["PLATFORM_TOKEN"], host, port, workers)


access_log_cli = AppGroup("access-log", help="The tamper-evident access log (app/assisted/consent.py).")


@access_log_cli.command("verify")
@click.option("--checkpoints", type=click.Path(dir_okay=False, path_type=Path),
              help="Check against this copy of the checkpoints (default: "
              "YIBAN_ACCESS_LOG_CHECKPOINTS, or the file in the data folder).")
def verify(checkpoints):
    """Check the keyed chain of the access log and the log against its signed
    checkpoints; name what is wrong.

    Exits 1 when an entry was altered, removed or inserted, entries were cut off the
    end, or a checkpoint was forged, so that a cron job or a monitor can raise the alarm."""
    consents = current_app.extensions["consents"]
    verdict = consents.verify_chain(checkpoints and Checkpoints(checkpoints, consents.keys))
    if not verdict.ok:
        click.echo(verdict.message, err=True)
        raise SystemExit(1)
    latest = verdict.latest
    click.echo(f"OK: {verdict.entries} entries in the access log, the chain is intact"
               + (f"; it holds the latest checkpoint ({latest.count} at {latest.when})" if latest
                  else "; no checkpoint yet (written with the first keyed entry)"))


@access_log_cli.command("checkpoint")
def checkpoint():
    """Write a signed checkpoint (count, head) of the access log, after verifying it.

    Run from cron (e.g. every 10 minutes): entries cut off the end after the latest
    checkpoint cannot be told, so the interval bounds what could go unnoticed."""
    consents = current_app.extensions["consents"]
    verdict = consents.verify_chain()
    if not verdict.ok:  # never seal a log that was already tampered with
        click.echo(verdict.message, err=True)
        raise SystemExit(1)
    written = consents.checkpoint()
    click.echo(f"checkpoint: {written.count} entries, head {written.head[:12]}…, key "
               f"{written.key_id}, in {consents.checkpoints.path}")


@access_log_cli.command("rotate-key")
def rotate_key():
    """Start chaining new entries with a new access-log key; old ones keep verifying.

    With YIBAN_ACCESS_LOG_KEYS set, prints a new key to put first there on every
    instance (keep the old keys); otherwise puts it first in the data folder's
    access_log_keys. Either way, restart the app to use it."""
    from .core.crypto import CHAIN_KEYS_ENV, ChainKeys, chain_key_id
    if os.environ.get(CHAIN_KEYS_ENV):
        new = secrets.token_hex(32)
        click.echo(new)
        click.echo(f"key id {chain_key_id(new)}: put it first in {CHAIN_KEYS_ENV} on every "
                   "instance, keep the old keys after it, and restart", err=True)
        return
    key_id = ChainKeys.add_to_folder(current_app.config["DATA_DIR"])
    click.echo(f"new access-log key {key_id} is first in the data folder's access_log_keys; "
               "restart the app to chain with it (old keys stay, for the entries they chained)")


keys_cli = AppGroup("keys", help="Keys that encrypt personal data at rest (app/core/crypto.py).")


@keys_cli.command("generate")
def generate_key():
    """Print a new data key, to put first in YIBAN_DATA_KEYS (or in data_keys)."""
    from cryptography.fernet import Fernet
    click.echo(Fernet.generate_key().decode())


@keys_cli.command("rotate")
def rotate_keys():
    """Re-encrypt every stored personal value under the newest key.

    Put the new key first (YIBAN_DATA_KEYS, or the first line of data_keys in the
    data folder) and restart the app, so that every process can read it; run this;
    then remove the old key. Values and uploaded files stored before encryption are
    encrypted too."""
    from .core.crypto import reencrypt
    from .core.front_store import FrontBase
    front = current_app.extensions["front_store"].db
    click.echo(f"front: {reencrypt(front.engine, FrontBase.metadata)} values now under the newest key")
    click.echo(f"uploads: {current_app.extensions['uploads'].reencrypt()} files now under "
               "the newest key")
    on_platform = current_app.extensions["platform"].reencrypt_stored_data()
    if on_platform is not None:  # a platform elsewhere keeps its data under its own keys
        click.echo(f"platform: {on_platform} values now under the newest key")


def init_app(app):
    from .migrations.cli import db_cli
    from .core.shared_state import catalogue_cli
    app.cli.add_command(db_cli)
    app.cli.add_command(catalogue_cli)
    app.cli.add_command(platform_cli)
    app.cli.add_command(access_log_cli)
    app.cli.add_command(keys_cli)
