"""account_copy: who is signed in, as the platform last told the front, encrypted; used
only while the platform cannot be reached (app/core/account_copies.py)

Revision ID: front_0007
Revises: front_0006
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = 'front_0007'
down_revision = 'front_0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'account_copy',
        sa.Column('account', sa.String(length=80), primary_key=True),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('fetched_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_account_copy_fetched_at', 'account_copy', ['fetched_at'])


def downgrade() -> None:
    op.drop_index('ix_account_copy_fetched_at', table_name='account_copy')
    op.drop_table('account_copy')
