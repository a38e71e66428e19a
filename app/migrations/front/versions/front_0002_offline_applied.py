"""offline entry: idempotency keys of saved answers already applied

Revision ID: front_0002
Revises: front_0001
Create Date: 2026-12-02 20:58:42.852179
"""
from alembic import op
import sqlalchemy as sa


revision = 'front_0002'
down_revision = 'front_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offline_applied',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('owner_id', sa.String(length=60), nullable=False),
    sa.Column('service_code', sa.String(length=60), nullable=False),
    sa.Column('question_key', sa.String(length=60), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('offline_applied')
