"""message: the state of its text (due, sent, failed), so texts are sent by the
background worker instead of inside the request that made the message

Messages made before keep NULL: their texts went (or not) when they were made.

Revision ID: front_0006
Revises: front_0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = 'front_0006'
down_revision = 'front_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('message', sa.Column('text_state', sa.String(length=10), nullable=True))
    op.create_index('ix_message_text_state', 'message', ['text_state'])


def downgrade() -> None:
    op.drop_index('ix_message_text_state', table_name='message')
    with op.batch_alter_table('message') as batch:
        batch.drop_column('text_state')
