"""Baseline: the embedded platform's schema as 3bfec37 made it with create_all.

An empty database gets every table. A database from before migrations (made by
create_all at 3bfec37 or earlier) keeps every row: only missing tables are created
and missing columns added (nullable, as older rows have no value for them).

Revision ID: platform_0001
Revises:
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

from app.migrations.baseline import create_or_complete

revision = 'platform_0001'
down_revision = None
branch_labels = None
depends_on = None

# Frozen here: later revisions change the models, never this picture of 3bfec37.
# Encrypted columns are Text in the database (app/crypto.py).
BASELINE = sa.MetaData()
sa.Table('helper', BASELINE,
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organisation', sa.String(length=100), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('mobile', sa.Text(), nullable=False),
    sa.Column('mobile_hash', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('mobile_hash')
)
sa.Table('life_event', BASELINE,
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
)
sa.Table('meta', BASELINE,
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
)
sa.Table('person', BASELINE,
    sa.Column('id', sa.String(length=60), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('id_number', sa.Text(), nullable=False),
    sa.Column('id_number_hash', sa.String(length=64), nullable=False),
    sa.Column('mobile', sa.Text(), nullable=False),
    sa.Column('mobile_hash', sa.String(length=64), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('id_number_hash'),
    sa.UniqueConstraint('mobile_hash')
)
sa.Table('licence', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.String(length=60), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Text(), nullable=False),
    sa.Column('issued', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_licence_person_id', BASELINE.tables['licence'].c.person_id)

sa.Table('service', BASELINE,
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('life_event', sa.String(length=40), nullable=False),
    sa.Column('promise_days', sa.Integer(), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['life_event'], ['life_event.key'], ),
    sa.PrimaryKeyConstraint('code')
)
sa.Table('application', BASELINE,
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('owner_id', sa.String(length=60), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('submitted_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['service_code'], ['service.code'], ),
    sa.ForeignKeyConstraint(['submitted_by'], ['helper.id'], ),
    sa.PrimaryKeyConstraint('number'),
    sa.UniqueConstraint('idempotency_key')
)
sa.Index('ix_application_owner_id', BASELINE.tables['application'].c.owner_id)

sa.Table('application_part', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_number', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('matters', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('promised_date', sa.Date(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['application_number'], ['application.number'], ),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_application_part_application_number', BASELINE.tables['application_part'].c.application_number)

sa.Table('rating', BASELINE,
    sa.Column('application_number', sa.String(length=30), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('rated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rated_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['application_number'], ['application.number'], ),
    sa.ForeignKeyConstraint(['rated_by'], ['helper.id'], ),
    sa.PrimaryKeyConstraint('application_number')
)
sa.Table('supplement', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_number', sa.String(length=30), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('ask', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('wants_file', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['answered_by'], ['helper.id'], ),
    sa.ForeignKeyConstraint(['application_number'], ['application.number'], ),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_supplement_application_number', BASELINE.tables['supplement'].c.application_number)

sa.Table('timeline_event', BASELINE,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_number', sa.String(length=30), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('acted_by', sa.String(length=60), nullable=True),
    sa.Column('supplement_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acted_by'], ['helper.id'], ),
    sa.ForeignKeyConstraint(['application_number'], ['application.number'], ),
    sa.ForeignKeyConstraint(['supplement_id'], ['supplement.id'], ),
    sa.PrimaryKeyConstraint('id')
)
sa.Index('ix_timeline_event_application_number', BASELINE.tables['timeline_event'].c.application_number)


def upgrade() -> None:
    create_or_complete(op, BASELINE)


def downgrade() -> None:
    raise RuntimeError("The baseline is never undone: it would drop citizens' data.")
