"""Schema migrations (Alembic), one history per store:

- `front/`: the front's own tables (drafts, outbox, messages, consents, ...);
- `platform/`: the embedded platform's tables (a remote platform has its own).

Each keeps its revision in its own version table, so both stores may share one
database. `flask --app app db upgrade` brings both to the newest revision; a database
from before migrations (3bfec37 or older) is taken up by the baseline revision, which
creates what is missing and keeps every row. Nothing here ever drops a table.
How to add a revision: docs/migrations.md."""
from __future__ import annotations

import functools
from contextlib import contextmanager
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import inspect, text

HERE = Path(__file__).resolve().parent
STORES = ("front", "platform")
VERSION_TABLES = {"front": "alembic_version_front", "platform": "alembic_version_platform"}
# Two processes upgrading one PostgreSQL database at once: the second waits.
ADVISORY_LOCK = 0x59_49_42_41  # "YIBA"

log = logging.getLogger(__name__)


def metadata(store: str):
    """The store's models as this code has them (for autogenerate and re-encryption)."""
    if store == "front":
        from ..assisted import consent  # noqa: F401  (their tables join FrontBase)
        from ..core import i18n  # noqa: F401
        from ..core.front_store import FrontBase
        from ..core import upload_store  # noqa: F401
        from ..messages import model as _messages  # noqa: F401
        from ..offline import sending as _offline  # noqa: F401
        from ..outbox import model as _outbox  # noqa: F401
        from ..speech import store as _speech  # noqa: F401
        return FrontBase.metadata
    from ..platform.embedded.models import PlatformBase
    return PlatformBase.metadata


def config(store: str, connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / store))
    cfg.attributes.update(connection=connection, metadata=metadata(store),
                          version_table=VERSION_TABLES[store])
    return cfg


def ours_only(metadata):
    """For autogenerate: a table the models do not know belongs to someone else (the
    other store sharing the database, a library's own table such as server-side
    sessions): never write a drop for it."""
    def include_name(name, type_, _parent_names) -> bool:
        return type_ != "table" or name in metadata.tables
    return include_name


def run_environment(context) -> None:
    """The body of both env.py files: migrate on the connection we were given."""
    attributes = context.config.attributes
    context.configure(connection=attributes["connection"],
                      target_metadata=attributes["metadata"],
                      version_table=attributes["version_table"],
                      include_name=ours_only(attributes["metadata"]),
                      # SQLite cannot ALTER most things: autogenerate writes batch ops.
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


@functools.cache
def head(store: str) -> str:
    return ScriptDirectory.from_config(config(store)).get_current_head()


def current(engine, store: str) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLES[store]}).get_current_revision()


def predates_migrations(engine, store: str) -> bool:
    """Tables of this store, but no version table: made by create_all before Alembic."""
    present = set(inspect(engine).get_table_names())
    return VERSION_TABLES[store] not in present and bool(
        present & set(metadata(store).tables))


def upgrade(db, store: str, revision: str = "head") -> int:
    """Bring one store to `revision`; returns how many seed rows were added. A database
    from before migrations may hold values from before encryption: they are encrypted
    once, here (not at every start)."""
    from ..core.crypto import reencrypt
    older = predates_migrations(db.engine, store)
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": ADVISORY_LOCK})
        command.upgrade(config(store, connection), revision)
    if older:
        reencrypt(db.engine, metadata(store), only_plaintext=True)
    if store == "platform":
        from ..platform.embedded.seed import seed_missing
        with db.session() as session:
            return seed_missing(session)
    return 0


def stores_of(app) -> list[tuple[str, object]]:
    """(store, Database) of what this app owns: the front's store, and the embedded
    platform's unless a remote platform stands in for it."""
    from ..core.db import Database
    stores = [("front", app.extensions["front_store"].db)]
    platform_db = getattr(app.extensions["platform"], "db", None)
    if isinstance(platform_db, Database):
        stores.append(("platform", platform_db))
    return stores


def upgrade_all(app) -> None:
    """What `flask --app app db upgrade` does (and a one-time prepare step may call)."""
    from ..core.shared_state import catalogue_changed
    if sum(upgrade(db, store) for store, db in stores_of(app)):
        catalogue_changed(app)  # seeded rows: every instance rebuilds its search index


def behind(app) -> list[str]:
    """Stores whose database is not at this code's newest revision, as messages."""
    return [f"the {store} database is at revision {current(db.engine, store)}, "
            f"this code needs {head(store)}"
            for store, db in stores_of(app) if current(db.engine, store) != head(store)]


@contextmanager
def data_lock(data_dir):
    """Held while one process migrates and seeds a data folder's SQLite stores, so
    processes starting at once take turns instead of racing to insert the seed rows."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    with FileLock(str(Path(data_dir) / "prepare.lock"), timeout=300):
        yield


def at_start_up(app) -> None:
    """Auto-migrate (the one-process SQLite default), else only look: a front behind
    its schema answers 503 and /readyz says why, until `db upgrade` has run."""
    if app.config["AUTO_MIGRATE"]:
        with data_lock(app.config["DATA_DIR"]):  # several processes starting at once
            upgrade_all(app)
        return
    problems = behind(app)
    app.extensions["schema_behind"] = problems
    for problem in problems:
        log.error("%s: run `flask --app app db upgrade`", problem)
    if problems:
        app.before_request(_not_until_upgraded)


def _not_until_upgraded():
    from flask import current_app, render_template, request
    if request.endpoint in ("static", "operations.healthz", "operations.readyz"):
        return None
    if current_app.extensions.get("schema_behind"):
        return render_template("errors/500.html"), 503, {"Retry-After": "60"}
    return None
