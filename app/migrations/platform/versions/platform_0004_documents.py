"""The files applications and supplement answers bring, kept by the platform itself
(encrypted, as the rest of what it keeps about people), so that it no longer depends
on the front's copy.

- document: one row per file; answers name it by id. Answers sent before keep naming
  the front's stored file, which the front keeps for them (app/maintenance.py).

Revision ID: platform_0004
Revises: platform_0003
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = 'platform_0004'
down_revision = 'platform_0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('application_number', sa.String(length=30), nullable=False),
        sa.Column('supplement_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.Text(), nullable=False),
        sa.Column('media_type', sa.String(length=60), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['application_number'], ['application.number']),
        sa.ForeignKeyConstraint(['supplement_id'], ['supplement.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_document_application_number', 'document', ['application_number'])


def downgrade() -> None:
    op.drop_index('ix_document_application_number', table_name='document')
    op.drop_table('document')
