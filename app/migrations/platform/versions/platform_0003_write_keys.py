"""Idempotency keys of the platform's other writes: withdrawals, supplement answers and
ratings, so a client may send one again after a timeout.

- write_key: one row per key; submissions keep theirs on `application`.

Revision ID: platform_0003
Revises: platform_0002
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = 'platform_0003'
down_revision = 'platform_0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'write_key',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('operation', sa.String(length=20), nullable=False),
        sa.Column('application_number', sa.String(length=30), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['application_number'], ['application.number']),
        sa.PrimaryKeyConstraint('key'))


def downgrade() -> None:
    op.drop_table('write_key')
