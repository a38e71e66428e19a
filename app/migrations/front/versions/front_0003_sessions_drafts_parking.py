"""Security fixes: "sign out everywhere", one open draft per person and
service, parked answers found by age.

- session_revocation: per account, the time before which its sessions are ended.
- one_open_draft: a unique index on draft (owner_id, service_code) where neither
  application_number nor sent_at is set. Open duplicates left by the old race are
  kept (no row is lost) but closed first: all but the most recently updated one get
  application_number 'superseded', so they no longer count as open.
- ix_parked_answers_created_at: expired parked answers are pruned by age.
- sessions: Flask-Session's table (server-side sessions, app/core/sessions.py), as
  Flask-Session 0.8 defines it; Flask-Session also creates it itself when missing,
  so it is created here only if it is not there yet.

Revision ID: front_0003
Revises: front_0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = 'front_0003'
down_revision = 'front_0002'
branch_labels = None
depends_on = None

OPEN = "application_number IS NULL AND sent_at IS NULL"


def upgrade() -> None:
    if 'sessions' not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            'sessions',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('session_id', sa.String(length=255), nullable=True),
            sa.Column('data', sa.LargeBinary(), nullable=True),
            sa.Column('expiry', sa.DateTime(), nullable=True),
            sa.PrimaryKeyConstraint('id'),
            sa.UniqueConstraint('session_id'))
    op.create_table(
        'session_revocation',
        sa.Column('account', sa.String(length=80), nullable=False),
        sa.Column('not_before', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('account'))
    op.execute(f"""
        UPDATE draft SET application_number = 'superseded'
        WHERE {OPEN} AND EXISTS (
            SELECT 1 FROM draft AS newer
            WHERE newer.owner_id = draft.owner_id
              AND newer.service_code = draft.service_code
              AND newer.application_number IS NULL AND newer.sent_at IS NULL
              AND (newer.updated_at > draft.updated_at
                   OR (newer.updated_at = draft.updated_at AND newer.id > draft.id)))""")
    op.create_index('one_open_draft', 'draft', ['owner_id', 'service_code'], unique=True,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index('ix_parked_answers_created_at', 'parked_answers', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_parked_answers_created_at', table_name='parked_answers')
    op.drop_index('one_open_draft', table_name='draft')
    op.drop_table('session_revocation')
