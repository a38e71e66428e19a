"""Uploaded files: whose each stored file is, its size and when it
came, so each person's files are held to a quota and unused ones are collected.

- stored_upload: one row per file in the upload folder. Files from before have no row:
  they count against nobody's quota and are aged by their modification time.

Revision ID: front_0004
Revises: front_0003
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = 'front_0004'
down_revision = 'front_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stored_upload',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('owner_id', sa.String(length=60), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'))
    op.create_index('ix_stored_upload_owner_id', 'stored_upload', ['owner_id'])


def downgrade() -> None:
    op.drop_index('ix_stored_upload_owner_id', table_name='stored_upload')
    op.drop_table('stored_upload')
