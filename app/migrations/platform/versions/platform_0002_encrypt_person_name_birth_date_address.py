"""Encrypt a person's name, date of birth and address at rest, like their ID and mobile
numbers: a copied database reveals no one. Existing rows are encrypted in place.

Each column becomes TEXT (a Fernet token is text; a date is its ISO form encrypted).
SQLite cannot change a column's type without rebuilding the table, and rebuilding
`person` (what batch mode does) drops a table that licences and applications point at,
which fails with foreign keys on. So no table is rebuilt, on either database: a new
TEXT column is added, filled with the encrypted values, the old column dropped and
the new one renamed (ALTER TABLE ... ADD / DROP / RENAME COLUMN: SQLite 3.35 and
PostgreSQL). `person.id` is never touched, so no reference to it changes. All in the
upgrade's one transaction: a failure leaves the table as it was. On SQLite deleted
content is zeroed (secure_delete), so no value in clear is left in the file's free
space. (PostgreSQL's old row versions are gone at its next VACUUM.)

Revision ID: platform_0002
Revises: platform_0001
Create Date: 2026-12-03
"""
from datetime import date

from alembic import op
import sqlalchemy as sa

from app.core.crypto import keyring_of

revision = 'platform_0002'
down_revision = 'platform_0001'
branch_labels = None
depends_on = None

# The columns and their type before this revision (platform_0001, 3bfec37).
COLUMNS = {'name': sa.String(length=60), 'birth_date': sa.Date(), 'address': sa.Text()}


def _as_text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _replace(column: str, new_type, convert, nullable: bool) -> None:
    """`column` of person as `new_type`, each value passed through `convert`, in place
    (add, fill, drop, rename: no table rebuild)."""
    bind = op.get_bind()
    staged = f'{column}_staged'
    # SQLite adds a NOT NULL column only with a default; PostgreSQL's is dropped below.
    op.add_column('person', sa.Column(staged, new_type, nullable=nullable,
                                      server_default=None if nullable else ''))
    person = sa.table('person', sa.column('id'), sa.column(column), sa.column(staged))
    for person_id, value in bind.execute(sa.select(person.c.id, person.c[column])).all():
        bind.execute(sa.update(person).where(person.c.id == person_id)
                     .values({staged: None if value is None else convert(value)}))
    op.drop_column('person', column)
    op.alter_column('person', staged, new_column_name=column)
    if bind.dialect.name == 'postgresql':
        op.alter_column('person', column, server_default=None, nullable=False)


def upgrade() -> None:
    bind = op.get_bind()
    keyring = keyring_of(bind.dialect)  # the store's keys (app/core/crypto.py)
    if bind.dialect.name == 'sqlite':
        # Zero what is deleted or moved, so the values in clear do not stay behind in
        # freed pages of the file (VACUUM cannot run inside the upgrade's transaction).
        op.execute('PRAGMA secure_delete = ON')
    for column in COLUMNS:
        # rotate: plain text is encrypted; a value somehow encrypted already is kept.
        _replace(column, sa.Text(), lambda value: keyring.rotate(_as_text(value)),
                 nullable=False)


def downgrade() -> None:
    keyring = keyring_of(op.get_bind().dialect)
    for column, old_type in COLUMNS.items():
        plain = (lambda value: date.fromisoformat(keyring.decrypt(value))) \
            if column == 'birth_date' else keyring.decrypt
        # Nullable on the way down: SQLite adds a NOT NULL column only with a default.
        _replace(column, old_type, plain, nullable=True)
