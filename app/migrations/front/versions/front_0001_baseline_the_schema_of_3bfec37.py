"""Baseline: the front's schema as 3bfec37 made it with create_all.

An empty database gets every table. A database from before migrations (made by
create_all at 3bfec37 or earlier) keeps every row: only missing tables are created
and missing columns added (nullable, as older rows have no value for them).

Revision ID: front_0001
Revises:
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

from app.migrations.baseline import create_or_complete

revision = 'front_0001'
down_revision = None
branch_labels = None
depends_on = None

# Frozen here: later revisions change the models, never this picture of 3bfec37.
# Encrypted columns are Text in the database (app/crypto.py).
BASELINE = sa.MetaData()
sa.Table('access_log', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.String(length=60), nullable=False),
    sa.Column('actor_id', sa.String(length=60), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('object_ref', sa.String(length=80), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prev_hash')
)
sa.Index('ix_access_log_citizen_id', BASELINE.tables['access_log'].c.citizen_id)

sa.Table('dismissed_suggestion', BASELINE,
    sa.Column('person_id', sa.String(length=60), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'key_hash')
)
sa.Table('draft', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.String(length=60), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('pending', sa.Text(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=False),
    sa.Column('application_number', sa.String(length=30), nullable=True),
    sa.Column('acted_by', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submission_key')
)
sa.Index('ix_draft_owner_id', BASELINE.tables['draft'].c.owner_id)

sa.Table('helper_authorisation', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.String(length=60), nullable=False),
    sa.Column('helper_id', sa.String(length=60), nullable=False),
    sa.Column('services', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_helper_authorisation_citizen_id', BASELINE.tables['helper_authorisation'].c.citizen_id)
sa.Index('ix_helper_authorisation_expires_at', BASELINE.tables['helper_authorisation'].c.expires_at)
sa.Index('ix_helper_authorisation_helper_id', BASELINE.tables['helper_authorisation'].c.helper_id)

sa.Table('language_preference', BASELINE,
    sa.Column('person_id', sa.String(length=60), nullable=False),
    sa.Column('locale', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
)
sa.Table('message', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('citizen_id', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=True),
    sa.Column('dedupe_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedupe_key')
)
sa.Index('ix_message_citizen_id', BASELINE.tables['message'].c.citizen_id)

sa.Table('message_cursor', BASELINE,
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name')
)
sa.Table('message_outbox', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_message_outbox_message_id', BASELINE.tables['message_outbox'].c.message_id)

sa.Table('outbox', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.String(length=60), nullable=False),
    sa.Column('acted_by', sa.String(length=60), nullable=True),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('application_number', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
)
sa.Index('ix_outbox_draft_id', BASELINE.tables['outbox'].c.draft_id)
sa.Index('ix_outbox_next_attempt_at', BASELINE.tables['outbox'].c.next_attempt_at)
sa.Index('ix_outbox_owner_id', BASELINE.tables['outbox'].c.owner_id)
sa.Index('ix_outbox_state', BASELINE.tables['outbox'].c.state)

sa.Table('parked_answers', BASELINE,
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('question_key', sa.String(length=60), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token')
)
sa.Table('sign_in_failures', BASELINE,
    sa.Column('login', sa.String(length=100), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('login')
)
sa.Table('speech_script', BASELINE,
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('owner', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('sentences', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_speech_script_created_at', BASELINE.tables['speech_script'].c.created_at)
sa.Index('ix_speech_script_owner', BASELINE.tables['speech_script'].c.owner)


def upgrade() -> None:
    create_or_complete(op, BASELINE)
    # Sign-in throttling rows from before logins were hashed: short-lived, dropped.
    op.execute("DELETE FROM sign_in_failures WHERE length(login) != 64")


def downgrade() -> None:
    raise RuntimeError("The baseline is never undone: it would drop citizens' data.")
